//! `Account`, `viewer`, and the sign-in and account mutations.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{
    Role, Viewer, entity as account,
    rules::{self, ChangePasswordRequest, CreateAccountRequest, LoginRequest},
};
use crate::agencies::graphql::{Agency, agency_node};
use crate::enterprises::graphql::{Enterprise, enterprise_node};
use crate::graphql::{
    app,
    errors::{ApiError, UserError, payload},
    ids::{self, NodeKind},
    loaders::{loaded, loaders},
    scalars::DateTime,
    session,
};

/// A person who signs in: an admin, an official of an agency, or a representative
/// of an enterprise.
#[derive(Clone)]
pub struct Account {
    model: account::Model,
    /// Whether the viewer may see private fields (`email`).
    private_visible: bool,
}

impl Account {
    pub fn for_viewer(model: account::Model, viewer: &Viewer) -> Account {
        let private_visible = viewer.is_official() || viewer.account_id() == Some(model.id);
        Account {
            model,
            private_visible,
        }
    }
}

#[Object]
impl Account {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Account, self.model.id)
    }

    /// Visible to the account itself, officials and admins; null to others.
    async fn email(&self) -> Option<&str> {
        self.private_visible.then_some(self.model.email.as_str())
    }

    /// The name shown to others.
    async fn display_name(&self) -> &str {
        &self.model.display_name
    }

    /// What the account may do.
    async fn role(&self) -> Role {
        self.model.role
    }

    /// Set for FIRM accounts.
    async fn enterprise(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Enterprise>> {
        match self.model.enterprise_id {
            Some(id) => Ok(enterprise_node(ctx, id).await?),
            None => Ok(None),
        }
    }

    /// Set for OFFICIAL accounts (and optionally ADMIN).
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Agency>> {
        match self.model.agency_id {
            Some(id) => Ok(agency_node(ctx, id).await?),
            None => Ok(None),
        }
    }

    /// When the account was created.
    async fn created_at(&self) -> DateTime {
        self.model.created_at.into()
    }
}

/// An account the viewer may see: itself, or any account for officials and admins.
pub async fn account_node(ctx: &Context<'_>, key: i64) -> Result<Option<Account>, ApiError> {
    let viewer = &session(ctx)?.viewer;
    if !(viewer.is_official() || viewer.account_id() == Some(key)) {
        return Ok(None);
    }
    let model = loaded(loaders(ctx)?.accounts.load_one(key).await)?;
    Ok(model.map(|m| Account::for_viewer(m, viewer)))
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The signed-in account; null when anonymous.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Account>> {
        let Some(id) = session(ctx)?.viewer.account_id() else {
            return Ok(None);
        };
        Ok(account_node(ctx, id).await?)
    }
}

/// E-mail and password of an account.
#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

/// The outcome of `login`.
#[derive(SimpleObject, Default)]
pub struct LoginPayload {
    /// A bearer token (JWT) for the Authorization header.
    pub token: Option<String>,
    /// When the token stops working.
    pub expires_at: Option<DateTime>,
    /// The account signed in as.
    pub viewer: Option<Account>,
    pub user_errors: Vec<UserError>,
}

/// A new account, created by an admin.
#[derive(InputObject)]
pub struct CreateAccountInput {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub role: Role,
    /// The agency of an official (or, optionally, an admin).
    pub agency_id: Option<ID>,
    /// The enterprise of a FIRM account.
    pub enterprise_id: Option<ID>,
}

/// The outcome of `createAccount`.
#[derive(SimpleObject, Default)]
pub struct CreateAccountPayload {
    pub account: Option<Account>,
    pub user_errors: Vec<UserError>,
}

/// The current password and the new one.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

/// The outcome of `changePassword`.
#[derive(SimpleObject, Default)]
pub struct ChangePasswordPayload {
    /// A fresh token; tokens issued before the change stop working.
    pub token: Option<String>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in. An unknown e-mail and a wrong password answer alike; repeated
    /// failures are refused for a while (RATE_LIMITED).
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<LoginPayload> {
        let session = session(ctx)?;
        let request = LoginRequest {
            email: input.email,
            password: input.password,
        };
        Ok(
            match payload(rules::login(app(ctx)?, session, request).await)? {
                Ok((issued, model)) => {
                    let viewer = Viewer::signed_in(rules::principal_of(&model));
                    LoginPayload {
                        token: Some(issued.token),
                        expires_at: Some(issued.expires_at.into()),
                        viewer: Some(Account::for_viewer(model, &viewer)),
                        user_errors: Vec::new(),
                    }
                }
                Err(user_errors) => LoginPayload {
                    user_errors,
                    ..Default::default()
                },
            },
        )
    }

    /// Changes the viewer's password; every earlier token stops working.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<ChangePasswordPayload> {
        let request = ChangePasswordRequest {
            current_password: input.current_password,
            new_password: input.new_password,
        };
        Ok(
            match payload(rules::change_password(app(ctx)?, session(ctx)?, request).await)? {
                Ok(issued) => ChangePasswordPayload {
                    token: Some(issued.token),
                    user_errors: Vec::new(),
                },
                Err(user_errors) => ChangePasswordPayload {
                    token: None,
                    user_errors,
                },
            },
        )
    }

    /// Creates an account (admins only).
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        input: CreateAccountInput,
    ) -> async_graphql::Result<CreateAccountPayload> {
        let session = session(ctx)?;
        let request = CreateAccountRequest {
            email: input.email,
            password: input.password,
            display_name: input.display_name,
            role: input.role,
            agency_id: input.agency_id.map(|id| id.0),
            enterprise_id: input.enterprise_id.map(|id| id.0),
        };
        Ok(
            match payload(rules::create_account(app(ctx)?, session, request).await)? {
                Ok(model) => CreateAccountPayload {
                    account: Some(Account::for_viewer(model, &session.viewer)),
                    user_errors: Vec::new(),
                },
                Err(user_errors) => CreateAccountPayload {
                    account: None,
                    user_errors,
                },
            },
        )
    }
}
