//! Sign-in, password changes and account creation, with their authorisation.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use serde::Serialize;

use super::{
    Principal, Role, Session, entity as account,
    password::{self, NewPassword, Password},
    throttle,
    token::Issued,
};
use crate::{
    agencies::entity as agency,
    app::AppState,
    audit::{Actor, MutationTx},
    enterprises::entity as enterprise,
    error::{ApiError, Message, MutationError, UserError, UserErrorCode, on_constraint},
    events::Change,
    keys::{AccountKey, AgencyKey, EnterpriseKey, Key},
    text::{Email, Name},
};

fn bad_credentials() -> Message {
    crate::msg!(
        "e-mail hoặc mật khẩu không đúng",
        "the e-mail or password is incorrect"
    )
}

/// A bearer token resolved: who it signs in, and until when.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    pub expires_at: DateTime<Utc>,
}

/// Resolves a bearer token to its principal. Any failure is UNAUTHENTICATED: a bad
/// token never falls back to anonymous.
#[tracing::instrument(skip_all)]
pub async fn authenticate(app: &AppState, token: &str) -> Result<Authenticated, ApiError> {
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
            Ok(Authenticated {
                principal: principal_of(&a),
                expires_at: DateTime::from_timestamp(claims.exp, 0).ok_or_else(rejected)?,
            })
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

pub fn issue(app: &AppState, account: &account::Model) -> Result<Issued, ApiError> {
    app.tokens
        .issue(account.id, account.role, account.token_generation)
        .map_err(ApiError::internal)
}

/// A sign-in. The e-mail is taken as given (trimmed, lower-cased): an address that
/// could never belong to an account simply matches none.
#[derive(Serialize)]
pub struct Login {
    pub email: String,
    pub password: Password,
}

impl Login {
    pub fn new(email: &str, password: String) -> Login {
        Login {
            email: email.trim().to_lowercase(),
            password: Password::new(password),
        }
    }
}

crate::command!(Login, "login", Anyone);

/// Unknown e-mail, wrong password and a disabled account answer alike, and take as
/// long: the decoy hash is verified when there is no account. Each attempt is
/// counted before the password is checked, per e-mail and per client address;
/// a successful one is given back.
#[tracing::instrument(skip_all)]
pub async fn login(
    app: &AppState,
    session: &Session,
    command: Login,
) -> Result<(Issued, account::Model), MutationError> {
    let email_key = command.email.as_str();
    let address_key = session
        .client_addr
        .map(|a| throttle::client_network(a).to_string());
    app.sign_ins_by_email
        .attempt(email_key)
        .map_err(|_| ApiError::RateLimited)?;
    if let Some(address) = &address_key
        && app.sign_ins_by_address.attempt(address).is_err()
    {
        app.sign_ins_by_email.refund(email_key);
        return Err(ApiError::RateLimited.into());
    }
    // No account has an address with a control character (PostgreSQL could not
    // even compare one with a NUL in it): such an address matches nothing.
    let found = if email_key.chars().any(char::is_control) {
        None
    } else {
        account::Entity::find()
            .filter(account::Column::Email.eq(email_key))
            .one(&app.db.read)
            .await?
    };
    let stored = found.as_ref().map_or_else(
        || app.decoy_password_hash.clone(),
        |a| a.password_hash.clone(),
    );
    let matches = password::verify(command.password.secret(), stored).await?;
    let account = match found {
        Some(account) if matches && !account.disabled => account,
        _ => return Err(UserError::general(UserErrorCode::Invalid, bad_credentials()).into()),
    };
    app.sign_ins_by_email.clear(email_key);
    if let Some(address) = &address_key {
        app.sign_ins_by_address.refund(address);
    }
    let issued = issue(app, &account)?;
    let mut tx = MutationTx::begin(app, session, &command).await?;
    tx.attribute_to(actor_of(&account));
    tx.commit(AccountKey::new(account.id)).await?;
    Ok((issued, account))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePassword {
    pub current_password: Password,
    pub new_password: NewPassword,
}

crate::command!(ChangePassword, "changePassword", SignedIn);

/// Sets a new password and bumps the token generation, so every earlier token
/// stops working; returns a fresh token.
#[tracing::instrument(skip_all, fields(account = session.viewer.account_id()))]
pub async fn change_password(
    app: &AppState,
    session: &Session,
    command: ChangePassword,
) -> Result<Issued, MutationError> {
    let principal = session.viewer.require_signed_in()?;
    let mut tx = MutationTx::begin(app, session, &command).await?;
    let account = account::Entity::find_by_id(principal.account_id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::Unauthenticated("the account no longer exists"))?;
    let current_ok = password::verify(
        command.current_password.secret(),
        account.password_hash.clone(),
    )
    .await?;
    if !current_ok {
        return Err(UserError::at(
            "currentPassword",
            UserErrorCode::Invalid,
            crate::msg!(
                "mật khẩu hiện tại không đúng",
                "the current password is incorrect"
            ),
        )
        .into());
    }
    let hash = password::hash(&command.new_password).await?;
    let generation = account.token_generation + 1;
    let mut active: account::ActiveModel = account.into();
    active.password_hash = Set(hash);
    active.token_generation = Set(generation);
    active.updated_at = Set(Utc::now());
    let account = active.update(&*tx).await?;
    let issued = issue(app, &account)?;
    // Open sockets of the account close before any later event reaches them.
    tx.notify(Change::Account(account.id));
    tx.commit(AccountKey::new(account.id)).await?;
    Ok(issued)
}

/// An account disabled or enabled again.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetAccountDisabled {
    pub account_id: AccountKey,
    pub disabled: bool,
}

crate::command!(SetAccountDisabled, "setAccountDisabled", Admins);

/// ADMIN only. A disabled account cannot sign in; its tokens stop working and its
/// open sockets close. An admin cannot disable their own account.
#[tracing::instrument(skip_all, fields(account = command.account_id.get(), disabled = command.disabled))]
pub async fn set_disabled(
    app: &AppState,
    session: &Session,
    command: SetAccountDisabled,
) -> Result<account::Model, MutationError> {
    let principal = session.viewer.require_signed_in()?;
    if command.disabled && command.account_id.get() == principal.account_id {
        return Err(UserError::at(
            "accountId",
            UserErrorCode::Invalid,
            crate::msg!(
                "quản trị viên không thể tự khóa tài khoản của mình",
                "an admin cannot disable their own account"
            ),
        )
        .into());
    }
    let mut tx = MutationTx::begin(app, session, &command).await?;
    let account = account::Entity::find_by_id(command.account_id.get())
        .one(&*tx)
        .await?
        .ok_or_else(|| {
            UserError::at(
                "accountId",
                UserErrorCode::NotFound,
                crate::msg!("không tìm thấy tài khoản", "no such account"),
            )
        })?;
    let generation = account.token_generation + 1;
    let mut active: account::ActiveModel = account.into();
    active.disabled = Set(command.disabled);
    active.token_generation = Set(generation);
    active.updated_at = Set(Utc::now());
    let account = active.update(&*tx).await?;
    tx.notify(Change::Account(account.id));
    tx.commit(command.account_id).await?;
    Ok(account)
}

/// A new account and what it belongs to.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAccount {
    pub email: Email,
    pub password: NewPassword,
    pub display_name: Name,
    pub role: Role,
    pub agency_id: Option<AgencyKey>,
    pub enterprise_id: Option<EnterpriseKey>,
}

crate::command!(CreateAccount, "createAccount", Admins);

/// ADMIN only. The e-mail must be free; an official belongs to an agency, a firm
/// account to an enterprise.
#[tracing::instrument(skip_all, fields(role = command.role.as_str()))]
pub async fn create_account(
    app: &AppState,
    session: &Session,
    command: CreateAccount,
) -> Result<account::Model, MutationError> {
    let belongs = |field: &str, message: Message| -> MutationError {
        UserError::at(field, UserErrorCode::Invalid, message).into()
    };
    match command.role {
        Role::Official if command.agency_id.is_none() => {
            return Err(belongs(
                "agencyId",
                crate::msg!(
                    "cán bộ phải thuộc một cơ quan",
                    "an official belongs to an agency"
                ),
            ));
        }
        Role::Firm if command.enterprise_id.is_none() => {
            return Err(belongs(
                "enterpriseId",
                crate::msg!(
                    "tài khoản doanh nghiệp (FIRM) phải thuộc một doanh nghiệp",
                    "a firm account belongs to an enterprise"
                ),
            ));
        }
        Role::Official | Role::Admin if command.enterprise_id.is_some() => {
            return Err(belongs(
                "enterpriseId",
                crate::msg!(
                    "chỉ tài khoản doanh nghiệp (FIRM) mới thuộc một doanh nghiệp",
                    "only FIRM accounts belong to an enterprise"
                ),
            ));
        }
        Role::Firm if command.agency_id.is_some() => {
            return Err(belongs(
                "agencyId",
                crate::msg!(
                    "tài khoản doanh nghiệp (FIRM) không thuộc cơ quan nào",
                    "FIRM accounts belong to no agency"
                ),
            ));
        }
        _ => {}
    }
    let new_account = NewAccount::prepare(
        &command.email,
        &command.password,
        &command.display_name,
        command.role,
    )
    .await?
    .with_agency(command.agency_id.map(Key::get))
    .with_enterprise(command.enterprise_id.map(Key::get));
    let tx = MutationTx::begin(app, session, &command).await?;
    if let Some(agency_id) = command.agency_id
        && agency::Entity::find_by_id(agency_id.get())
            .one(&*tx)
            .await?
            .is_none()
    {
        return Err(UserError::at(
            "agencyId",
            UserErrorCode::NotFound,
            crate::msg!("không tìm thấy cơ quan", "no such agency"),
        )
        .into());
    }
    if let Some(enterprise_id) = command.enterprise_id
        && enterprise::Entity::find_by_id(enterprise_id.get())
            .one(&*tx)
            .await?
            .is_none()
    {
        return Err(UserError::at(
            "enterpriseId",
            UserErrorCode::NotFound,
            crate::msg!("không tìm thấy doanh nghiệp", "no such enterprise"),
        )
        .into());
    }
    let account = new_account.insert(&*tx).await?;
    tx.commit(AccountKey::new(account.id)).await?;
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
        email: &Email,
        password: &NewPassword,
        display_name: &Name,
        role: Role,
    ) -> Result<NewAccount, MutationError> {
        Ok(NewAccount {
            email: email.as_str().to_owned(),
            password_hash: password::hash(password).await?,
            display_name: display_name.as_str().to_owned(),
            role,
            enterprise_id: None,
            agency_id: None,
        })
    }

    /// Links an official (or an admin) to an agency.
    pub fn with_agency(mut self, agency_id: Option<i64>) -> Self {
        self.agency_id = agency_id;
        self
    }

    /// Links a FIRM account to its enterprise.
    pub fn with_enterprise(mut self, enterprise_id: Option<i64>) -> Self {
        self.enterprise_id = enterprise_id;
        self
    }

    /// Inserts inside the caller's transaction; a taken e-mail is `TAKEN`.
    pub async fn insert(self, db: &impl ConnectionTrait) -> Result<account::Model, MutationError> {
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
        .map_err(on_constraint(
            "accounts_email_key",
            UserError::at(
                "email",
                UserErrorCode::Taken,
                crate::msg!(
                    "đã có tài khoản dùng e-mail này",
                    "an account with this e-mail already exists"
                ),
            ),
        ))
    }
}

/// The `create-admin` command: no viewer, so the audit event is attributed to the
/// account it creates.
pub async fn create_admin(
    app: &AppState,
    email: &str,
    display_name: &str,
    password: &str,
) -> Result<account::Model, MutationError> {
    let command = CreateAccount {
        email: Email::parse("email", email)?,
        password: NewPassword::parse("password", password)?,
        display_name: Name::parse("displayName", display_name)?,
        role: Role::Admin,
        agency_id: None,
        enterprise_id: None,
    };
    let new_account = NewAccount::prepare(
        &command.email,
        &command.password,
        &command.display_name,
        Role::Admin,
    )
    .await?;
    let mut tx = MutationTx::open(&app.db, "createAdmin", None, None, &command).await?;
    let account = new_account.insert(&*tx).await?;
    tx.attribute_to(actor_of(&account));
    tx.commit(AccountKey::new(account.id)).await?;
    Ok(account)
}
