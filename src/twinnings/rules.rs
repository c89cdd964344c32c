//! Creating and ending twinnings: officials and admins.

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::entity::{self as twinning, TwinningKind};
use crate::{
    agencies::entity as agency,
    app::AppState,
    audit::MutationTx,
    auth::Session,
    communes::entity as commune,
    enterprises::entity as enterprise,
    error::{MutationError, UserError, UserErrorCode, on_constraint},
    keys::{CommuneKey, Key, PartnerKey, TwinningKey},
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTwinning {
    pub commune_id: CommuneKey,
    pub partner_id: PartnerKey,
    pub started_on: NaiveDate,
}

crate::command!(CreateTwinning, "createTwinning", Officials);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndTwinning {
    pub twinning_id: TwinningKey,
    pub ended_on: NaiveDate,
}

crate::command!(EndTwinning, "endTwinning", Officials);

fn taken() -> UserError {
    UserError::at(
        "partnerId",
        UserErrorCode::Taken,
        crate::msg!(
            "đơn vị này đang kết nghĩa với xã này",
            "this partner already has an active twinning with this commune"
        ),
    )
}

#[tracing::instrument(skip_all, fields(commune = command.commune_id.get(), partner = %crate::keys::Reference::from(command.partner_id)))]
pub async fn create(
    app: &AppState,
    session: &Session,
    command: CreateTwinning,
) -> Result<twinning::Model, MutationError> {
    let commune_key = command.commune_id.get();
    let tx = MutationTx::begin(app, session, &command).await?;
    if commune::Entity::find_by_id(commune_key)
        .one(&*tx)
        .await?
        .is_none()
    {
        return Err(UserError::at(
            "communeId",
            UserErrorCode::NotFound,
            crate::msg!("không tìm thấy xã", "no such commune"),
        )
        .into());
    }
    let (kind, partner_filter, open_key) = match command.partner_id {
        PartnerKey::Enterprise(key) => {
            if enterprise::Entity::find_by_id(key.get())
                .one(&*tx)
                .await?
                .is_none()
            {
                return Err(UserError::at(
                    "partnerId",
                    UserErrorCode::NotFound,
                    crate::msg!("không tìm thấy doanh nghiệp", "no such enterprise"),
                )
                .into());
            }
            (
                TwinningKind::Twinned,
                twinning::Column::EnterpriseId.eq(key.get()),
                "twinnings_open_enterprise_key",
            )
        }
        PartnerKey::Agency(key) => {
            if agency::Entity::find_by_id(key.get())
                .one(&*tx)
                .await?
                .is_none()
            {
                return Err(UserError::at(
                    "partnerId",
                    UserErrorCode::NotFound,
                    crate::msg!("không tìm thấy cơ quan", "no such agency"),
                )
                .into());
            }
            (
                TwinningKind::InCharge,
                twinning::Column::AgencyId.eq(key.get()),
                "twinnings_open_agency_key",
            )
        }
    };
    // An open twinning of the pair is refused by the open-pair index below; an
    // ended one may not reach into the new period either, which no index can say.
    let overlapping = twinning::Entity::find()
        .filter(twinning::Column::CommuneId.eq(commune_key))
        .filter(partner_filter)
        .filter(twinning::Column::EndedOn.gte(command.started_on))
        .one(&*tx)
        .await?;
    if overlapping.is_some() {
        return Err(taken().into());
    }
    let created = twinning::ActiveModel {
        commune_id: Set(commune_key),
        enterprise_id: Set(command.partner_id.enterprise()),
        agency_id: Set(command.partner_id.agency()),
        kind: Set(kind),
        started_on: Set(command.started_on),
        ended_on: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&*tx)
    .await
    .map_err(on_constraint(open_key, taken()))?;
    tx.commit(TwinningKey::new(created.id)).await?;
    Ok(created)
}

#[tracing::instrument(skip_all, fields(twinning = command.twinning_id.get()))]
pub async fn end(
    app: &AppState,
    session: &Session,
    command: EndTwinning,
) -> Result<twinning::Model, MutationError> {
    let tx = MutationTx::begin(app, session, &command).await?;
    let current = twinning::Entity::find_by_id(command.twinning_id.get())
        .one(&*tx)
        .await?
        .ok_or_else(|| {
            UserError::at(
                "twinningId",
                UserErrorCode::NotFound,
                crate::msg!("không tìm thấy quan hệ kết nghĩa", "no such twinning"),
            )
        })?;
    if current.ended_on.is_some() {
        return Err(UserError::at(
            "twinningId",
            UserErrorCode::InvalidTransition,
            crate::msg!(
                "quan hệ kết nghĩa này đã kết thúc",
                "this twinning has already ended"
            ),
        )
        .into());
    }
    if command.ended_on < current.started_on {
        return Err(UserError::at(
            "endedOn",
            UserErrorCode::Invalid,
            crate::msg!(
                "không được trước ngày bắt đầu kết nghĩa",
                "cannot be before the twinning started"
            ),
        )
        .into());
    }
    let mut active: twinning::ActiveModel = current.into();
    active.ended_on = Set(Some(command.ended_on));
    let ended = active.update(&*tx).await?;
    tx.commit(TwinningKey::new(ended.id)).await?;
    Ok(ended)
}
