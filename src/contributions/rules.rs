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
    auth::{Role, Session},
    communes::entity as commune,
    enterprises::entity as enterprise,
    error::{ApiError, Message, MutationError, UserError, UserErrorCode, violates},
    keys::{CommuneKey, ContributionKey, DisbursementKey, EnterpriseKey, Key, PartnerKey},
    money::PositiveVnd,
    text::{self, Name, Note},
};

/// A client's key for retrying a pledge safely: 1 to 128 printable characters
/// (no control, invisible or direction-changing ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(field: &str, raw: &str) -> Result<IdempotencyKey, UserError> {
        let key = raw.trim();
        let printable = |c: char| !c.is_control() && !text::is_invisible(c);
        if key.is_empty() || key.len() > 128 || !key.chars().all(printable) {
            return Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!(
                    "dùng từ 1 đến 128 ký tự in được",
                    "use 1 to 128 printable characters"
                ),
            ));
        }
        Ok(IdempotencyKey(key.to_owned()))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pledge {
    pub commune_id: CommuneKey,
    pub contributor_id: Option<PartnerKey>,
    pub kind: ContributionKind,
    pub purpose: Note,
    pub amount: PositiveVnd,
    pub pledged_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub idempotency_key: Option<IdempotencyKey>,
}

crate::command!(Pledge, "pledgeContribution", SignedIn);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Confirm {
    pub contribution_id: ContributionKey,
}

crate::command!(Confirm, "confirmContribution", Officials);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disburse {
    pub contribution_id: ContributionKey,
    pub amount: PositiveVnd,
    pub disbursed_on: NaiveDate,
    pub reference: Name,
}

crate::command!(Disburse, "recordDisbursement", Officials);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cancel {
    pub contribution_id: ContributionKey,
    pub reason: Note,
}

crate::command!(Cancel, "cancelContribution", SignedIn);

async fn by_idempotency_key(
    db: &impl ConnectionTrait,
    account_id: i64,
    key: &IdempotencyKey,
) -> Result<Option<contribution::Model>, MutationError> {
    Ok(contribution::Entity::find()
        .filter(contribution::Column::CreatedBy.eq(account_id))
        .filter(contribution::Column::IdempotencyKey.eq(key.0.as_str()))
        .one(db)
        .await?)
}

/// A verified firm pledges as its own enterprise; officials and admins record a
/// pledge on behalf of an enterprise or agency (`contributorId`). Retrying with the
/// same idempotency key from the same account returns the first contribution.
#[tracing::instrument(skip_all, fields(commune = command.commune_id.get(), amount = command.amount.get()))]
pub async fn pledge(
    app: &AppState,
    session: &Session,
    command: Pledge,
) -> Result<contribution::Model, MutationError> {
    let principal = session.viewer.require_signed_in()?;
    let contributor = match principal.role {
        Role::Firm => {
            let own = PartnerKey::Enterprise(EnterpriseKey::new(
                principal.enterprise_id.ok_or(ApiError::Forbidden)?,
            ));
            if command.contributor_id.is_some_and(|given| given != own) {
                return Err(ApiError::Forbidden.into());
            }
            own
        }
        Role::Official | Role::Admin => command.contributor_id.ok_or_else(|| {
            UserError::at(
                "contributorId",
                UserErrorCode::Invalid,
                crate::msg!(
                    "hãy cho biết doanh nghiệp hoặc cơ quan cam kết",
                    "give the enterprise or agency that pledges"
                ),
            )
        })?,
    };
    let today = app.clock.today();
    let pledged_on = command.pledged_on.unwrap_or(today);
    if pledged_on > today {
        return Err(UserError::at(
            "pledgedOn",
            UserErrorCode::Invalid,
            crate::msg!("không được ở tương lai", "cannot be in the future"),
        )
        .into());
    }
    if command.due_on.is_some_and(|due| due < pledged_on) {
        return Err(UserError::at(
            "dueOn",
            UserErrorCode::Invalid,
            crate::msg!(
                "không được trước ngày cam kết (pledgedOn)",
                "cannot be before pledgedOn"
            ),
        )
        .into());
    }
    if let Some(key) = &command.idempotency_key
        && let Some(first) = by_idempotency_key(&app.db.read, principal.account_id, key).await?
    {
        return Ok(first);
    }

    let tx = MutationTx::begin(app, session, &command).await?;
    if commune::Entity::find_by_id(command.commune_id.get())
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
    match contributor {
        PartnerKey::Enterprise(key) => {
            let found = enterprise::Entity::find_by_id(key.get()).one(&*tx).await?;
            match found {
                None => {
                    return Err(UserError::at(
                        "contributorId",
                        UserErrorCode::NotFound,
                        crate::msg!("không tìm thấy doanh nghiệp", "no such enterprise"),
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
                        crate::msg!(
                            "chỉ doanh nghiệp đã được xác minh mới được cam kết",
                            "only verified enterprises pledge"
                        ),
                    )
                    .into());
                }
                Some(_) => {}
            }
        }
        PartnerKey::Agency(key) => {
            if agency::Entity::find_by_id(key.get())
                .one(&*tx)
                .await?
                .is_none()
            {
                return Err(UserError::at(
                    "contributorId",
                    UserErrorCode::NotFound,
                    crate::msg!("không tìm thấy cơ quan", "no such agency"),
                )
                .into());
            }
        }
    }
    let now = Utc::now();
    let inserted = contribution::ActiveModel {
        commune_id: Set(command.commune_id.get()),
        enterprise_id: Set(contributor.enterprise()),
        agency_id: Set(contributor.agency()),
        kind: Set(command.kind),
        purpose: Set(command.purpose.as_str().to_owned()),
        pledged_amount: Set(command.amount.get()),
        disbursed_amount: Set(0),
        status: Set(ContributionStatus::Pledged),
        pledged_on: Set(pledged_on),
        due_on: Set(command.due_on),
        confirmed_at: Set(None),
        cancelled_at: Set(None),
        cancellation_reason: Set(None),
        idempotency_key: Set(command.idempotency_key.as_ref().map(|key| key.0.clone())),
        created_by: Set(principal.account_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await;
    match (inserted, &command.idempotency_key) {
        (Ok(created), _) => {
            tx.commit(ContributionKey::new(created.id)).await?;
            Ok(created)
        }
        // A concurrent retry with the same key won the race: answer with its row.
        (Err(error), Some(key)) if violates(&error, "contributions_idempotency_key") => {
            drop(tx);
            by_idempotency_key(&app.db.write, principal.account_id, key)
                .await?
                .ok_or_else(|| ApiError::internal(error).into())
        }
        (Err(error), _) => Err(error.into()),
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
                crate::msg!("không tìm thấy khoản đóng góp", "no such contribution"),
            )
            .into()
        })
}

fn invalid_transition(current: ContributionStatus, wanted: Message) -> MutationError {
    let status = serde_json::to_value(current)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    UserError::at(
        "contributionId",
        UserErrorCode::InvalidTransition,
        wanted.then(crate::msg!(
            " (khoản đóng góp đang ở trạng thái {status})",
            " (the contribution is {status})"
        )),
    )
    .into()
}

/// PLEDGED → CONFIRMED (officials and admins).
#[tracing::instrument(skip_all, fields(contribution = command.contribution_id.get()))]
pub async fn confirm(
    app: &AppState,
    session: &Session,
    command: Confirm,
) -> Result<contribution::Model, MutationError> {
    let key = command.contribution_id.get();
    let tx = MutationTx::begin(app, session, &command).await?;
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
            crate::msg!(
                "chỉ khoản đóng góp đã cam kết (PLEDGED) mới được xác nhận",
                "only a PLEDGED contribution can be confirmed"
            ),
        ));
    }
    tx.commit(command.contribution_id).await?;
    Ok(current)
}

/// Records money or goods handed over, on a CONFIRMED contribution, never beyond
/// the pledge; reaching it makes the contribution FULFILLED.
#[tracing::instrument(skip_all, fields(contribution = command.contribution_id.get(), amount = command.amount.get()))]
pub async fn disburse(
    app: &AppState,
    session: &Session,
    command: Disburse,
) -> Result<(disbursement::Model, contribution::Model), MutationError> {
    let principal = session.viewer.require_official()?;
    let key = command.contribution_id.get();
    let amount = command.amount.get();
    if command.disbursed_on > app.clock.today() {
        return Err(UserError::at(
            "disbursedOn",
            UserErrorCode::Invalid,
            crate::msg!("không được ở tương lai", "cannot be in the future"),
        )
        .into());
    }
    let tx = MutationTx::begin(app, session, &command).await?;
    let before = find(&*tx, key).await?;
    if command.disbursed_on < before.pledged_on {
        return Err(UserError::at(
            "disbursedOn",
            UserErrorCode::Invalid,
            crate::msg!(
                "không được trước ngày cam kết",
                "cannot be before the pledge"
            ),
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
                crate::msg!(
                    "chỉ ghi nhận giải ngân cho khoản đóng góp đã xác nhận (CONFIRMED)",
                    "disbursements are recorded on CONFIRMED contributions"
                ),
            ));
        }
        return Err(UserError::at(
            "amount",
            UserErrorCode::LimitExceeded,
            crate::msg!(
                "vượt số còn lại: {} đồng trên {} đồng đã cam kết",
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
        disbursed_on: Set(command.disbursed_on),
        reference: Set(command.reference.as_str().to_owned()),
        recorded_by: Set(principal.account_id),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await?;
    let after = find(&*tx, key).await?;
    tx.commit(DisbursementKey::new(recorded.id)).await?;
    Ok((recorded, after))
}

/// Withdraws a pledge while nothing is disbursed: officials and admins from PLEDGED
/// or CONFIRMED; the contributing firm only its own, while PLEDGED.
#[tracing::instrument(skip_all, fields(contribution = command.contribution_id.get()))]
pub async fn cancel(
    app: &AppState,
    session: &Session,
    command: Cancel,
) -> Result<contribution::Model, MutationError> {
    let principal = session.viewer.require_signed_in()?;
    let key = command.contribution_id.get();
    let tx = MutationTx::begin(app, session, &command).await?;
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
            Expr::value(command.reason.as_str()),
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
            crate::msg!(
                "chỉ hủy được khoản đóng góp đã cam kết (PLEDGED) hoặc đã xác nhận (CONFIRMED) mà chưa giải ngân",
                "only a PLEDGED or CONFIRMED contribution with nothing disbursed can be cancelled"
            ),
        ));
    }
    tx.commit(command.contribution_id).await?;
    Ok(after)
}
