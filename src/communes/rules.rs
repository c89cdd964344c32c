//! Keeping the commune registry: officials and admins only.

use async_graphql::MaybeUndefined;
use chrono::{Datelike, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::entity::{self as commune, AdministrativeUnitType, NewRuralLevel};
use crate::{
    app::AppState,
    audit::MutationTx,
    auth::{Session, rules::session_actor},
    graphql::{
        errors::{MutationError, UserError, UserErrorCode, is_unique_violation},
        ids::{self, NodeKind},
    },
    text::{self, TextKind},
};

/// The first year the national new-rural-area programme recognised communes.
const FIRST_NEW_RURAL_YEAR: i32 = 2010;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCommune {
    pub code: String,
    pub name: String,
    pub unit_type: AdministrativeUnitType,
    pub district: Option<String>,
    pub special: bool,
    pub new_rural_level: NewRuralLevel,
    pub new_rural_year: Option<i32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCommune {
    pub commune_id: String,
    pub name: Option<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub district: MaybeUndefined<String>,
    pub special: Option<bool>,
    pub new_rural_level: Option<NewRuralLevel>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub new_rural_year: MaybeUndefined<i32>,
}

/// An official administrative-unit code: 1–16 ASCII letters or digits.
pub fn parse_code(field: &str, raw: &str) -> Result<String, UserError> {
    let code = raw.trim();
    if code.is_empty() || code.len() > 16 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(UserError::at(
            field,
            UserErrorCode::Invalid,
            "use 1 to 16 letters or digits",
        ));
    }
    Ok(code.to_ascii_uppercase())
}

fn check_level(app: &AppState, level: NewRuralLevel, year: Option<i32>) -> Result<(), UserError> {
    match year {
        Some(_) if level == NewRuralLevel::NotYet => Err(UserError::at(
            "newRuralYear",
            UserErrorCode::Invalid,
            "a commune not yet recognised has no recognition year",
        )),
        Some(year) if !(FIRST_NEW_RURAL_YEAR..=app.clock.today().year()).contains(&year) => {
            Err(UserError::at(
                "newRuralYear",
                UserErrorCode::Invalid,
                format!("must be between {FIRST_NEW_RURAL_YEAR} and this year"),
            ))
        }
        _ => Ok(()),
    }
}

fn code_taken() -> MutationError {
    UserError::at(
        "code",
        UserErrorCode::Taken,
        "a commune with this code already exists",
    )
    .into()
}

pub async fn create(
    app: &AppState,
    session: &Session,
    input: CreateCommune,
) -> Result<commune::Model, MutationError> {
    session.viewer.require_official()?;
    let code = parse_code("code", &input.code)?;
    let name = text::required("name", &input.name, TextKind::Name)?;
    let district = text::optional("district", input.district.as_deref(), TextKind::Name)?;
    check_level(app, input.new_rural_level, input.new_rural_year)?;

    let tx = MutationTx::begin(
        &app.db,
        "createCommune",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let taken = commune::Entity::find()
        .filter(commune::Column::Code.eq(code.as_str()))
        .one(&*tx)
        .await?;
    if taken.is_some() {
        return Err(code_taken());
    }
    let now = Utc::now();
    let created = commune::ActiveModel {
        code: Set(code),
        search_text: Set(text::fold(&name)),
        name: Set(name),
        unit_type: Set(input.unit_type),
        district: Set(district),
        special: Set(input.special),
        new_rural_level: Set(input.new_rural_level),
        new_rural_year: Set(input.new_rural_year),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            code_taken()
        } else {
            e.into()
        }
    })?;
    tx.commit(Some(&ids::encode(NodeKind::Commune, created.id)))
        .await?;
    Ok(created)
}

pub async fn update(
    app: &AppState,
    session: &Session,
    input: UpdateCommune,
) -> Result<commune::Model, MutationError> {
    session.viewer.require_official()?;
    let key = ids::key_for_input(
        &input.commune_id.clone().into(),
        NodeKind::Commune,
        "communeId",
    )?;
    let name = input
        .name
        .as_deref()
        .map(|n| text::required("name", n, TextKind::Name))
        .transpose()?;
    let district = match &input.district {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(d) => Some(text::optional("district", Some(d), TextKind::Name)?),
    };

    let tx = MutationTx::begin(
        &app.db,
        "updateCommune",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let current = commune::Entity::find_by_id(key)
        .one(&*tx)
        .await?
        .ok_or_else(|| UserError::at("communeId", UserErrorCode::NotFound, "no such commune"))?;
    let level = input.new_rural_level.unwrap_or(current.new_rural_level);
    let year = match input.new_rural_year {
        MaybeUndefined::Value(year) => Some(year),
        MaybeUndefined::Null => None,
        // Falling back to NOT_YET clears the year unless one is given.
        MaybeUndefined::Undefined if level == NewRuralLevel::NotYet => None,
        MaybeUndefined::Undefined => current.new_rural_year,
    };
    check_level(app, level, year)?;
    let mut active: commune::ActiveModel = current.into();
    if let Some(name) = name {
        active.search_text = Set(text::fold(&name));
        active.name = Set(name);
    }
    if let Some(district) = district {
        active.district = Set(district);
    }
    if let Some(special) = input.special {
        active.special = Set(special);
    }
    active.new_rural_level = Set(level);
    active.new_rural_year = Set(year);
    active.updated_at = Set(Utc::now());
    let updated = active.update(&*tx).await?;
    tx.commit(Some(&ids::encode(NodeKind::Commune, updated.id)))
        .await?;
    Ok(updated)
}
