//! Accounts, passwords, tokens and the per-request [`Viewer`]. Every request builds
//! exactly one viewer (anonymous, or a signed-in account with its role and its
//! enterprise or agency); the rules layer checks authorisation against it, so no
//! path (list, nested field, `node`) can skip the check.

pub mod entity;
pub mod graphql;
pub mod password;
pub mod rules;
pub mod throttle;
pub mod token;

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use sea_orm::{DeriveActiveEnum, EnumIter, sea_query::StringLen};

use crate::{audit::Actor, error::ApiError};

/// What an account may do.
#[derive(
    DeriveActiveEnum,
    EnumIter,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    /// Manages accounts and agencies; may do everything an official may.
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    /// A government official, attached to one agency.
    #[sea_orm(string_value = "OFFICIAL")]
    Official,
    /// A representative of one enterprise.
    #[sea_orm(string_value = "FIRM")]
    Firm,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Official => "OFFICIAL",
            Role::Firm => "FIRM",
        }
    }
}

/// Who may attempt a mutation at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permitted {
    Anyone,
    SignedIn,
    /// Officials and admins.
    Officials,
    Admins,
    /// Enterprise accounts only.
    Firms,
}

impl Permitted {
    /// FORBIDDEN for a signed-in viewer who is not permitted, UNAUTHENTICATED for
    /// an anonymous one.
    pub fn check(self, viewer: &Viewer) -> Result<(), ApiError> {
        let roles: &[Role] = match self {
            Permitted::Anyone => return Ok(()),
            Permitted::SignedIn => &[Role::Admin, Role::Official, Role::Firm],
            Permitted::Officials => &[Role::Official, Role::Admin],
            Permitted::Admins => &[Role::Admin],
            Permitted::Firms => &[Role::Firm],
        };
        viewer.require_role(roles).map(drop)
    }
}

/// A signed-in account, as a request sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub account_id: i64,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub agency_id: Option<i64>,
}

/// Who is asking: anonymous or a signed-in account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Viewer {
    pub principal: Option<Principal>,
}

impl Viewer {
    pub fn anonymous() -> Viewer {
        Viewer { principal: None }
    }

    pub fn signed_in(principal: Principal) -> Viewer {
        Viewer {
            principal: Some(principal),
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.principal.as_ref().map(|p| p.role)
    }

    pub fn account_id(&self) -> Option<i64> {
        self.principal.as_ref().map(|p| p.account_id)
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// Officials and admins: admins may do everything an official may.
    pub fn is_official(&self) -> bool {
        matches!(self.role(), Some(Role::Official | Role::Admin))
    }

    /// Whether the viewer sees an account's private fields (its e-mail): officials
    /// and the account itself.
    pub fn sees_account_private_fields(&self, account_id: i64) -> bool {
        self.is_official() || self.account_id() == Some(account_id)
    }

    /// The signed-in principal, or UNAUTHENTICATED.
    pub fn require_signed_in(&self) -> Result<&Principal, ApiError> {
        self.principal
            .as_ref()
            .ok_or(ApiError::Unauthenticated("sign in first"))
    }

    /// Passes when the viewer has one of `roles`; FORBIDDEN (UNAUTHENTICATED when
    /// anonymous) otherwise.
    pub fn require_role(&self, roles: &[Role]) -> Result<&Principal, ApiError> {
        let principal = self.require_signed_in()?;
        if roles.contains(&principal.role) {
            Ok(principal)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    pub fn require_official(&self) -> Result<&Principal, ApiError> {
        self.require_role(&[Role::Official, Role::Admin])
    }
}

/// Everything a request carries besides its document: the viewer, the request id
/// (also on every log line of the request) and the client's address.
#[derive(Debug, Clone)]
pub struct Session {
    pub viewer: Viewer,
    pub request_id: String,
    pub client_addr: Option<IpAddr>,
    /// When the bearer token stops working (a socket is closed then).
    pub expires_at: Option<DateTime<Utc>>,
}

impl Session {
    /// Who the session's mutations are attributed to; nobody when anonymous.
    pub fn actor(&self) -> Option<Actor> {
        self.viewer.principal.as_ref().map(|p| Actor {
            account_id: p.account_id,
            role: p.role,
        })
    }

    pub fn anonymous(request_id: impl Into<String>) -> Session {
        Session {
            viewer: Viewer::anonymous(),
            request_id: request_id.into(),
            client_addr: None,
            expires_at: None,
        }
    }
}

crate::text_enum_cells!(Role);
