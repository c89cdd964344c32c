//! Keeping the commune registry: officials and admins only.

use chrono::{Datelike, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde::Serialize;

use super::entity::{self as commune, AdministrativeUnitType, NewRuralLevel};
use crate::{
    app::AppState,
    audit::MutationTx,
    auth::Session,
    error::{MutationError, UserError, UserErrorCode, on_constraint},
    keys::{CommuneKey, Key},
    patch::Patch,
    text::{self, Name},
};

/// The first year the national new-rural-area programme recognised communes.
const FIRST_NEW_RURAL_YEAR: i32 = 2010;

/// An official administrative-unit code: 1–16 ASCII letters or digits, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CommuneCode(String);

impl CommuneCode {
    pub fn parse(field: &str, raw: &str) -> Result<CommuneCode, UserError> {
        let code = raw.trim();
        if code.is_empty() || code.len() > 16 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!(
                    "dùng từ 1 đến 16 chữ cái hoặc chữ số",
                    "use 1 to 16 letters or digits"
                ),
            ));
        }
        Ok(CommuneCode(code.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCommune {
    pub code: CommuneCode,
    pub name: Name,
    pub unit_type: AdministrativeUnitType,
    pub district: Option<Name>,
    pub special: bool,
    pub new_rural_level: NewRuralLevel,
    pub new_rural_year: Option<i32>,
}

crate::command!(CreateCommune, "createCommune", Officials);

/// Changes to a commune; `None` and [`Patch::Keep`] leave a field as it is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCommune {
    pub commune_id: CommuneKey,
    pub name: Option<Name>,
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub district: Patch<Name>,
    pub special: Option<bool>,
    pub new_rural_level: Option<NewRuralLevel>,
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub new_rural_year: Patch<i32>,
}

crate::command!(UpdateCommune, "updateCommune", Officials);

fn check_level(app: &AppState, level: NewRuralLevel, year: Option<i32>) -> Result<(), UserError> {
    match year {
        Some(_) if level == NewRuralLevel::NotYet => Err(UserError::at(
            "newRuralYear",
            UserErrorCode::Invalid,
            crate::msg!(
                "xã chưa được công nhận thì không có năm công nhận",
                "a commune not yet recognised has no recognition year"
            ),
        )),
        Some(year) if !(FIRST_NEW_RURAL_YEAR..=app.clock.today().year()).contains(&year) => {
            Err(UserError::at(
                "newRuralYear",
                UserErrorCode::Invalid,
                crate::msg!(
                    "phải từ năm {FIRST_NEW_RURAL_YEAR} đến năm nay",
                    "must be between {FIRST_NEW_RURAL_YEAR} and this year"
                ),
            ))
        }
        _ => Ok(()),
    }
}

fn code_taken() -> UserError {
    UserError::at(
        "code",
        UserErrorCode::Taken,
        crate::msg!(
            "đã có xã mang mã này",
            "a commune with this code already exists"
        ),
    )
}

#[tracing::instrument(skip_all, fields(code = command.code.as_str()))]
pub async fn create(
    app: &AppState,
    session: &Session,
    command: CreateCommune,
) -> Result<commune::Model, MutationError> {
    check_level(app, command.new_rural_level, command.new_rural_year)?;
    let tx = MutationTx::begin(app, session, &command).await?;
    let now = Utc::now();
    let created = commune::ActiveModel {
        code: Set(command.code.0),
        search_text: Set(text::fold(&command.name)),
        name: Set(command.name.into_inner()),
        unit_type: Set(command.unit_type),
        district: Set(command.district.map(Name::into_inner)),
        special: Set(command.special),
        new_rural_level: Set(command.new_rural_level),
        new_rural_year: Set(command.new_rural_year),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await
    .map_err(on_constraint("communes_code_key", code_taken()))?;
    tx.commit(CommuneKey::new(created.id)).await?;
    Ok(created)
}

#[tracing::instrument(skip_all, fields(commune = command.commune_id.get()))]
pub async fn update(
    app: &AppState,
    session: &Session,
    command: UpdateCommune,
) -> Result<commune::Model, MutationError> {
    let tx = MutationTx::begin(app, session, &command).await?;
    let current = commune::Entity::find_by_id(command.commune_id.get())
        .one(&*tx)
        .await?
        .ok_or_else(|| {
            UserError::at(
                "communeId",
                UserErrorCode::NotFound,
                crate::msg!("không tìm thấy xã", "no such commune"),
            )
        })?;
    let level = command.new_rural_level.unwrap_or(current.new_rural_level);
    let year = match command.new_rural_year {
        // Falling back to NOT_YET clears the year unless one is given.
        Patch::Keep if level == NewRuralLevel::NotYet => None,
        patch => patch.apply(current.new_rural_year),
    };
    check_level(app, level, year)?;
    let mut active: commune::ActiveModel = current.into();
    if let Some(name) = command.name {
        active.search_text = Set(text::fold(&name));
        active.name = Set(name.into_inner());
    }
    if let Some(district) = command.district.change() {
        active.district = Set(district.map(Name::into_inner));
    }
    if let Some(special) = command.special {
        active.special = Set(special);
    }
    active.new_rural_level = Set(level);
    active.new_rural_year = Set(year);
    active.updated_at = Set(Utc::now());
    let updated = active.update(&*tx).await?;
    tx.commit(CommuneKey::new(updated.id)).await?;
    Ok(updated)
}
