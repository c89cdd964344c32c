//! Agencies are created by admins.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::entity::{self as agency, AgencyKind};
use crate::{
    app::AppState,
    audit::MutationTx,
    auth::{Role, Session, rules::session_actor},
    graphql::{
        errors::{MutationError, UserError, UserErrorCode, is_unique_violation},
        ids::{self, NodeKind},
    },
    text::{self, TextKind},
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAgency {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
}

/// An agency code: 1–64 letters, digits, `-` or `_`, stored in upper case.
fn parse_code(raw: &str) -> Result<String, UserError> {
    let code = raw.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if code.is_empty() || code.len() > 64 || !code.chars().all(allowed) {
        return Err(UserError::at(
            "code",
            UserErrorCode::Invalid,
            "use 1 to 64 letters, digits, - or _",
        ));
    }
    Ok(code.to_ascii_uppercase())
}

fn code_taken() -> MutationError {
    UserError::at(
        "code",
        UserErrorCode::Taken,
        "an agency with this code already exists",
    )
    .into()
}

pub async fn create(
    app: &AppState,
    session: &Session,
    input: CreateAgency,
) -> Result<agency::Model, MutationError> {
    session.viewer.require_role(&[Role::Admin])?;
    let code = parse_code(&input.code)?;
    let name = text::required("name", &input.name, TextKind::Name)?;
    let tx = MutationTx::begin(
        &app.db,
        "createAgency",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    if agency::Entity::find()
        .filter(agency::Column::Code.eq(code.as_str()))
        .one(&*tx)
        .await?
        .is_some()
    {
        return Err(code_taken());
    }
    let now = Utc::now();
    let created = agency::ActiveModel {
        code: Set(code),
        search_text: Set(text::fold(&name)),
        name: Set(name),
        kind: Set(input.kind),
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
    tx.commit(Some(&ids::encode(NodeKind::Agency, created.id)))
        .await?;
    Ok(created)
}
