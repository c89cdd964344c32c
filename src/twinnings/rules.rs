//! Creating and ending twinnings: officials and admins.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::ExprTrait,
};
use serde::Serialize;

use super::entity::{self as twinning, TwinningKind};
use crate::{
    agencies::entity as agency,
    app::AppState,
    audit::MutationTx,
    auth::{Session, rules::session_actor},
    communes::entity as commune,
    enterprises::entity as enterprise,
    graphql::{
        errors::{MutationError, UserError, UserErrorCode, is_unique_violation},
        ids::{self, NodeKind},
    },
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTwinning {
    pub commune_id: String,
    pub partner_id: String,
    pub started_on: NaiveDate,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndTwinning {
    pub twinning_id: String,
    pub ended_on: NaiveDate,
}

/// An enterprise or an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerKey {
    Enterprise(i64),
    Agency(i64),
}

impl PartnerKey {
    /// Decodes a partner's global ID; any other kind is INVALID on `field`.
    pub fn parse(field: &str, id: &str) -> Result<PartnerKey, UserError> {
        match ids::decode(id) {
            Some((NodeKind::Enterprise, key)) => Ok(PartnerKey::Enterprise(key)),
            Some((NodeKind::Agency, key)) => Ok(PartnerKey::Agency(key)),
            _ => Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                "not an Enterprise or Agency ID",
            )),
        }
    }
}

fn taken() -> MutationError {
    UserError::at(
        "partnerId",
        UserErrorCode::Taken,
        "this partner already has an active twinning with this commune",
    )
    .into()
}

pub async fn create(
    app: &AppState,
    session: &Session,
    input: CreateTwinning,
) -> Result<twinning::Model, MutationError> {
    session.viewer.require_official()?;
    let commune_key = ids::key_for_input(
        &input.commune_id.clone().into(),
        NodeKind::Commune,
        "communeId",
    )?;
    let partner = PartnerKey::parse("partnerId", &input.partner_id)?;

    let tx = MutationTx::begin(
        &app.db,
        "createTwinning",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    if commune::Entity::find_by_id(commune_key)
        .one(&*tx)
        .await?
        .is_none()
    {
        return Err(UserError::at("communeId", UserErrorCode::NotFound, "no such commune").into());
    }
    let (kind, partner_filter) = match partner {
        PartnerKey::Enterprise(key) => {
            if enterprise::Entity::find_by_id(key)
                .one(&*tx)
                .await?
                .is_none()
            {
                return Err(UserError::at(
                    "partnerId",
                    UserErrorCode::NotFound,
                    "no such enterprise",
                )
                .into());
            }
            (
                TwinningKind::Twinned,
                twinning::Column::EnterpriseId.eq(key),
            )
        }
        PartnerKey::Agency(key) => {
            if agency::Entity::find_by_id(key).one(&*tx).await?.is_none() {
                return Err(
                    UserError::at("partnerId", UserErrorCode::NotFound, "no such agency").into(),
                );
            }
            (TwinningKind::InCharge, twinning::Column::AgencyId.eq(key))
        }
    };
    // One active twinning per pair: no open one, and none whose period reaches the new start.
    let overlapping = twinning::Entity::find()
        .filter(twinning::Column::CommuneId.eq(commune_key))
        .filter(partner_filter)
        .filter(
            twinning::Column::EndedOn
                .is_null()
                .or(twinning::Column::EndedOn.gte(input.started_on)),
        )
        .one(&*tx)
        .await?;
    if overlapping.is_some() {
        return Err(taken());
    }
    let created = twinning::ActiveModel {
        commune_id: Set(commune_key),
        enterprise_id: Set(match partner {
            PartnerKey::Enterprise(key) => Some(key),
            PartnerKey::Agency(_) => None,
        }),
        agency_id: Set(match partner {
            PartnerKey::Agency(key) => Some(key),
            PartnerKey::Enterprise(_) => None,
        }),
        kind: Set(kind),
        started_on: Set(input.started_on),
        ended_on: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&*tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            taken()
        } else {
            e.into()
        }
    })?;
    tx.commit(Some(&ids::encode(NodeKind::Twinning, created.id)))
        .await?;
    Ok(created)
}

pub async fn end(
    app: &AppState,
    session: &Session,
    input: EndTwinning,
) -> Result<twinning::Model, MutationError> {
    session.viewer.require_official()?;
    let key = ids::key_for_input(
        &input.twinning_id.clone().into(),
        NodeKind::Twinning,
        "twinningId",
    )?;
    let tx = MutationTx::begin(
        &app.db,
        "endTwinning",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let current = twinning::Entity::find_by_id(key)
        .one(&*tx)
        .await?
        .ok_or_else(|| UserError::at("twinningId", UserErrorCode::NotFound, "no such twinning"))?;
    if current.ended_on.is_some() {
        return Err(UserError::at(
            "twinningId",
            UserErrorCode::InvalidTransition,
            "this twinning has already ended",
        )
        .into());
    }
    if input.ended_on < current.started_on {
        return Err(UserError::at(
            "endedOn",
            UserErrorCode::Invalid,
            "cannot be before the twinning started",
        )
        .into());
    }
    let mut active: twinning::ActiveModel = current.into();
    active.ended_on = Set(Some(input.ended_on));
    let ended = active.update(&*tx).await?;
    tx.commit(Some(&ids::encode(NodeKind::Twinning, ended.id)))
        .await?;
    Ok(ended)
}
