//! Agencies are created by admins.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde::Serialize;

use super::entity::{self as agency, AgencyKind};
use crate::{
    app::AppState,
    audit::MutationTx,
    auth::Session,
    error::{MutationError, UserError, UserErrorCode, on_constraint},
    keys::{AgencyKey, Key},
    text::{self, Name},
};

/// An agency code: 1–64 letters, digits, `-` or `_`, stored in upper case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AgencyCode(String);

impl AgencyCode {
    pub fn parse(field: &str, raw: &str) -> Result<AgencyCode, UserError> {
        let code = raw.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if code.is_empty() || code.len() > 64 || !code.chars().all(allowed) {
            return Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!(
                    "dùng từ 1 đến 64 chữ cái, chữ số, dấu - hoặc _",
                    "use 1 to 64 letters, digits, - or _"
                ),
            ));
        }
        Ok(AgencyCode(code.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAgency {
    pub code: AgencyCode,
    pub name: Name,
    pub kind: AgencyKind,
}

crate::command!(CreateAgency, "createAgency", Admins);

#[tracing::instrument(skip_all, fields(code = command.code.as_str()))]
pub async fn create(
    app: &AppState,
    session: &Session,
    command: CreateAgency,
) -> Result<agency::Model, MutationError> {
    let tx = MutationTx::begin(app, session, &command).await?;
    let now = Utc::now();
    let created = agency::ActiveModel {
        code: Set(command.code.0),
        search_text: Set(text::fold(&command.name)),
        name: Set(command.name.into_inner()),
        kind: Set(command.kind),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await
    .map_err(on_constraint(
        "agencies_code_key",
        UserError::at(
            "code",
            UserErrorCode::Taken,
            crate::msg!(
                "đã có cơ quan mang mã này",
                "an agency with this code already exists"
            ),
        ),
    ))?;
    tx.commit(AgencyKey::new(created.id)).await?;
    Ok(created)
}
