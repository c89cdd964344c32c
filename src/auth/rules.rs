//! Sign-in, password changes and account creation, with their authorisation.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use secrecy::SecretString;
use serde::Serialize;

use super::{
    Principal, Role, Session, entity as account,
    password::{self, NewPassword},
    token::Issued,
};
use crate::{
    agencies::entity as agency,
    app::AppState,
    audit::{Actor, MutationTx},
    enterprises::entity as enterprise,
    graphql::{
        errors::{ApiError, MutationError, UserError, UserErrorCode, is_unique_violation},
        ids::{self, NodeKind},
    },
    text::{self, Email, TextKind},
};

const BAD_CREDENTIALS: &str = "the e-mail or password is incorrect";

/// Resolves a bearer token to its principal. Any failure is UNAUTHENTICATED: a bad
/// token never falls back to anonymous.
pub async fn authenticate(app: &AppState, token: &str) -> Result<Principal, ApiError> {
    let rejected = || ApiError::Unauthenticated("the token is invalid, expired or revoked");
    let claims = app.tokens.validate(token).map_err(|_| rejected())?;
    let account_id: i64 = claims.sub.parse().map_err(|_| rejected())?;
    let account = account::Entity::find_by_id(account_id)
        .one(&app.db.read)
        .await?;
    match account {
        Some(a)
            if !a.disabled && a.token_generation == claims.generation && a.role == claims.role =>
        {
            Ok(principal_of(&a))
        }
        _ => Err(rejected()),
    }
}

pub fn principal_of(account: &account::Model) -> Principal {
    Principal {
        account_id: account.id,
        role: account.role,
        enterprise_id: account.enterprise_id,
        agency_id: account.agency_id,
    }
}

pub fn actor_of(account: &account::Model) -> Actor {
    Actor {
        account_id: account.id,
        role: account.role,
    }
}

pub fn session_actor(session: &Session) -> Option<Actor> {
    session.viewer.principal.as_ref().map(|p| Actor {
        account_id: p.account_id,
        role: p.role,
    })
}

pub fn issue(app: &AppState, account: &account::Model) -> Result<Issued, ApiError> {
    app.tokens
        .issue(account.id, account.role, account.token_generation)
        .map_err(ApiError::internal)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Unknown e-mail, wrong password and a disabled account answer alike, and take as
/// long: the decoy hash is verified when there is no account.
pub async fn login(
    app: &AppState,
    session: &Session,
    input: LoginRequest,
) -> Result<(Issued, account::Model), MutationError> {
    let email_key = input.email.trim().to_lowercase();
    let address_key = session.client_addr.map(|a| a.to_string());
    if app.failed_logins_by_email.is_blocked(&email_key)
        || address_key
            .as_deref()
            .is_some_and(|a| app.failed_logins_by_address.is_blocked(a))
    {
        return Err(ApiError::RateLimited.into());
    }
    let found = account::Entity::find()
        .filter(account::Column::Email.eq(email_key.as_str()))
        .one(&app.db.read)
        .await?;
    let stored = found.as_ref().map_or_else(
        || app.decoy_password_hash.clone(),
        |a| a.password_hash.clone(),
    );
    let matches = password::verify(SecretString::from(input.password.clone()), stored).await?;
    let account = match found {
        Some(account) if matches && !account.disabled => account,
        _ => {
            app.failed_logins_by_email.record_failure(&email_key);
            if let Some(address) = &address_key {
                app.failed_logins_by_address.record_failure(address);
            }
            return Err(UserError::general(UserErrorCode::Invalid, BAD_CREDENTIALS).into());
        }
    };
    app.failed_logins_by_email.clear(&email_key);
    let issued = issue(app, &account)?;
    let tx = MutationTx::begin(
        &app.db,
        "login",
        Some(actor_of(&account)),
        Some(&session.request_id),
        &input,
    )
    .await?;
    tx.commit(Some(&ids::encode(NodeKind::Account, account.id)))
        .await?;
    Ok((issued, account))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Sets a new password and bumps the token generation, so every earlier token
/// stops working; returns a fresh token.
pub async fn change_password(
    app: &AppState,
    session: &Session,
    input: ChangePasswordRequest,
) -> Result<Issued, MutationError> {
    let principal = session.viewer.require_signed_in()?;
    let new_password = NewPassword::parse("newPassword", &input.new_password)?;
    let tx = MutationTx::begin(
        &app.db,
        "changePassword",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let account = account::Entity::find_by_id(principal.account_id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::Unauthenticated("the account no longer exists"))?;
    let current_ok = password::verify(
        SecretString::from(input.current_password.clone()),
        account.password_hash.clone(),
    )
    .await?;
    if !current_ok {
        return Err(UserError::at(
            "currentPassword",
            UserErrorCode::Invalid,
            "the current password is incorrect",
        )
        .into());
    }
    let hash = password::hash(new_password).await?;
    let generation = account.token_generation + 1;
    let mut active: account::ActiveModel = account.into();
    active.password_hash = Set(hash);
    active.token_generation = Set(generation);
    active.updated_at = Set(Utc::now());
    let account = active.update(&*tx).await?;
    let issued = issue(app, &account)?;
    tx.commit(Some(&ids::encode(NodeKind::Account, account.id)))
        .await?;
    Ok(issued)
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct CreateAccountRequest {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub role: Role,
    pub agency_id: Option<String>,
    pub enterprise_id: Option<String>,
}

/// ADMIN only. The e-mail must be free; an official belongs to an agency, a firm
/// account to an enterprise.
pub async fn create_account(
    app: &AppState,
    session: &Session,
    input: CreateAccountRequest,
) -> Result<account::Model, MutationError> {
    session.viewer.require_role(&[Role::Admin])?;
    let agency_id = input
        .agency_id
        .as_ref()
        .map(|id| ids::key_for_input(&id.clone().into(), NodeKind::Agency, "agencyId"))
        .transpose()?;
    let enterprise_id = input
        .enterprise_id
        .as_ref()
        .map(|id| ids::key_for_input(&id.clone().into(), NodeKind::Enterprise, "enterpriseId"))
        .transpose()?;
    match input.role {
        Role::Official if agency_id.is_none() => {
            return Err(UserError::at(
                "agencyId",
                UserErrorCode::Invalid,
                "an official belongs to an agency",
            )
            .into());
        }
        Role::Firm if enterprise_id.is_none() => {
            return Err(UserError::at(
                "enterpriseId",
                UserErrorCode::Invalid,
                "a firm account belongs to an enterprise",
            )
            .into());
        }
        Role::Official | Role::Admin if enterprise_id.is_some() => {
            return Err(UserError::at(
                "enterpriseId",
                UserErrorCode::Invalid,
                "only FIRM accounts belong to an enterprise",
            )
            .into());
        }
        Role::Firm if agency_id.is_some() => {
            return Err(UserError::at(
                "agencyId",
                UserErrorCode::Invalid,
                "FIRM accounts belong to no agency",
            )
            .into());
        }
        _ => {}
    }
    let new_account = NewAccount::prepare(&input, enterprise_id, agency_id).await?;
    let tx = MutationTx::begin(
        &app.db,
        "createAccount",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    if let Some(agency_id) = agency_id
        && agency::Entity::find_by_id(agency_id)
            .one(&*tx)
            .await?
            .is_none()
    {
        return Err(UserError::at("agencyId", UserErrorCode::NotFound, "no such agency").into());
    }
    if let Some(enterprise_id) = enterprise_id
        && enterprise::Entity::find_by_id(enterprise_id)
            .one(&*tx)
            .await?
            .is_none()
    {
        return Err(UserError::at(
            "enterpriseId",
            UserErrorCode::NotFound,
            "no such enterprise",
        )
        .into());
    }
    let account = new_account.insert(&*tx).await?;
    tx.commit(Some(&ids::encode(NodeKind::Account, account.id)))
        .await?;
    Ok(account)
}

/// A validated account with its password already hashed, so the hashing happens
/// before the write transaction opens.
pub struct NewAccount {
    email: String,
    password_hash: String,
    display_name: String,
    role: Role,
    enterprise_id: Option<i64>,
    agency_id: Option<i64>,
}

impl NewAccount {
    pub async fn prepare(
        input: &CreateAccountRequest,
        enterprise_id: Option<i64>,
        agency_id: Option<i64>,
    ) -> Result<NewAccount, MutationError> {
        let email = Email::parse("email", &input.email)?;
        let display_name = text::required("displayName", &input.display_name, TextKind::Name)?;
        let new_password = NewPassword::parse("password", &input.password)?;
        Ok(NewAccount {
            email: email.into_inner(),
            password_hash: password::hash(new_password).await?,
            display_name,
            role: input.role,
            enterprise_id,
            agency_id,
        })
    }

    /// Links an official to an agency created with it.
    pub fn link_agency(&mut self, agency_id: i64) {
        self.agency_id = Some(agency_id);
    }

    /// Links a FIRM account to the enterprise created with it.
    pub fn link_enterprise(&mut self, enterprise_id: i64) {
        self.enterprise_id = Some(enterprise_id);
    }

    /// Inserts inside the caller's transaction; a taken e-mail is `TAKEN`.
    pub async fn insert(self, db: &impl ConnectionTrait) -> Result<account::Model, MutationError> {
        let taken = account::Entity::find()
            .filter(account::Column::Email.eq(self.email.as_str()))
            .one(db)
            .await?
            .is_some();
        if taken {
            return Err(email_taken());
        }
        let now = Utc::now();
        account::ActiveModel {
            email: Set(self.email),
            password_hash: Set(self.password_hash),
            display_name: Set(self.display_name),
            role: Set(self.role),
            enterprise_id: Set(self.enterprise_id),
            agency_id: Set(self.agency_id),
            disabled: Set(false),
            token_generation: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                email_taken()
            } else {
                error.into()
            }
        })
    }
}

fn email_taken() -> MutationError {
    UserError::at(
        "email",
        UserErrorCode::Taken,
        "an account with this e-mail already exists",
    )
    .into()
}

/// The `create-admin` command: no viewer, so the audit event has no actor.
pub async fn create_admin(
    app: &AppState,
    email: &str,
    display_name: &str,
    password: &str,
) -> Result<account::Model, MutationError> {
    let input = CreateAccountRequest {
        email: email.to_owned(),
        password: password.to_owned(),
        display_name: display_name.to_owned(),
        role: Role::Admin,
        agency_id: None,
        enterprise_id: None,
    };
    let new_account = NewAccount::prepare(&input, None, None).await?;
    let mut tx = MutationTx::begin(&app.db, "createAdmin", None, None, &input).await?;
    let account = new_account.insert(&*tx).await?;
    tx.attribute_to(actor_of(&account));
    tx.commit(Some(&ids::encode(NodeKind::Account, account.id)))
        .await?;
    Ok(account)
}
