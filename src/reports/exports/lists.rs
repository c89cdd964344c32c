//! The six lists: each one's columns, the condition that selects its rows (the
//! filter and the viewer's visibility), and its rows a page at a time.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{Cell, Column, Export, List, column, labels};
use crate::{
    agencies::entity as agency,
    agenda::{
        answer, entity as agenda_item,
        rules::{current_answer, shows_submitter, visible_condition},
    },
    audit::entity as audit_event,
    auth::entity as account,
    communes::entity as commune,
    contributions::entity as contribution,
    dialogues::{
        entity as dialogue, filter::DialogueFilter, registration, rules::RegistrationsSeen,
    },
    enterprises::{entity as enterprise, rules::sees_private_fields},
    keys::{
        AgendaItemKey, AuditEventKey, CommuneKey, ContributionKey, DialogueKey, EnterpriseKey, Key,
        Reference,
    },
    reports::totals::{self, Totals},
    twinnings::entity as twinning,
};

/// Rows and the last one's id.
type Rows = (Vec<Vec<Cell>>, Option<i64>);

/// The rows of `E` matching `condition` after id `after`, by id, at most `limit`.
async fn after<E: EntityTrait>(
    db: &impl ConnectionTrait,
    condition: Condition,
    id: E::Column,
    after: i64,
    limit: u64,
) -> Result<Vec<E::Model>, DbErr> {
    E::find()
        .filter(condition)
        .filter(id.gt(after))
        .order_by_asc(id)
        .limit(limit)
        .all(db)
        .await
}

/// Rows of `E` by id, for the ids given: one `IN (...)` query.
async fn by_id<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
    id_of: fn(&E::Model) -> i64,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, E::Model>, DbErr> {
    let ids: HashSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(E::find()
        .filter(id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|model| (id_of(&model), model))
        .collect())
}

fn object<K: Key>(key: i64) -> Cell {
    Cell::Object(Reference::new(K::KIND, key))
}

/// The condition that selects the export's rows: its filter and what its viewer
/// may see.
fn condition(export: &Export) -> Condition {
    match &export.list {
        List::Contributions(filter) => filter.condition(),
        List::Communes(filter) => filter.condition(export.today),
        List::Enterprises(filter) => filter.condition(),
        List::AgendaItems(filter) => filter
            .condition(export.today)
            .add(visible_condition(&export.viewer)),
        List::Registrations(filter, dialogue) => registrations_condition(export, filter, *dialogue),
        List::AuditEvents(filter) => filter.condition(),
    }
}

pub async fn count(export: &Export, db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let condition = condition(export);
    match &export.list {
        List::Contributions(_) => {
            contribution::Entity::find()
                .filter(condition)
                .count(db)
                .await
        }
        List::Communes(_) => commune::Entity::find().filter(condition).count(db).await,
        List::Enterprises(_) => enterprise::Entity::find().filter(condition).count(db).await,
        List::AgendaItems(_) => {
            agenda_item::Entity::find()
                .filter(condition)
                .count(db)
                .await
        }
        List::Registrations(..) => {
            registration::Entity::find()
                .filter(condition)
                .count(db)
                .await
        }
        List::AuditEvents(_) => {
            audit_event::Entity::find()
                .filter(condition)
                .count(db)
                .await
        }
    }
}

pub const CONTRIBUTION_COLUMNS: &[Column] = &[
    column("Mã định danh (API)", 22.0),
    column("Ngày cam kết", 13.0),
    column("Mã xã", 9.0),
    column("Xã", 24.0),
    column("Bên đóng góp", 40.0),
    column("Loại bên đóng góp", 16.0),
    column("Hình thức", 20.0),
    column("Nội dung", 50.0),
    column("Số tiền cam kết (đồng)", 20.0),
    column("Đã giải ngân (đồng)", 20.0),
    column("Còn lại (đồng)", 20.0),
    column("Trạng thái", 15.0),
    column("Hạn hoàn thành", 14.0),
    column("Thời điểm xác nhận", 19.0),
    column("Lý do hủy", 30.0),
];

pub async fn contributions(
    export: &Export,
    db: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> Result<Rows, DbErr> {
    let models = after::<contribution::Entity>(
        db,
        condition(export),
        contribution::Column::Id,
        after_id,
        limit,
    )
    .await?;
    let communes = by_id::<commune::Entity>(
        db,
        commune::Column::Id,
        |m| m.id,
        models.iter().map(|m| m.commune_id),
    )
    .await?;
    let enterprises = by_id::<enterprise::Entity>(
        db,
        enterprise::Column::Id,
        |m| m.id,
        models.iter().filter_map(|m| m.enterprise_id),
    )
    .await?;
    let agencies = by_id::<agency::Entity>(
        db,
        agency::Column::Id,
        |m| m.id,
        models.iter().filter_map(|m| m.agency_id),
    )
    .await?;
    let last = models.last().map(|m| m.id);
    let rows = models
        .into_iter()
        .map(|m| {
            let place = communes.get(&m.commune_id);
            let (contributor, contributor_kind) = match (m.enterprise_id, m.agency_id) {
                (Some(id), _) => (enterprises.get(&id).map(|e| e.name.clone()), "Doanh nghiệp"),
                (None, Some(id)) => (agencies.get(&id).map(|a| a.name.clone()), "Cơ quan"),
                (None, None) => (None, ""),
            };
            vec![
                object::<ContributionKey>(m.id),
                Cell::Date(m.pledged_on),
                Cell::optional_text(place.map(|c| c.code.clone())),
                Cell::optional_text(place.map(|c| c.name.clone())),
                Cell::optional_text(contributor),
                Cell::text(contributor_kind),
                Cell::text(labels::contribution_kind(m.kind)),
                Cell::text(m.purpose.clone()),
                Cell::Money(m.pledged_amount),
                Cell::Money(m.disbursed_amount),
                Cell::Money(m.outstanding()),
                Cell::text(labels::contribution_status(m.status)),
                m.due_on.map_or(Cell::Empty, Cell::Date),
                m.confirmed_at.map_or(Cell::Empty, |at| export.local(at)),
                Cell::optional_text(m.cancellation_reason),
            ]
        })
        .collect();
    Ok((rows, last))
}

pub const COMMUNE_COLUMNS: &[Column] = &[
    column("Mã định danh (API)", 22.0),
    column("Mã xã", 9.0),
    column("Tên", 24.0),
    column("Loại đơn vị", 11.0),
    column("Huyện", 18.0),
    column("Xã đặc thù", 10.0),
    column("Mức nông thôn mới", 24.0),
    column("Năm công nhận", 13.0),
    column("Đơn vị kết nghĩa, phụ trách", 60.0),
    column("Số khoản đóng góp", 12.0),
    column("Cam kết (đồng)", 20.0),
    column("Đã giải ngân (đồng)", 20.0),
    column("Còn lại (đồng)", 20.0),
];

pub async fn communes(
    export: &Export,
    db: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> Result<Rows, DbErr> {
    let models =
        after::<commune::Entity>(db, condition(export), commune::Column::Id, after_id, limit)
            .await?;
    let keys: Vec<i64> = models.iter().map(|m| m.id).collect();
    let totals = totals::totals_per(db, totals::Per::Commune, &keys).await?;
    // Twinnings active today, as `Commune.twinnings` lists them.
    let twinnings: Vec<twinning::Model> = if keys.is_empty() {
        Vec::new()
    } else {
        twinning::Entity::find()
            .filter(twinning::Column::CommuneId.is_in(keys.iter().copied()))
            .order_by_asc(twinning::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .filter(|t| t.active_on(export.today))
            .collect()
    };
    let enterprises = by_id::<enterprise::Entity>(
        db,
        enterprise::Column::Id,
        |m| m.id,
        twinnings.iter().filter_map(|t| t.enterprise_id),
    )
    .await?;
    let agencies = by_id::<agency::Entity>(
        db,
        agency::Column::Id,
        |m| m.id,
        twinnings.iter().filter_map(|t| t.agency_id),
    )
    .await?;
    let mut partners: HashMap<i64, Vec<String>> = HashMap::new();
    for t in &twinnings {
        let name = match (t.enterprise_id, t.agency_id) {
            (Some(id), _) => enterprises
                .get(&id)
                .map(|e| format!("{} (kết nghĩa)", e.name)),
            (None, Some(id)) => agencies.get(&id).map(|a| format!("{} (phụ trách)", a.name)),
            (None, None) => None,
        };
        if let Some(name) = name {
            partners.entry(t.commune_id).or_default().push(name);
        }
    }
    let last = models.last().map(|m| m.id);
    let rows = models
        .into_iter()
        .map(|m| {
            let sums: Totals = totals.get(&m.id).copied().unwrap_or_default();
            vec![
                object::<CommuneKey>(m.id),
                Cell::text(m.code),
                Cell::text(m.name),
                Cell::text(labels::unit_type(m.unit_type)),
                Cell::optional_text(m.district),
                Cell::YesNo(m.special),
                Cell::text(labels::new_rural_level(m.new_rural_level)),
                m.new_rural_year
                    .map_or(Cell::Empty, |year| Cell::Integer(i64::from(year))),
                Cell::text(partners.remove(&m.id).unwrap_or_default().join("; ")),
                Cell::Integer(sums.count),
                Cell::Total(sums.pledged),
                Cell::Total(sums.disbursed),
                Cell::Total(sums.outstanding()),
            ]
        })
        .collect();
    Ok((rows, last))
}

pub const ENTERPRISE_COLUMNS: &[Column] = &[
    column("Mã định danh (API)", 22.0),
    column("Mã số thuế", 16.0),
    column("Tên doanh nghiệp", 45.0),
    column("Ngành nghề", 22.0),
    column("Địa chỉ", 40.0),
    column("Đã xác minh", 11.0),
    column("Email liên hệ", 28.0),
    column("Điện thoại liên hệ", 18.0),
    column("Thời điểm đăng ký", 19.0),
];

pub async fn enterprises(
    export: &Export,
    db: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> Result<Rows, DbErr> {
    let models = after::<enterprise::Entity>(
        db,
        condition(export),
        enterprise::Column::Id,
        after_id,
        limit,
    )
    .await?;
    let last = models.last().map(|m| m.id);
    let rows = models
        .into_iter()
        .map(|m| {
            // Contact details only where the API shows them to this viewer.
            let private = sees_private_fields(&export.viewer, m.id);
            let contact = |value: Option<String>| {
                if private {
                    Cell::optional_text(value)
                } else {
                    Cell::Empty
                }
            };
            vec![
                object::<EnterpriseKey>(m.id),
                Cell::text(m.tax_code),
                Cell::text(m.name),
                Cell::optional_text(m.sector),
                Cell::optional_text(m.address),
                Cell::YesNo(m.verified),
                contact(m.contact_email),
                contact(m.contact_phone),
                export.local(m.created_at),
            ]
        })
        .collect();
    Ok((rows, last))
}

pub const AGENDA_COLUMNS: &[Column] = &[
    column("Mã định danh (API)", 22.0),
    column("Tiêu đề", 45.0),
    column("Nội dung", 60.0),
    column("Lĩnh vực", 18.0),
    column("Kênh tiếp nhận", 18.0),
    column("Trạng thái", 20.0),
    column("Doanh nghiệp", 40.0),
    column("Bảo mật danh tính", 10.0),
    column("Thời điểm gửi", 19.0),
    column("Hội nghị đối thoại", 40.0),
    column("Cơ quan được giao", 35.0),
    column("Hạn trả lời", 13.0),
    column("Quá hạn", 9.0),
    column("Thời điểm trả lời", 19.0),
    column("Trả lời đúng hạn", 10.0),
    column("Doanh nghiệp hài lòng", 10.0),
];

pub async fn agenda_items(
    export: &Export,
    db: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> Result<Rows, DbErr> {
    let models = after::<agenda_item::Entity>(
        db,
        condition(export),
        agenda_item::Column::Id,
        after_id,
        limit,
    )
    .await?;
    let enterprises = by_id::<enterprise::Entity>(
        db,
        enterprise::Column::Id,
        |m| m.id,
        models
            .iter()
            .filter(|m| shows_submitter(&export.viewer, m))
            .map(|m| m.enterprise_id),
    )
    .await?;
    let dialogues = by_id::<dialogue::Entity>(
        db,
        dialogue::Column::Id,
        |m| m.id,
        models.iter().filter_map(|m| m.dialogue_id),
    )
    .await?;
    let agencies = by_id::<agency::Entity>(
        db,
        agency::Column::Id,
        |m| m.id,
        models.iter().filter_map(|m| m.assigned_agency_id),
    )
    .await?;
    let mut answers: HashMap<i64, Vec<answer::Model>> = HashMap::new();
    if !models.is_empty() {
        for found in answer::Entity::find()
            .filter(answer::Column::AgendaItemId.is_in(models.iter().map(|m| m.id)))
            .order_by_asc(answer::Column::Id)
            .all(db)
            .await?
        {
            answers.entry(found.agenda_item_id).or_default().push(found);
        }
    }
    let last = models.last().map(|m| m.id);
    let rows = models
        .into_iter()
        .map(|m| {
            let given = answers.get(&m.id).map(Vec::as_slice).unwrap_or_default();
            let shown = current_answer(&m, given);
            let submitter = shows_submitter(&export.viewer, &m)
                .then(|| enterprises.get(&m.enterprise_id))
                .flatten();
            vec![
                object::<AgendaItemKey>(m.id),
                Cell::text(m.title.clone()),
                Cell::text(m.body.clone()),
                Cell::text(labels::agenda_category(m.category)),
                Cell::text(labels::channel(m.channel)),
                Cell::text(labels::agenda_status(m.status)),
                Cell::optional_text(submitter.map(|e| e.name.clone())),
                Cell::YesNo(m.confidential),
                export.local(m.submitted_at),
                Cell::optional_text(
                    m.dialogue_id
                        .and_then(|id| dialogues.get(&id))
                        .map(|d| d.title.clone()),
                ),
                Cell::optional_text(
                    m.assigned_agency_id
                        .and_then(|id| agencies.get(&id))
                        .map(|a| a.name.clone()),
                ),
                m.response_due_on.map_or(Cell::Empty, Cell::Date),
                Cell::YesNo(m.overdue_on(export.today)),
                shown.map_or(Cell::Empty, |a| export.local(a.answered_at)),
                shown.map_or(Cell::Empty, |a| Cell::YesNo(a.on_time)),
                m.feedback_satisfied.map_or(Cell::Empty, Cell::YesNo),
            ]
        })
        .collect();
    Ok((rows, last))
}

pub const REGISTRATION_COLUMNS: &[Column] = &[
    column("Mã hội nghị (API)", 22.0),
    column("Hội nghị đối thoại", 45.0),
    column("Thời điểm bắt đầu", 19.0),
    column("Địa điểm", 35.0),
    column("Trạng thái hội nghị", 15.0),
    column("Doanh nghiệp", 45.0),
    column("Mã số thuế", 16.0),
    column("Số người tham dự", 12.0),
    column("Thời điểm đăng ký", 19.0),
];

/// Registrations for the dialogues the filter selects that the viewer sees.
fn registrations_condition(
    export: &Export,
    filter: &DialogueFilter,
    dialogue: Option<DialogueKey>,
) -> Condition {
    let mut dialogues = Query::select()
        .column(dialogue::Column::Id)
        .from(dialogue::Entity)
        .cond_where(filter.condition())
        .to_owned();
    if let Some(key) = dialogue {
        dialogues.and_where(Expr::col(dialogue::Column::Id).eq(key.get()));
    }
    let mut condition =
        Condition::all().add(registration::Column::DialogueId.in_subquery(dialogues));
    match RegistrationsSeen::of(&export.viewer) {
        RegistrationsSeen::All => {}
        RegistrationsSeen::OfEnterprise(own) => {
            condition = condition.add(registration::Column::EnterpriseId.eq(own));
        }
        RegistrationsSeen::None => condition = condition.add(crate::filters::matches_nothing()),
    }
    condition
}

pub async fn registrations(
    export: &Export,
    db: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> Result<Rows, DbErr> {
    let models = after::<registration::Entity>(
        db,
        condition(export),
        registration::Column::Id,
        after_id,
        limit,
    )
    .await?;
    let dialogues = by_id::<dialogue::Entity>(
        db,
        dialogue::Column::Id,
        |m| m.id,
        models.iter().map(|m| m.dialogue_id),
    )
    .await?;
    let enterprises = by_id::<enterprise::Entity>(
        db,
        enterprise::Column::Id,
        |m| m.id,
        models.iter().map(|m| m.enterprise_id),
    )
    .await?;
    let last = models.last().map(|m| m.id);
    let rows = models
        .into_iter()
        .map(|m| {
            let held = dialogues.get(&m.dialogue_id);
            let firm = enterprises.get(&m.enterprise_id);
            vec![
                object::<DialogueKey>(m.dialogue_id),
                Cell::optional_text(held.map(|d| d.title.clone())),
                held.map_or(Cell::Empty, |d| export.local(d.starts_at)),
                Cell::optional_text(held.map(|d| d.venue.clone())),
                Cell::optional_text(held.map(|d| labels::dialogue_status(d.status))),
                Cell::optional_text(firm.map(|e| e.name.clone())),
                Cell::optional_text(firm.map(|e| e.tax_code.clone())),
                Cell::Integer(i64::from(m.attendees)),
                export.local(m.registered_at),
            ]
        })
        .collect();
    Ok((rows, last))
}

pub const AUDIT_COLUMNS: &[Column] = &[
    column("Mã định danh (API)", 22.0),
    column("Thời điểm", 19.0),
    column("Hành động", 24.0),
    column("Người thực hiện", 28.0),
    column("Email người thực hiện", 30.0),
    column("Vai trò", 13.0),
    column("Đối tượng (API)", 22.0),
    column("Tóm tắt", 80.0),
];

pub async fn audit_events(
    export: &Export,
    db: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> Result<Rows, DbErr> {
    let models = after::<audit_event::Entity>(
        db,
        condition(export),
        audit_event::Column::Id,
        after_id,
        limit,
    )
    .await?;
    let actors = by_id::<account::Entity>(
        db,
        account::Column::Id,
        |m| m.id,
        models.iter().filter_map(|m| m.actor_id),
    )
    .await?;
    let last = models.last().map(|m| m.id);
    let rows = models
        .into_iter()
        .map(|m| {
            let actor = m.actor_id.and_then(|id| actors.get(&id));
            vec![
                object::<AuditEventKey>(m.id),
                export.local(m.at),
                Cell::text(m.action),
                Cell::optional_text(actor.map(|a| a.display_name.clone())),
                Cell::optional_text(
                    actor
                        .filter(|a| export.viewer.sees_account_private_fields(a.id))
                        .map(|a| a.email.clone()),
                ),
                Cell::optional_text(m.actor_role.map(labels::role)),
                m.subject_id
                    .as_deref()
                    .and_then(Reference::parse)
                    .map_or(Cell::Empty, Cell::Object),
                Cell::text(m.summary),
            ]
        })
        .collect();
    Ok((rows, last))
}
