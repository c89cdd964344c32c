//! Pledging, confirming, disbursing and cancelling. Each state change is one
//! conditional UPDATE (`... WHERE status = ... AND disbursed_amount + x <=
//! pledged_amount`), so simultaneous requests can never over-disburse or cancel a
//! contribution that just received money, on either engine; the table's CHECK
//! constraints stand behind it.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveEnum, ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;

use super::{
    disbursement,
    entity::{self as contribution, ContributionKind, ContributionStatus},
};
use crate::{
    agencies::entity as agency,
    app::AppState,
    audit::MutationTx,
    auth::{Role, Session, rules::session_actor},
    communes::entity as commune,
    enterprises::entity as enterprise,
    graphql::{
        errors::{ApiError, MutationError, UserError, UserErrorCode, is_unique_violation},
        ids::{self, NodeKind},
    },
    text::{self, TextKind},
    twinnings::rules::PartnerKey,
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pledge {
    pub commune_id: String,
    pub contributor_id: Option<String>,
    pub kind: ContributionKind,
    pub purpose: String,
    pub amount: i64,
    pub pledged_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub idempotency_key: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disburse {
    pub contribution_id: String,
    pub amount: i64,
    pub disbursed_on: NaiveDate,
    pub reference: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cancel {
    pub contribution_id: String,
    pub reason: String,
}

fn positive(field: &str, amount: i64) -> Result<i64, UserError> {
    if amount > 0 {
        Ok(amount)
    } else {
        Err(UserError::at(
            field,
            UserErrorCode::Invalid,
            "must be more than 0 đồng",
        ))
    }
}

fn parse_idempotency_key(raw: Option<&str>) -> Result<Option<String>, UserError> {
    let Some(key) = raw.map(str::trim) else {
        return Ok(None);
    };
    if key.is_empty() || key.len() > 128 || key.chars().any(char::is_control) {
        return Err(UserError::at(
            "idempotencyKey",
            UserErrorCode::Invalid,
            "use 1 to 128 printable characters",
        ));
    }
    Ok(Some(key.to_owned()))
}

async fn by_idempotency_key(
    db: &impl ConnectionTrait,
    account_id: i64,
    key: &str,
) -> Result<Option<contribution::Model>, MutationError> {
    Ok(contribution::Entity::find()
        .filter(contribution::Column::CreatedBy.eq(account_id))
        .filter(contribution::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// A verified firm pledges as its own enterprise; officials and admins record a
/// pledge on behalf of an enterprise or agency (`contributorId`). Retrying with the
/// same idempotency key from the same account returns the first contribution.
pub async fn pledge(
    app: &AppState,
    session: &Session,
    input: Pledge,
) -> Result<contribution::Model, MutationError> {
    let principal = session.viewer.require_signed_in()?;
    let contributor = match principal.role {
        Role::Firm => {
            let own = principal.enterprise_id.ok_or(ApiError::Forbidden)?;
            if let Some(given) = input.contributor_id.as_deref()
                && PartnerKey::parse("contributorId", given)? != PartnerKey::Enterprise(own)
            {
                return Err(ApiError::Forbidden.into());
            }
            PartnerKey::Enterprise(own)
        }
        Role::Official | Role::Admin => match input.contributor_id.as_deref() {
            Some(given) => PartnerKey::parse("contributorId", given)?,
            None => {
                return Err(UserError::at(
                    "contributorId",
                    UserErrorCode::Invalid,
                    "give the enterprise or agency that pledges",
                )
                .into());
            }
        },
    };
    let commune_key = ids::key_for_input(
        &input.commune_id.clone().into(),
        NodeKind::Commune,
        "communeId",
    )?;
    let amount = positive("amount", input.amount)?;
    let purpose = text::required("purpose", &input.purpose, TextKind::Note)?;
    let today = app.clock.today();
    let pledged_on = input.pledged_on.unwrap_or(today);
    if pledged_on > today {
        return Err(UserError::at(
            "pledgedOn",
            UserErrorCode::Invalid,
            "cannot be in the future",
        )
        .into());
    }
    if input.due_on.is_some_and(|due| due < pledged_on) {
        return Err(UserError::at(
            "dueOn",
            UserErrorCode::Invalid,
            "cannot be before pledgedOn",
        )
        .into());
    }
    let key = parse_idempotency_key(input.idempotency_key.as_deref())?;
    if let Some(key) = &key
        && let Some(first) = by_idempotency_key(&app.db.read, principal.account_id, key).await?
    {
        return Ok(first);
    }

    let tx = MutationTx::begin(
        &app.db,
        "pledgeContribution",
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
    match contributor {
        PartnerKey::Enterprise(key) => {
            let found = enterprise::Entity::find_by_id(key).one(&*tx).await?;
            match found {
                None => {
                    return Err(UserError::at(
                        "contributorId",
                        UserErrorCode::NotFound,
                        "no such enterprise",
                    )
                    .into());
                }
                Some(e) if !e.verified && principal.role == Role::Firm => {
                    return Err(ApiError::Forbidden.into());
                }
                Some(e) if !e.verified => {
                    return Err(UserError::at(
                        "contributorId",
                        UserErrorCode::Invalid,
                        "only verified enterprises pledge",
                    )
                    .into());
                }
                Some(_) => {}
            }
        }
        PartnerKey::Agency(key) => {
            if agency::Entity::find_by_id(key).one(&*tx).await?.is_none() {
                return Err(UserError::at(
                    "contributorId",
                    UserErrorCode::NotFound,
                    "no such agency",
                )
                .into());
            }
        }
    }
    let now = Utc::now();
    let inserted = contribution::ActiveModel {
        commune_id: Set(commune_key),
        enterprise_id: Set(match contributor {
            PartnerKey::Enterprise(key) => Some(key),
            PartnerKey::Agency(_) => None,
        }),
        agency_id: Set(match contributor {
            PartnerKey::Agency(key) => Some(key),
            PartnerKey::Enterprise(_) => None,
        }),
        kind: Set(input.kind),
        purpose: Set(purpose),
        pledged_amount: Set(amount),
        disbursed_amount: Set(0),
        status: Set(ContributionStatus::Pledged),
        pledged_on: Set(pledged_on),
        due_on: Set(input.due_on),
        confirmed_at: Set(None),
        cancelled_at: Set(None),
        cancellation_reason: Set(None),
        idempotency_key: Set(key.clone()),
        created_by: Set(principal.account_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await;
    match inserted {
        Ok(created) => {
            tx.commit(Some(&ids::encode(NodeKind::Contribution, created.id)))
                .await?;
            Ok(created)
        }
        // A concurrent retry with the same key won the race: answer with its row.
        Err(error) if is_unique_violation(&error) && key.is_some() => {
            drop(tx);
            let key = key.unwrap_or_default();
            by_idempotency_key(&app.db.write, principal.account_id, &key)
                .await?
                .ok_or_else(|| ApiError::internal(error).into())
        }
        Err(error) => Err(error.into()),
    }
}

async fn find(db: &impl ConnectionTrait, key: i64) -> Result<contribution::Model, MutationError> {
    contribution::Entity::find_by_id(key)
        .one(db)
        .await?
        .ok_or_else(|| {
            UserError::at(
                "contributionId",
                UserErrorCode::NotFound,
                "no such contribution",
            )
            .into()
        })
}

fn invalid_transition(current: ContributionStatus, wanted: &str) -> MutationError {
    let status = serde_json::to_value(current)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    UserError::at(
        "contributionId",
        UserErrorCode::InvalidTransition,
        format!("{wanted} (the contribution is {status})"),
    )
    .into()
}

/// PLEDGED → CONFIRMED (officials and admins).
pub async fn confirm(
    app: &AppState,
    session: &Session,
    contribution_id: String,
) -> Result<contribution::Model, MutationError> {
    session.viewer.require_official()?;
    let key = ids::key_for_input(
        &contribution_id.clone().into(),
        NodeKind::Contribution,
        "contributionId",
    )?;
    let input = serde_json::json!({ "contributionId": contribution_id });
    let tx = MutationTx::begin(
        &app.db,
        "confirmContribution",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let now = Utc::now();
    let changed = contribution::Entity::update_many()
        .col_expr(
            contribution::Column::Status,
            Expr::value(ContributionStatus::Confirmed.to_value()),
        )
        .col_expr(contribution::Column::ConfirmedAt, Expr::value(now))
        .col_expr(contribution::Column::UpdatedAt, Expr::value(now))
        .filter(contribution::Column::Id.eq(key))
        .filter(contribution::Column::Status.eq(ContributionStatus::Pledged))
        .exec(&*tx)
        .await?;
    let current = find(&*tx, key).await?;
    if changed.rows_affected == 0 {
        return Err(invalid_transition(
            current.status,
            "only a PLEDGED contribution can be confirmed",
        ));
    }
    tx.commit(Some(&ids::encode(NodeKind::Contribution, key)))
        .await?;
    Ok(current)
}

/// Records money or goods handed over, on a CONFIRMED contribution, never beyond
/// the pledge; reaching it makes the contribution FULFILLED.
pub async fn disburse(
    app: &AppState,
    session: &Session,
    input: Disburse,
) -> Result<(disbursement::Model, contribution::Model), MutationError> {
    let principal = session.viewer.require_official()?;
    let key = ids::key_for_input(
        &input.contribution_id.clone().into(),
        NodeKind::Contribution,
        "contributionId",
    )?;
    let amount = positive("amount", input.amount)?;
    let reference = text::required("reference", &input.reference, TextKind::Name)?;
    if input.disbursed_on > app.clock.today() {
        return Err(UserError::at(
            "disbursedOn",
            UserErrorCode::Invalid,
            "cannot be in the future",
        )
        .into());
    }
    let tx = MutationTx::begin(
        &app.db,
        "recordDisbursement",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let before = find(&*tx, key).await?;
    if input.disbursed_on < before.pledged_on {
        return Err(UserError::at(
            "disbursedOn",
            UserErrorCode::Invalid,
            "cannot be before the pledge",
        )
        .into());
    }
    let now = Utc::now();
    let disbursed = Expr::col(contribution::Column::DisbursedAmount).add(amount);
    let changed = contribution::Entity::update_many()
        .col_expr(contribution::Column::DisbursedAmount, disbursed.clone())
        .col_expr(
            contribution::Column::Status,
            Expr::case(
                disbursed
                    .clone()
                    .eq(Expr::col(contribution::Column::PledgedAmount)),
                Expr::value(ContributionStatus::Fulfilled.to_value()),
            )
            .finally(Expr::col(contribution::Column::Status))
            .into(),
        )
        .col_expr(contribution::Column::UpdatedAt, Expr::value(now))
        .filter(contribution::Column::Id.eq(key))
        .filter(contribution::Column::Status.eq(ContributionStatus::Confirmed))
        .filter(disbursed.lte(Expr::col(contribution::Column::PledgedAmount)))
        .exec(&*tx)
        .await?;
    if changed.rows_affected == 0 {
        let current = find(&*tx, key).await?;
        if current.status != ContributionStatus::Confirmed {
            return Err(invalid_transition(
                current.status,
                "disbursements are recorded on CONFIRMED contributions",
            ));
        }
        return Err(UserError::at(
            "amount",
            UserErrorCode::LimitExceeded,
            format!(
                "exceeds what is outstanding: {} đồng of {} pledged",
                current.outstanding(),
                current.pledged_amount
            ),
        )
        .into());
    }
    let recorded = disbursement::ActiveModel {
        contribution_id: Set(key),
        amount: Set(amount),
        disbursed_on: Set(input.disbursed_on),
        reference: Set(reference),
        recorded_by: Set(principal.account_id),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await?;
    let after = find(&*tx, key).await?;
    tx.commit(Some(&ids::encode(NodeKind::Disbursement, recorded.id)))
        .await?;
    Ok((recorded, after))
}

/// Withdraws a pledge while nothing is disbursed: officials and admins from PLEDGED
/// or CONFIRMED; the contributing firm only its own, while PLEDGED.
pub async fn cancel(
    app: &AppState,
    session: &Session,
    input: Cancel,
) -> Result<contribution::Model, MutationError> {
    let principal = session.viewer.require_signed_in()?;
    let key = ids::key_for_input(
        &input.contribution_id.clone().into(),
        NodeKind::Contribution,
        "contributionId",
    )?;
    let reason = text::required("reason", &input.reason, TextKind::Note)?;
    let tx = MutationTx::begin(
        &app.db,
        "cancelContribution",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let before = find(&*tx, key).await?;
    let allowed: &[ContributionStatus] = if principal.role == Role::Firm {
        if principal.enterprise_id.is_none() || before.enterprise_id != principal.enterprise_id {
            return Err(ApiError::Forbidden.into());
        }
        if before.status == ContributionStatus::Confirmed {
            // A confirmed pledge is the officials' to cancel.
            return Err(ApiError::Forbidden.into());
        }
        &[ContributionStatus::Pledged]
    } else {
        &[ContributionStatus::Pledged, ContributionStatus::Confirmed]
    };
    let now = Utc::now();
    let changed = contribution::Entity::update_many()
        .col_expr(
            contribution::Column::Status,
            Expr::value(ContributionStatus::Cancelled.to_value()),
        )
        .col_expr(contribution::Column::CancelledAt, Expr::value(now))
        .col_expr(
            contribution::Column::CancellationReason,
            Expr::value(reason),
        )
        .col_expr(contribution::Column::UpdatedAt, Expr::value(now))
        .filter(contribution::Column::Id.eq(key))
        .filter(contribution::Column::Status.is_in(allowed.iter().copied()))
        .filter(contribution::Column::DisbursedAmount.eq(0))
        .exec(&*tx)
        .await?;
    let after = find(&*tx, key).await?;
    if changed.rows_affected == 0 {
        return Err(invalid_transition(
            after.status,
            "only a PLEDGED or CONFIRMED contribution with nothing disbursed can be cancelled",
        ));
    }
    tx.commit(Some(&ids::encode(NodeKind::Contribution, key)))
        .await?;
    Ok(after)
}
