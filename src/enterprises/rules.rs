//! Registering, verifying and updating enterprises.

use async_graphql::MaybeUndefined;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::{entity as enterprise, tax_code::TaxCode};
use crate::{
    app::AppState,
    audit::MutationTx,
    auth::{
        Role, Session, entity as account,
        rules::{CreateAccountRequest, NewAccount, actor_of, issue, session_actor},
        token::Issued,
    },
    graphql::{
        errors::{ApiError, MutationError, UserError, UserErrorCode, is_unique_violation},
        ids::{self, NodeKind},
    },
    text::{self, Email, TextKind},
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterEnterprise {
    pub tax_code: String,
    pub name: String,
    pub sector: Option<String>,
    pub address: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub email: String,
    pub password: String,
    pub display_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateEnterprise {
    pub enterprise_id: String,
    pub name: Option<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub sector: MaybeUndefined<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub address: MaybeUndefined<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub contact_email: MaybeUndefined<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub contact_phone: MaybeUndefined<String>,
}

fn parse_tax_code(raw: &str) -> Result<TaxCode, UserError> {
    TaxCode::parse(raw).map_err(|e| UserError::at("taxCode", UserErrorCode::Invalid, e.to_string()))
}

/// A phone number: digits with optional `+`, spaces, dots, dashes and brackets;
/// 8 to 15 digits.
fn parse_phone(field: &str, raw: Option<&str>) -> Result<Option<String>, UserError> {
    let Some(phone) = text::optional(field, raw, TextKind::Name)? else {
        return Ok(None);
    };
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = |c: char| c.is_ascii_digit() || " +-.()".contains(c);
    if !(8..=15).contains(&digits) || !phone.chars().all(allowed) || phone.len() > 32 {
        return Err(UserError::at(
            field,
            UserErrorCode::Invalid,
            "is not a phone number",
        ));
    }
    Ok(Some(phone))
}

fn parse_contact_email(raw: Option<&str>) -> Result<Option<String>, UserError> {
    match raw.map(str::trim).filter(|e| !e.is_empty()) {
        None => Ok(None),
        Some(email) => Email::parse("contactEmail", email).map(|e| Some(e.into_inner())),
    }
}

fn tax_code_taken() -> MutationError {
    UserError::at(
        "taxCode",
        UserErrorCode::Taken,
        "an enterprise with this tax code is already registered",
    )
    .into()
}

/// Anyone: creates an unverified enterprise and its first FIRM account, signed in.
pub async fn register(
    app: &AppState,
    session: &Session,
    input: RegisterEnterprise,
) -> Result<(enterprise::Model, Issued), MutationError> {
    let tax_code = parse_tax_code(&input.tax_code)?;
    let name = text::required("name", &input.name, TextKind::Name)?;
    let sector = text::optional("sector", input.sector.as_deref(), TextKind::Name)?;
    let address = text::optional("address", input.address.as_deref(), TextKind::Note)?;
    let contact_email = parse_contact_email(input.contact_email.as_deref())?;
    let contact_phone = parse_phone("contactPhone", input.contact_phone.as_deref())?;
    let account_input = CreateAccountRequest {
        email: input.email.clone(),
        password: input.password.clone(),
        display_name: input.display_name.clone(),
        role: Role::Firm,
        agency_id: None,
        enterprise_id: None,
    };
    // Validate and hash before the write transaction opens.
    let mut new_account = NewAccount::prepare(&account_input, None, None).await?;

    let mut tx = MutationTx::begin(
        &app.db,
        "registerEnterprise",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let existing = enterprise::Entity::find()
        .filter(enterprise::Column::TaxCode.eq(tax_code.as_str()))
        .one(&*tx)
        .await?;
    if existing.is_some() {
        return Err(tax_code_taken());
    }
    let now = Utc::now();
    let created = enterprise::ActiveModel {
        tax_code: Set(tax_code.to_string()),
        search_text: Set(text::fold(&name)),
        name: Set(name),
        sector: Set(sector),
        address: Set(address),
        contact_email: Set(contact_email),
        contact_phone: Set(contact_phone),
        verified: Set(false),
        verified_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            tax_code_taken()
        } else {
            e.into()
        }
    })?;
    new_account.link_enterprise(created.id);
    let account: account::Model = new_account.insert(&*tx).await?;
    let issued = issue(app, &account)?;
    tx.attribute_to(actor_of(&account));
    tx.commit(Some(&ids::encode(NodeKind::Enterprise, created.id)))
        .await?;
    Ok((created, issued))
}

/// Officials and admins: marks an enterprise verified (once; again is a no-op).
pub async fn verify(
    app: &AppState,
    session: &Session,
    enterprise_id: String,
) -> Result<enterprise::Model, MutationError> {
    session.viewer.require_official()?;
    let key = ids::key_for_input(
        &enterprise_id.clone().into(),
        NodeKind::Enterprise,
        "enterpriseId",
    )?;
    let input = serde_json::json!({ "enterpriseId": enterprise_id });
    let tx = MutationTx::begin(
        &app.db,
        "verifyEnterprise",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let current = find(&tx, key).await?;
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
    tx.commit(Some(&ids::encode(NodeKind::Enterprise, verified.id)))
        .await?;
    Ok(verified)
}

async fn find(tx: &MutationTx, key: i64) -> Result<enterprise::Model, MutationError> {
    enterprise::Entity::find_by_id(key)
        .one(&**tx)
        .await?
        .ok_or_else(|| {
            UserError::at(
                "enterpriseId",
                UserErrorCode::NotFound,
                "no such enterprise",
            )
            .into()
        })
}

/// The enterprise's own accounts, officials and admins. Absent fields stay; null
/// clears an optional one.
pub async fn update(
    app: &AppState,
    session: &Session,
    input: UpdateEnterprise,
) -> Result<enterprise::Model, MutationError> {
    let principal = session.viewer.require_signed_in()?;
    let key = ids::key_for_input(
        &input.enterprise_id.clone().into(),
        NodeKind::Enterprise,
        "enterpriseId",
    )?;
    let own = principal.role == Role::Firm && principal.enterprise_id == Some(key);
    if !(own || session.viewer.is_official()) {
        return Err(ApiError::Forbidden.into());
    }
    let name = input
        .name
        .as_deref()
        .map(|n| text::required("name", n, TextKind::Name))
        .transpose()?;
    let optional = |field: &str,
                    value: &MaybeUndefined<String>,
                    kind: TextKind|
     -> Result<Option<Option<String>>, UserError> {
        match value {
            MaybeUndefined::Undefined => Ok(None),
            MaybeUndefined::Null => Ok(Some(None)),
            MaybeUndefined::Value(v) => text::optional(field, Some(v), kind).map(Some),
        }
    };
    let sector = optional("sector", &input.sector, TextKind::Name)?;
    let address = optional("address", &input.address, TextKind::Note)?;
    let contact_email = match &input.contact_email {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(parse_contact_email(Some(v))?),
    };
    let contact_phone = match &input.contact_phone {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(parse_phone("contactPhone", Some(v))?),
    };

    let tx = MutationTx::begin(
        &app.db,
        "updateEnterprise",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let mut active: enterprise::ActiveModel = find(&tx, key).await?.into();
    if let Some(name) = name {
        active.search_text = Set(text::fold(&name));
        active.name = Set(name);
    }
    if let Some(sector) = sector {
        active.sector = Set(sector);
    }
    if let Some(address) = address {
        active.address = Set(address);
    }
    if let Some(email) = contact_email {
        active.contact_email = Set(email);
    }
    if let Some(phone) = contact_phone {
        active.contact_phone = Set(phone);
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(&*tx).await?;
    tx.commit(Some(&ids::encode(NodeKind::Enterprise, updated.id)))
        .await?;
    Ok(updated)
}
