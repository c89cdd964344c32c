//! `Account`, `viewer`, and the sign-in and account mutations.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};

use super::{
    Role, Viewer, entity as account,
    password::{NewPassword, Password},
    rules::{self, ChangePassword, CreateAccount, Login, SetAccountDisabled},
    token::Issued,
};
use crate::{
    agencies::graphql::{Agency, agency_node},
    enterprises::graphql::{Enterprise, enterprise_node},
    error::{ApiError, UserError},
    graphql::{
        errors::respond,
        ids::{self, input_key},
        loaders::{loaded, loaders},
        mutate,
        pagination::PageArgs,
        scalars::DateTime,
        session,
    },
    keys::{AccountKey, Key},
    notifications::graphql::{
        NotificationConnection, NotificationFilter, NotificationPreference, own_notifications,
        own_preferences, own_unread_count,
    },
    text::{Email, Name},
};

/// What an account may do.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role", remote = "Role")]
pub enum RoleValue {
    /// Manages accounts and agencies; may do everything an official may.
    Admin,
    /// A government official, attached to one agency.
    Official,
    /// A representative of one enterprise.
    Firm,
}

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
        let private_visible = viewer.sees_account_private_fields(model.id);
        Account {
            model,
            private_visible,
        }
    }
}

/// A person who signs in: an admin, an official of an agency, or a representative
/// of an enterprise.
#[Object]
impl Account {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(AccountKey::KIND, self.model.id)
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
    async fn role(&self) -> RoleValue {
        self.model.role.into()
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

    /// The account's notifications, unread first, then newest first; only for the
    /// account itself (null otherwise).
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
        #[graphql(desc = "Narrows the list: only read or only unread ones.")] filter: Option<
            NotificationFilter,
        >,
    ) -> async_graphql::Result<Option<NotificationConnection>> {
        own_notifications(
            ctx,
            self.model.id,
            PageArgs::new(first, after, last, before),
            filter,
        )
        .await
    }

    /// How many of the account's notifications are unread; only for the account itself.
    async fn unread_notification_count(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<i32>> {
        own_unread_count(ctx, self.model.id).await
    }

    /// Whether the account gets e-mail, per category; only for the account itself.
    async fn notification_preferences(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<NotificationPreference>>> {
        own_preferences(ctx, self.model.id).await
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
    /// The account's e-mail address (its sign-in).
    pub email: String,
    /// The password (at least 12 characters for a new one).
    pub password: String,
}

impl TryFrom<LoginInput> for Login {
    type Error = UserError;

    fn try_from(input: LoginInput) -> Result<Self, UserError> {
        Ok(Login::new(&input.email, input.password))
    }
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
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(LoginPayload {
    token: String,
    expires_at: DateTime,
    viewer: Account
});

/// A new account, created by an admin.
#[derive(InputObject)]
pub struct CreateAccountInput {
    /// The account's e-mail address (its sign-in).
    pub email: String,
    /// The password (at least 12 characters for a new one).
    pub password: String,
    /// The name shown for the account.
    pub display_name: String,
    /// What the account may do.
    pub role: RoleValue,
    /// The agency of an official (or, optionally, an admin).
    pub agency_id: Option<ID>,
    /// The enterprise of a FIRM account.
    pub enterprise_id: Option<ID>,
}

impl TryFrom<CreateAccountInput> for CreateAccount {
    type Error = UserError;

    fn try_from(input: CreateAccountInput) -> Result<Self, UserError> {
        Ok(CreateAccount {
            agency_id: input
                .agency_id
                .map(|id| input_key(&id, "agencyId"))
                .transpose()?,
            enterprise_id: input
                .enterprise_id
                .map(|id| input_key(&id, "enterpriseId"))
                .transpose()?,
            email: Email::parse("email", &input.email)?,
            display_name: Name::parse("displayName", &input.display_name)?,
            password: NewPassword::parse("password", &input.password)?,
            role: input.role.into(),
        })
    }
}

/// The outcome of `createAccount`.
#[derive(SimpleObject, Default)]
pub struct CreateAccountPayload {
    /// The account created; null when the mutation failed.
    pub account: Option<Account>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(CreateAccountPayload { account: Account });

/// The current password and the new one.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password in use now.
    pub current_password: String,
    /// The new password: at least 12 characters.
    pub new_password: String,
}

impl TryFrom<ChangePasswordInput> for ChangePassword {
    type Error = UserError;

    fn try_from(input: ChangePasswordInput) -> Result<Self, UserError> {
        Ok(ChangePassword {
            new_password: NewPassword::parse("newPassword", &input.new_password)?,
            current_password: Password::new(input.current_password),
        })
    }
}

/// The outcome of `changePassword`.
#[derive(SimpleObject, Default)]
pub struct ChangePasswordPayload {
    /// A fresh token; tokens issued before the change stop working.
    pub token: Option<String>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(ChangePasswordPayload { token: String });

/// An account to disable or enable again.
#[derive(InputObject)]
pub struct SetAccountDisabledInput {
    /// The account's ID.
    pub account_id: ID,
    /// True disables: the account cannot sign in and its tokens stop working.
    pub disabled: bool,
}

impl TryFrom<SetAccountDisabledInput> for SetAccountDisabled {
    type Error = UserError;

    fn try_from(input: SetAccountDisabledInput) -> Result<Self, UserError> {
        Ok(SetAccountDisabled {
            account_id: input_key(&input.account_id, "accountId")?,
            disabled: input.disabled,
        })
    }
}

/// The outcome of `setAccountDisabled`.
#[derive(SimpleObject, Default)]
pub struct SetAccountDisabledPayload {
    /// The account as it is now; null when the mutation did not apply.
    pub account: Option<Account>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(SetAccountDisabledPayload { account: Account });

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in. An unknown e-mail and a wrong password answer alike; repeated
    /// failures are refused for a while (RATE_LIMITED).
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: LoginInput,
    ) -> async_graphql::Result<LoginPayload> {
        respond(
            mutate(ctx, input, rules::login)
                .await
                .map(|(issued, model)| {
                    let viewer = Viewer::signed_in(rules::principal_of(&model));
                    (
                        issued.token,
                        issued.expires_at.into(),
                        Account::for_viewer(model, &viewer),
                    )
                }),
        )
    }

    /// Changes the viewer's password; every earlier token stops working.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: ChangePasswordInput,
    ) -> async_graphql::Result<ChangePasswordPayload> {
        respond(
            mutate(ctx, input, rules::change_password)
                .await
                .map(|issued: Issued| issued.token),
        )
    }

    /// Disables an account, or enables it again (admins only). A disabled account
    /// cannot sign in, its tokens stop working and its open sockets close.
    async fn set_account_disabled(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: SetAccountDisabledInput,
    ) -> async_graphql::Result<SetAccountDisabledPayload> {
        let viewer = &session(ctx)?.viewer;
        respond(
            mutate(ctx, input, rules::set_disabled)
                .await
                .map(|model| Account::for_viewer(model, viewer)),
        )
    }

    /// Creates an account (admins only).
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: CreateAccountInput,
    ) -> async_graphql::Result<CreateAccountPayload> {
        let viewer = &session(ctx)?.viewer;
        respond(
            mutate(ctx, input, rules::create_account)
                .await
                .map(|model| Account::for_viewer(model, viewer)),
        )
    }
}
