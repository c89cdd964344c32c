//! The demo's dialogues and agenda: four yearly business dialogues held (each
//! attended by registered enterprises) and one upcoming, with 2,028 agenda items
//! in all.

use chrono::{Datelike, Duration};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::{
    agencies::entity as agency,
    agenda::{
        answer,
        entity::{self as agenda_item, AgendaCategory, AgendaItemStatus, SubmissionChannel},
        event as agenda_event,
    },
    app::AppState,
    auth::Role,
    communes::entity as commune,
    dialogues::{
        commune_link,
        entity::{self as dialogue, DialogueFormat, DialogueLevel, DialogueStatus},
        registration,
        rules::venue_key,
    },
    enterprises::entity as enterprise,
    error::MutationError,
    text,
};

/// Agenda items the province handled: 2,028 in all, as the report says.
pub const AGENDA_ITEMS: usize = 2_028;
/// Dialogues held before the upcoming one, one a year.
pub const DIALOGUES_HELD: usize = 4;

const CONCERNS: &[(&str, AgendaCategory, AgencyCode)] = &[
    (
        "Chậm cấp giấy chứng nhận quyền sử dụng đất cho dự án",
        AgendaCategory::Land,
        2,
    ),
    (
        "Thủ tục hoàn thuế giá trị gia tăng kéo dài",
        AgendaCategory::Tax,
        1,
    ),
    (
        "Khó tiếp cận vốn vay ưu đãi cho doanh nghiệp nhỏ",
        AgendaCategory::Credit,
        1,
    ),
    (
        "Đường vào cụm công nghiệp xuống cấp",
        AgendaCategory::Infrastructure,
        3,
    ),
    (
        "Thiếu lao động có tay nghề tại địa phương",
        AgendaCategory::Labour,
        8,
    ),
    (
        "Thời gian thẩm định báo cáo đánh giá tác động môi trường",
        AgendaCategory::Environment,
        2,
    ),
    (
        "Cấp phép xây dựng nhà xưởng mở rộng",
        AgendaCategory::Construction,
        3,
    ),
    (
        "Hồ sơ điều chỉnh chủ trương đầu tư",
        AgendaCategory::Investment,
        0,
    ),
    (
        "Liên thông thủ tục hành chính trực tuyến",
        AgendaCategory::AdministrativeProcedure,
        8,
    ),
];

/// An index into `AGENCIES`: which agency answers a kind of concern.
type AgencyCode = usize;

/// Four past yearly business dialogues (held, with minutes) whose items were
/// answered and resolved, 2,028 agenda items in all, and an upcoming dialogue with
/// an item in every state, one of them overdue.
#[allow(clippy::too_many_arguments)]
pub async fn insert_dialogues(
    app: &AppState,
    db: &impl ConnectionTrait,
    enterprises: &[enterprise::Model],
    agencies: &[agency::Model],
    communes: &[commune::Model],
    official_id: i64,
    firm_id: i64,
) -> Result<(), MutationError> {
    let now = app.clock.now();
    let today = app.clock.today();
    let mut held = Vec::new();
    for year_back in 1..=DIALOGUES_HELD as i32 {
        let starts = now - Duration::days(365 * i64::from(year_back)) - Duration::days(20);
        // Every other enterprise attended, a different half each year.
        let attending: Vec<&enterprise::Model> = enterprises
            .iter()
            .skip(year_back as usize % 2)
            .step_by(2)
            .take(6 + year_back as usize)
            .collect();
        let row = dialogue::ActiveModel {
            title: Set(format!("Hội nghị đối thoại doanh nghiệp năm {} (mẫu)", starts.year())),
            format: Set(DialogueFormat::BusinessDialogue),
            level: Set(DialogueLevel::Province),
            status: Set(DialogueStatus::Held),
            starts_at: Set(starts),
            ends_at: Set(starts + Duration::hours(4)),
            venue: Set("Hội trường Trung tâm Hội nghị tỉnh".into()),
            venue_key: Set(venue_key("Hội trường Trung tâm Hội nghị tỉnh")),
            chair: Set("Chủ tịch Ủy ban nhân dân tỉnh".into()),
            capacity: Set(Some(300)),
            registered_count: Set(attending.len() as i32),
            minutes: Set(Some(format!(
                "Biên bản (mẫu): lãnh đạo tỉnh đối thoại với doanh nghiệp năm {}; các kiến nghị được giao sở, ngành trả lời.",
                starts.year()
            ))),
            cancellation_reason: Set(None),
            created_at: Set(starts - Duration::days(30)),
            updated_at: Set(starts),
            ..Default::default()
        }
        .insert(db)
        .await?;
        for (n, enterprise) in attending.iter().enumerate() {
            registration::ActiveModel {
                dialogue_id: Set(row.id),
                enterprise_id: Set(enterprise.id),
                attendees: Set(1 + (n % 3) as i32),
                registered_by: Set(firm_id),
                registered_at: Set(starts - Duration::days(10)),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        held.push(row);
    }
    let upcoming_start = now + Duration::days(14);
    let upcoming = dialogue::ActiveModel {
        title: Set(format!(
            "Hội nghị đối thoại doanh nghiệp năm {} (mẫu)",
            upcoming_start.year()
        )),
        format: Set(DialogueFormat::BusinessDialogue),
        level: Set(DialogueLevel::Province),
        status: Set(DialogueStatus::Scheduled),
        starts_at: Set(upcoming_start),
        ends_at: Set(upcoming_start + Duration::hours(4)),
        venue: Set("Hội trường Trung tâm Hội nghị tỉnh".into()),
        venue_key: Set(venue_key("Hội trường Trung tâm Hội nghị tỉnh")),
        chair: Set("Chủ tịch Ủy ban nhân dân tỉnh".into()),
        capacity: Set(Some(300)),
        registered_count: Set(3),
        minutes: Set(None),
        cancellation_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    for enterprise in enterprises.iter().take(3) {
        registration::ActiveModel {
            dialogue_id: Set(upcoming.id),
            enterprise_id: Set(enterprise.id),
            attendees: Set(2),
            registered_by: Set(firm_id),
            registered_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    for commune in communes.iter().take(3) {
        commune_link::ActiveModel {
            dialogue_id: Set(upcoming.id),
            commune_id: Set(commune.id),
        }
        .insert(db)
        .await?;
    }

    // The upcoming dialogue's items, one in every state; the ASSIGNED one is overdue.
    let states = [
        AgendaItemStatus::Submitted,
        AgendaItemStatus::Accepted,
        AgendaItemStatus::Assigned,
        AgendaItemStatus::Answered,
        AgendaItemStatus::Resolved,
        AgendaItemStatus::Rejected,
    ];
    let past_year = |i: usize| now - Duration::days(30 + (i % 330) as i64);
    let historic = AGENDA_ITEMS - states.len();
    let mut items = Vec::with_capacity(AGENDA_ITEMS);
    for i in 0..AGENDA_ITEMS {
        let (title, category, agency_index) = CONCERNS[i % CONCERNS.len()];
        let upcoming_index = i.checked_sub(historic);
        let status = upcoming_index.map_or(AgendaItemStatus::Resolved, |k| states[k]);
        let submitted_at = if upcoming_index.is_some() {
            now - Duration::days(40)
        } else {
            past_year(i)
        };
        let dialogue_id = match upcoming_index {
            Some(_) => Some(upcoming.id),
            None if i % 3 == 0 => Some(held[i % held.len()].id),
            None => None,
        };
        let assigned = !matches!(
            status,
            AgendaItemStatus::Submitted | AgendaItemStatus::Accepted | AgendaItemStatus::Rejected
        );
        let due = assigned.then(|| {
            if status == AgendaItemStatus::Assigned {
                today - Duration::days(3)
            } else {
                submitted_at.date_naive() + Duration::days(21)
            }
        });
        let enterprise = &enterprises[i % enterprises.len()];
        let body = format!(
            "{title}. Doanh nghiệp {} đề nghị tỉnh xem xét, tháo gỡ (nội dung mẫu).",
            enterprise.name
        );
        items.push(agenda_item::ActiveModel {
            search_text: Set(format!("{} {}", text::fold(title), text::fold(&body))),
            title: Set(title.to_owned()),
            body: Set(body),
            category: Set(category),
            channel: Set([
                SubmissionChannel::Dialogue,
                SubmissionChannel::Hotline,
                SubmissionChannel::Written,
            ][i % 3]),
            status: Set(status),
            enterprise_id: Set(enterprise.id),
            confidential: Set(i % 10 == 0),
            submitted_by: Set(official_id),
            submitted_at: Set(submitted_at),
            dialogue_id: Set(dialogue_id),
            position: Set(upcoming_index
                .filter(|k| {
                    matches!(
                        states[*k],
                        AgendaItemStatus::Accepted
                            | AgendaItemStatus::Assigned
                            | AgendaItemStatus::Answered
                            | AgendaItemStatus::Resolved
                    )
                })
                .map(|k| k as i32)),
            assigned_agency_id: Set(assigned.then(|| agencies[agency_index % agencies.len()].id)),
            assigned_at: Set(assigned.then(|| submitted_at + Duration::days(2))),
            response_due_on: Set(due),
            rejection_reason: Set((status == AgendaItemStatus::Rejected)
                .then(|| "Không thuộc thẩm quyền của tỉnh (mẫu)".to_owned())),
            feedback_satisfied: Set((status == AgendaItemStatus::Resolved).then_some(true)),
            feedback_comment: Set(None),
            feedback_at: Set(
                (status == AgendaItemStatus::Resolved).then(|| submitted_at + Duration::days(15))
            ),
            // One version per step of its path (see the history below).
            version: Set(match status {
                AgendaItemStatus::Submitted => 1,
                AgendaItemStatus::Accepted
                | AgendaItemStatus::Assigned
                | AgendaItemStatus::Rejected => 2,
                AgendaItemStatus::Answered => 3,
                AgendaItemStatus::Resolved => 4,
            }),
            updated_at: Set(submitted_at),
            ..Default::default()
        });
    }
    for chunk in items.chunks(200) {
        agenda_item::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    // History and answers follow each item's path: SUBMITTED, then ACCEPTED or
    // ASSIGNED, ANSWERED, RESOLVED (or REJECTED).
    let rows = agenda_item::Entity::find().all(db).await?;
    let mut events = Vec::new();
    let mut answers = Vec::new();
    for item in &rows {
        let path: &[AgendaItemStatus] = match item.status {
            AgendaItemStatus::Submitted => &[AgendaItemStatus::Submitted],
            AgendaItemStatus::Accepted => {
                &[AgendaItemStatus::Submitted, AgendaItemStatus::Accepted]
            }
            AgendaItemStatus::Rejected => {
                &[AgendaItemStatus::Submitted, AgendaItemStatus::Rejected]
            }
            AgendaItemStatus::Assigned => {
                &[AgendaItemStatus::Submitted, AgendaItemStatus::Assigned]
            }
            AgendaItemStatus::Answered => &[
                AgendaItemStatus::Submitted,
                AgendaItemStatus::Assigned,
                AgendaItemStatus::Answered,
            ],
            AgendaItemStatus::Resolved => &[
                AgendaItemStatus::Submitted,
                AgendaItemStatus::Assigned,
                AgendaItemStatus::Answered,
                AgendaItemStatus::Resolved,
            ],
        };
        for (step, to) in path.iter().enumerate() {
            events.push(agenda_event::ActiveModel {
                agenda_item_id: Set(item.id),
                at: Set(item.submitted_at + Duration::days(step as i64 * 3)),
                from_status: Set(step.checked_sub(1).map(|s| path[s])),
                to_status: Set(*to),
                note: Set(None),
                actor_role: Set(if *to == AgendaItemStatus::Resolved {
                    Role::Firm
                } else {
                    Role::Official
                }),
                ..Default::default()
            });
        }
        if let (Some(agency_id), true) = (
            item.assigned_agency_id,
            matches!(
                item.status,
                AgendaItemStatus::Answered | AgendaItemStatus::Resolved
            ),
        ) {
            answers.push(answer::ActiveModel {
                agenda_item_id: Set(item.id),
                agency_id: Set(agency_id),
                body: Set(
                    "Sở đã làm việc với doanh nghiệp và hướng dẫn hoàn thiện hồ sơ (trả lời mẫu)."
                        .into(),
                ),
                answered_by: Set(official_id),
                answered_at: Set(item.submitted_at + Duration::days(9)),
                on_time: Set(item.id % 7 != 0),
                ..Default::default()
            });
        }
    }
    for chunk in events.chunks(300) {
        agenda_event::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    for chunk in answers.chunks(300) {
        answer::Entity::insert_many(chunk.to_vec()).exec(db).await?;
    }
    Ok(())
}
