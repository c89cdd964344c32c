//! Registering, verifying and updating enterprises.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde::Serialize;

use super::{entity as enterprise, tax_code::TaxCode};
use crate::{
    app::AppState,
    audit::MutationTx,
    auth::{
        Role, Session, Viewer,
        password::NewPassword,
        rules::{NewAccount, actor_of, issue},
        token::Issued,
    },
    error::{ApiError, MutationError, UserError, UserErrorCode, on_constraint},
    keys::{EnterpriseKey, Key},
    patch::Patch,
    text::{self, Email, Name, Note},
};

/// A phone number: digits with optional `+`, spaces, dots, dashes and brackets;
/// 8 to 15 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// An optional phone number: absent or blank is `None`.
    pub fn parse_optional(field: &str, raw: Option<&str>) -> Result<Option<Phone>, UserError> {
        let Some(phone) = Name::parse_optional(field, raw)? else {
            return Ok(None);
        };
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = |c: char| c.is_ascii_digit() || " +-.()".contains(c);
        if !(8..=15).contains(&digits) || !phone.chars().all(allowed) || phone.len() > 32 {
            return Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!("không phải số điện thoại", "is not a phone number"),
            ));
        }
        Ok(Some(Phone(phone.into_inner())))
    }
}

/// Who sees an enterprise's contact details (`contactEmail`, `contactPhone`): its
/// own accounts and officials. The API and the exports both ask this.
pub fn sees_private_fields(viewer: &Viewer, enterprise_id: i64) -> bool {
    viewer.is_official()
        || viewer
            .principal
            .as_ref()
            .is_some_and(|p| p.enterprise_id == Some(enterprise_id))
}

/// An enterprise's contact e-mail: absent or blank is `None`.
pub fn parse_contact_email(raw: Option<&str>) -> Result<Option<Email>, UserError> {
    match raw.map(str::trim).filter(|e| !e.is_empty()) {
        None => Ok(None),
        Some(email) => Email::parse("contactEmail", email).map(Some),
    }
}

/// A tax code from input, or INVALID on `taxCode`.
pub fn parse_tax_code(raw: &str) -> Result<TaxCode, UserError> {
    TaxCode::parse(raw).map_err(|e| UserError::at("taxCode", UserErrorCode::Invalid, e.message()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterEnterprise {
    pub tax_code: TaxCode,
    pub name: Name,
    pub sector: Option<Name>,
    pub address: Option<Note>,
    pub contact_email: Option<Email>,
    pub contact_phone: Option<Phone>,
    pub email: Email,
    pub password: NewPassword,
    pub display_name: Name,
}

crate::command!(RegisterEnterprise, "registerEnterprise", Anyone);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyEnterprise {
    pub enterprise_id: EnterpriseKey,
}

crate::command!(VerifyEnterprise, "verifyEnterprise", Officials);

/// Changes to an enterprise; `None` and [`Patch::Keep`] leave a field as it is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateEnterprise {
    pub enterprise_id: EnterpriseKey,
    pub name: Option<Name>,
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub sector: Patch<Name>,
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub address: Patch<Note>,
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub contact_email: Patch<Email>,
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub contact_phone: Patch<Phone>,
}

crate::command!(UpdateEnterprise, "updateEnterprise", SignedIn);

/// Anyone: creates an unverified enterprise and its first FIRM account, signed in.
/// Registrations are limited per client address: while registering signs in at
/// once, a TAKEN e-mail tells that an account exists, and the limit bounds how
/// many addresses one client can try.
#[tracing::instrument(skip_all, fields(tax_code = %command.tax_code))]
pub async fn register(
    app: &AppState,
    session: &Session,
    command: RegisterEnterprise,
) -> Result<(enterprise::Model, Issued), MutationError> {
    if let Some(address) = session.client_addr {
        app.registrations_by_address
            .attempt(&crate::auth::throttle::client_network(address).to_string())
            .map_err(|_| ApiError::RateLimited)?;
    }
    // Hash before the write transaction opens.
    let new_account = NewAccount::prepare(
        &command.email,
        &command.password,
        &command.display_name,
        Role::Firm,
    )
    .await?;
    let mut tx = MutationTx::begin(app, session, &command).await?;
    let now = Utc::now();
    let created = enterprise::ActiveModel {
        tax_code: Set(command.tax_code.to_string()),
        search_text: Set(text::fold(&command.name)),
        name: Set(command.name.into_inner()),
        sector: Set(command.sector.map(Name::into_inner)),
        address: Set(command.address.map(Note::into_inner)),
        contact_email: Set(command.contact_email.map(Email::into_inner)),
        contact_phone: Set(command.contact_phone.map(|phone| phone.0)),
        verified: Set(false),
        verified_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await
    .map_err(on_constraint(
        "enterprises_tax_code_key",
        UserError::at(
            "taxCode",
            UserErrorCode::Taken,
            crate::msg!(
                "doanh nghiệp mang mã số thuế này đã đăng ký",
                "an enterprise with this tax code is already registered"
            ),
        ),
    ))?;
    let account = new_account
        .with_enterprise(Some(created.id))
        .insert(&*tx)
        .await?;
    let issued = issue(app, &account)?;
    tx.attribute_to(actor_of(&account));
    tx.commit(EnterpriseKey::new(created.id)).await?;
    Ok((created, issued))
}

/// Officials and admins: marks an enterprise verified (once; again is a no-op).
#[tracing::instrument(skip_all, fields(enterprise = command.enterprise_id.get()))]
pub async fn verify(
    app: &AppState,
    session: &Session,
    command: VerifyEnterprise,
) -> Result<enterprise::Model, MutationError> {
    let tx = MutationTx::begin(app, session, &command).await?;
    let current = find(&tx, command.enterprise_id).await?;
    let verified = if current.verified {
        current
    } else {
        let now = Utc::now();
        let mut active: enterprise::ActiveModel = current.into();
        active.verified = Set(true);
        active.verified_at = Set(Some(now));
        active.updated_at = Set(now);
        active.update(&*tx).await?
    };
    tx.commit(EnterpriseKey::new(verified.id)).await?;
    Ok(verified)
}

async fn find(tx: &MutationTx, key: EnterpriseKey) -> Result<enterprise::Model, MutationError> {
    enterprise::Entity::find_by_id(key.get())
        .one(&**tx)
        .await?
        .ok_or_else(|| {
            UserError::at(
                "enterpriseId",
                UserErrorCode::NotFound,
                crate::msg!("không tìm thấy doanh nghiệp", "no such enterprise"),
            )
            .into()
        })
}

/// The enterprise's own accounts, officials and admins.
#[tracing::instrument(skip_all, fields(enterprise = command.enterprise_id.get()))]
pub async fn update(
    app: &AppState,
    session: &Session,
    command: UpdateEnterprise,
) -> Result<enterprise::Model, MutationError> {
    let principal = session.viewer.require_signed_in()?;
    let own = principal.role == Role::Firm
        && principal.enterprise_id == Some(command.enterprise_id.get());
    if !(own || session.viewer.is_official()) {
        return Err(ApiError::Forbidden.into());
    }
    let tx = MutationTx::begin(app, session, &command).await?;
    let mut active: enterprise::ActiveModel = find(&tx, command.enterprise_id).await?.into();
    if let Some(name) = command.name {
        active.search_text = Set(text::fold(&name));
        active.name = Set(name.into_inner());
    }
    if let Some(sector) = command.sector.change() {
        active.sector = Set(sector.map(Name::into_inner));
    }
    if let Some(address) = command.address.change() {
        active.address = Set(address.map(Note::into_inner));
    }
    if let Some(email) = command.contact_email.change() {
        active.contact_email = Set(email.map(Email::into_inner));
    }
    if let Some(phone) = command.contact_phone.change() {
        active.contact_phone = Set(phone.map(|phone| phone.0));
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(&*tx).await?;
    tx.commit(EnterpriseKey::new(updated.id)).await?;
    Ok(updated)
}
