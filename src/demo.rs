//! Demo data: synthetic, in plausible Vietnamese, for trying the API. A province
//! with 55 special communes among 100, 34 of them at the new-rural standard or
//! above; every special commune twinned with an enterprise and an agency in
//! charge; confirmed and fulfilled contributions of 70.3 billion đồng over four
//! years; four yearly dialogues held and one upcoming, with 2,028 agenda items in
//! all, the upcoming dialogue's in every state and one overdue. Loading is idempotent: a second run finds the demo admin and stops. All
//! demo sign-ins end in `@demo.donghanh.vn`; production refuses to load them.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::{
    agencies::entity::{self as agency, AgencyKind},
    agenda::{
        answer,
        entity::{self as agenda_item, AgendaCategory, AgendaItemStatus, SubmissionChannel},
        event as agenda_event,
    },
    app::AppState,
    audit::MutationTx,
    auth::{Role, entity as account, password::NewPassword, rules::NewAccount},
    communes::entity::{self as commune, AdministrativeUnitType, NewRuralLevel},
    contributions::{
        disbursement,
        entity::{self as contribution, ContributionKind, ContributionStatus},
    },
    dialogues::{
        commune_link,
        entity::{self as dialogue, DialogueFormat, DialogueLevel, DialogueStatus},
        registration,
        rules::venue_key,
    },
    enterprises::{entity as enterprise, tax_code::TaxCode},
    error::{ApiError, MutationError},
    text::{self, Email, Name},
    twinnings::entity::{self as twinning, TwinningKind},
};

pub const DEMO_PASSWORD: &str = "dong-hanh-demo-2026";
pub const ADMIN_EMAIL: &str = "quantri@demo.donghanh.vn";
pub const OFFICIAL_EMAIL: &str = "canbo@demo.donghanh.vn";
pub const FIRM_EMAIL: &str = "doanhnghiep@demo.donghanh.vn";

/// The programme's reported figures the demo reproduces.
pub const SPECIAL_COMMUNES: usize = 55;
pub const SPECIAL_AT_STANDARD: usize = 34;
pub const OTHER_COMMUNES: usize = 45;
pub const CONTRIBUTIONS_TOTAL: i64 = 70_300_000_000;

const AGENCIES: &[(&str, &str, AgencyKind)] = &[
    ("SKHDT", "Sở Kế hoạch và Đầu tư", AgencyKind::Department),
    ("STC", "Sở Tài chính", AgencyKind::Department),
    (
        "SNNMT",
        "Sở Nông nghiệp và Môi trường",
        AgencyKind::Department,
    ),
    ("SXD", "Sở Xây dựng", AgencyKind::Department),
    ("SCT", "Sở Công Thương", AgencyKind::Department),
    ("SYT", "Sở Y tế", AgencyKind::Department),
    ("SGDDT", "Sở Giáo dục và Đào tạo", AgencyKind::Department),
    (
        "SVHTTDL",
        "Sở Văn hóa, Thể thao và Du lịch",
        AgencyKind::Department,
    ),
    ("SNV", "Sở Nội vụ", AgencyKind::Department),
    ("BDT", "Ban Dân tộc tỉnh", AgencyKind::Board),
    ("BQLKKT", "Ban Quản lý các khu kinh tế", AgencyKind::Board),
    (
        "MTTQ",
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
        AgencyKind::MassOrganization,
    ),
    ("TDTN", "Tỉnh đoàn", AgencyKind::MassOrganization),
    ("HND", "Hội Nông dân tỉnh", AgencyKind::MassOrganization),
    (
        "HLHPN",
        "Hội Liên hiệp Phụ nữ tỉnh",
        AgencyKind::MassOrganization,
    ),
    ("UBND", "Ủy ban nhân dân tỉnh", AgencyKind::PeoplesCommittee),
];

const ENTERPRISES: &[(&str, &str)] = &[
    ("Công ty Cổ phần Xi măng Đông Sơn", "Vật liệu xây dựng"),
    ("Công ty TNHH Nông sản Hòa Bình", "Nông nghiệp"),
    (
        "Tổng Công ty Điện lực Miền Trung – Chi nhánh tỉnh",
        "Năng lượng",
    ),
    (
        "Ngân hàng TMCP Phát triển Nông thôn – Chi nhánh tỉnh",
        "Tài chính – ngân hàng",
    ),
    ("Công ty Cổ phần Thủy điện Sông Lam", "Năng lượng"),
    ("Công ty TNHH May mặc Phú Thịnh", "Dệt may"),
    ("Công ty Cổ phần Mía đường Lam Sơn", "Chế biến nông sản"),
    ("Công ty Cổ phần Du lịch Biển Xanh", "Du lịch"),
    ("Công ty TNHH Xây dựng Trường Thành", "Xây dựng"),
    ("Công ty Cổ phần Dược phẩm An Khang", "Y tế"),
    ("Công ty TNHH Thực phẩm Sạch Việt", "Chế biến thực phẩm"),
    ("Công ty Cổ phần Viễn thông Sao Việt", "Viễn thông"),
    ("Công ty Cổ phần Khoáng sản Bắc Trung Bộ", "Khai khoáng"),
    ("Công ty TNHH Thương mại Minh Phát", "Thương mại"),
    ("Công ty Cổ phần Cảng biển Nghi Sơn", "Logistics"),
    ("Công ty TNHH Gỗ Thuận An", "Chế biến gỗ"),
    ("Công ty Cổ phần Nước sạch Miền Tây", "Cấp nước"),
    ("Công ty TNHH Phân bón Bình Điền", "Nông nghiệp"),
    ("Công ty Cổ phần Bê tông Hải Âu", "Vật liệu xây dựng"),
    ("Công ty TNHH Điện tử Quang Minh", "Điện tử"),
];

const PLACE_NAMES: &[&str] = &[
    "Đông Sơn",
    "Hòa Bình",
    "Tân Lập",
    "Thành Công",
    "Quang Trung",
    "Phú Lộc",
    "Yên Thịnh",
    "Đồng Tâm",
    "Xuân Lộc",
    "Thạch Bình",
    "Cẩm Thủy",
    "Bá Thước",
    "Mường Lát",
    "Pù Nhi",
    "Trung Lý",
    "Tam Chung",
    "Quang Chiểu",
    "Nhi Sơn",
    "Mường Chanh",
    "Sơn Thủy",
    "Na Mèo",
    "Sơn Điện",
    "Tam Lư",
    "Trung Hạ",
    "Trung Tiến",
    "Trung Xuân",
    "Sơn Hà",
    "Mường Mìn",
    "Lâm Phú",
    "Tam Thanh",
    "Yên Khương",
    "Yên Thắng",
    "Giao Thiện",
    "Phú Nghiêm",
    "Văn Nho",
    "Thiết Ống",
    "Lũng Niêm",
    "Lũng Cao",
    "Thành Sơn",
    "Cổ Lũng",
    "Điền Quang",
    "Điền Thượng",
    "Lương Nội",
    "Hạ Trung",
    "Ái Thượng",
    "Ban Công",
    "Kỳ Tân",
    "Lương Ngoại",
    "Phú Sơn",
    "Phú Xuân",
    "Thanh Xuân",
    "Xuân Thái",
    "Luận Thành",
    "Tân Thành",
    "Xuân Cao",
    "Bình Lương",
    "Xuân Chinh",
    "Xuân Lẹ",
    "Vạn Xuân",
    "Lương Sơn",
    "Xuân Phúc",
    "Thượng Ninh",
    "Cát Vân",
    "Xuân Du",
    "Phượng Nghi",
    "Thanh Kỳ",
    "Thanh Tân",
    "Cán Khê",
    "Hải Vân",
    "Mậu Lâm",
    "Phú Nhuận",
    "Xuân Khang",
    "Yên Lạc",
    "Hải Long",
    "Phúc Đường",
    "Thanh Phong",
    "Hợp Thành",
    "Minh Sơn",
    "Đồng Lợi",
    "Vĩnh Hùng",
    "Định Tân",
    "Thiệu Vận",
    "Hoằng Xuân",
    "Nga Thạch",
    "Quảng Nhân",
    "Tế Lợi",
    "Hà Lĩnh",
    "Thạch Quảng",
    "Ngọc Liên",
    "Vân Am",
    "Cao Ngọc",
    "Nguyệt Ấn",
    "Kiên Thọ",
    "Phùng Giáo",
    "Mỹ Tân",
    "Lộc Thịnh",
    "Thạch Lập",
    "Xuân Bái",
    "Quảng Phú",
    "Tân Phúc",
];

/// Loads the demo data unless it is there already. Returns the sign-ins.
pub async fn load(app: &AppState) -> Result<Vec<(&'static str, Role)>, MutationError> {
    if app.settings.is_production() {
        return Err(ApiError::internal(anyhow::anyhow!(
            "demo data is refused in production: its passwords are public"
        ))
        .into());
    }
    let sign_ins = vec![
        (ADMIN_EMAIL, Role::Admin),
        (OFFICIAL_EMAIL, Role::Official),
        (FIRM_EMAIL, Role::Firm),
    ];
    let present = account::Entity::find()
        .filter(account::Column::Email.eq(ADMIN_EMAIL))
        .one(&app.db.read)
        .await?
        .is_some();
    if present {
        return Ok(sign_ins);
    }
    let password = NewPassword::parse("password", DEMO_PASSWORD)?;
    let prepared = |email: &'static str, name: &'static str, role| {
        let password = &password;
        async move {
            NewAccount::prepare(
                &Email::parse("email", email)?,
                password,
                &Name::parse("displayName", name)?,
                role,
            )
            .await
        }
    };
    let admin = prepared(ADMIN_EMAIL, "Quản trị (mẫu)", Role::Admin).await?;
    let official = prepared(OFFICIAL_EMAIL, "Cán bộ Sở KH&ĐT (mẫu)", Role::Official).await?;
    let firm = prepared(FIRM_EMAIL, "Giám đốc (mẫu)", Role::Firm).await?;

    let input = serde_json::json!({ "demo": true });
    let tx = MutationTx::open(&app.db, "loadDemoData", None, None, &input).await?;
    let now = Utc::now();
    let today = app.clock.today();

    let mut agencies = Vec::new();
    for (code, name, kind) in AGENCIES {
        let row = agency::ActiveModel {
            code: Set((*code).to_owned()),
            name: Set((*name).to_owned()),
            search_text: Set(text::fold(name)),
            kind: Set(*kind),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&*tx)
        .await?;
        agencies.push(row);
    }

    let mut enterprises = Vec::new();
    for (index, (name, sector)) in ENTERPRISES.iter().enumerate() {
        let code = demo_tax_code(index);
        let row = enterprise::ActiveModel {
            tax_code: Set(code),
            name: Set((*name).to_owned()),
            search_text: Set(text::fold(name)),
            sector: Set(Some((*sector).to_owned())),
            address: Set(Some(format!(
                "Số {} đường Lê Lợi, thành phố tỉnh lỵ (địa chỉ mẫu)",
                index + 1
            ))),
            contact_email: Set(Some(format!("lienhe{}@demo.donghanh.vn", index + 1))),
            contact_phone: Set(Some(format!("0237 385 {:04}", 1000 + index))),
            verified: Set(true),
            verified_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&*tx)
        .await?;
        enterprises.push(row);
    }

    let levels = [
        NewRuralLevel::Standard,
        NewRuralLevel::Advanced,
        NewRuralLevel::Model,
    ];
    let mut special = Vec::new();
    for (index, place) in PLACE_NAMES
        .iter()
        .take(SPECIAL_COMMUNES + OTHER_COMMUNES)
        .enumerate()
    {
        let is_special = index < SPECIAL_COMMUNES;
        let level = if is_special {
            if index < SPECIAL_AT_STANDARD {
                levels[index % 3]
            } else {
                NewRuralLevel::NotYet
            }
        } else if index % 4 == 0 {
            NewRuralLevel::NotYet
        } else {
            levels[index % 3]
        };
        let name = format!("Xã {place}");
        let row = commune::ActiveModel {
            code: Set(format!("{:05}", 15_000 + index * 7)),
            search_text: Set(text::fold(&name)),
            name: Set(name),
            unit_type: Set(AdministrativeUnitType::Commune),
            district: Set(None),
            special: Set(is_special),
            new_rural_level: Set(level),
            new_rural_year: Set(
                (level != NewRuralLevel::NotYet).then_some(2018 + (index % 8) as i32)
            ),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&*tx)
        .await?;
        if is_special {
            special.push(row);
        }
    }

    let started = NaiveDate::from_ymd_opt(today.year() - 4, 1, 15).unwrap_or(today);
    for (index, place) in special.iter().enumerate() {
        for (enterprise_id, agency_id, kind) in [
            (
                Some(enterprises[index % enterprises.len()].id),
                None,
                TwinningKind::Twinned,
            ),
            (
                None,
                Some(agencies[index % agencies.len()].id),
                TwinningKind::InCharge,
            ),
        ] {
            twinning::ActiveModel {
                commune_id: Set(place.id),
                enterprise_id: Set(enterprise_id),
                agency_id: Set(agency_id),
                kind: Set(kind),
                started_on: Set(started),
                ended_on: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&*tx)
            .await?;
        }
    }

    let admin_row = admin.insert(&*tx).await?;
    official
        .with_agency(Some(agencies[0].id))
        .insert(&*tx)
        .await?;
    firm.with_enterprise(Some(enterprises[0].id))
        .insert(&*tx)
        .await?;
    insert_contributions(&*tx, &special, &enterprises, admin_row.id, today).await?;
    let firm_row = account::Entity::find()
        .filter(account::Column::Email.eq(FIRM_EMAIL))
        .one(&*tx)
        .await?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("bug: the demo firm account is missing"))
        })?;
    insert_dialogues(
        app,
        &*tx,
        &enterprises,
        &agencies,
        &special,
        admin_row.id,
        firm_row.id,
    )
    .await?;
    let mut tx = tx;
    tx.attribute_to(crate::audit::Actor {
        account_id: admin_row.id,
        role: Role::Admin,
    });
    tx.commit_without_subject().await?;
    Ok(sign_ins)
}

/// One contribution per special commune from its twinned enterprise, spread over
/// four years and summing to exactly 70.3 billion đồng: earlier years fulfilled,
/// the current year confirmed and partly disbursed.
async fn insert_contributions(
    db: &impl ConnectionTrait,
    communes: &[commune::Model],
    enterprises: &[enterprise::Model],
    recorded_by: i64,
    today: NaiveDate,
) -> Result<(), MutationError> {
    let weights: Vec<i64> = (0..communes.len() as i64)
        .map(|i| 10 + (i * 7) % 11)
        .collect();
    let weight_sum: i64 = weights.iter().sum();
    let mut remaining = CONTRIBUTIONS_TOTAL;
    let kinds = [
        ContributionKind::Cash,
        ContributionKind::Infrastructure,
        ContributionKind::SocialWelfare,
        ContributionKind::InKind,
    ];
    let purposes = [
        "Xây dựng nhà văn hóa thôn",
        "Bê tông hóa đường giao thông nông thôn",
        "Xây nhà đại đoàn kết cho hộ nghèo",
        "Trao học bổng cho học sinh nghèo vượt khó",
        "Cấp nước sinh hoạt tập trung",
    ];
    let now = Utc::now();
    for (index, place) in communes.iter().enumerate() {
        let amount = if index + 1 == communes.len() {
            remaining
        } else {
            // Whole millions, proportional to the weight.
            CONTRIBUTIONS_TOTAL * weights[index] / weight_sum / 1_000_000 * 1_000_000
        };
        remaining -= amount;
        let years_back = (index % 4) as i32;
        let pledged_on =
            NaiveDate::from_ymd_opt(today.year() - years_back, 3, 1 + (index % 28) as u32)
                .filter(|d| *d <= today)
                .unwrap_or(today - Duration::days(30));
        let current_year = years_back == 0;
        let disbursed = if current_year { amount / 2 } else { amount };
        let row = contribution::ActiveModel {
            commune_id: Set(place.id),
            enterprise_id: Set(Some(enterprises[index % enterprises.len()].id)),
            agency_id: Set(None),
            kind: Set(kinds[index % kinds.len()]),
            purpose: Set(format!(
                "{} ({})",
                purposes[index % purposes.len()],
                place.name
            )),
            pledged_amount: Set(amount),
            disbursed_amount: Set(disbursed),
            status: Set(if current_year {
                ContributionStatus::Confirmed
            } else {
                ContributionStatus::Fulfilled
            }),
            pledged_on: Set(pledged_on),
            due_on: Set(Some(pledged_on + Duration::days(270))),
            confirmed_at: Set(Some(now)),
            cancelled_at: Set(None),
            cancellation_reason: Set(None),
            idempotency_key: Set(None),
            created_by: Set(recorded_by),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        disbursement::ActiveModel {
            contribution_id: Set(row.id),
            amount: Set(disbursed),
            disbursed_on: Set((pledged_on + Duration::days(60)).min(today)),
            reference: Set(format!("BB-BG/{}-{:03}", pledged_on.year(), index + 1)),
            recorded_by: Set(recorded_by),
            recorded_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

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
async fn insert_dialogues(
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
            registered_count: Set(0),
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

/// A valid, distinct tax code for the n-th demo enterprise.
fn demo_tax_code(index: usize) -> String {
    (0..)
        .map(|step: usize| format!("28{:07}0", 1_000 + index * 37 + step))
        .map(|candidate| {
            // Try each check digit; exactly one can be valid for a given prefix.
            (0..10).find_map(|d| TaxCode::parse(&format!("{}{d}", &candidate[..9])).ok())
        })
        .find_map(|code| code.map(|c| c.to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tax_codes_are_valid_and_distinct() {
        let codes: std::collections::HashSet<String> =
            (0..ENTERPRISES.len()).map(demo_tax_code).collect();
        assert_eq!(codes.len(), ENTERPRISES.len());
        assert!(codes.iter().all(|c| TaxCode::parse(c).is_ok()));
    }

    #[test]
    fn there_are_enough_place_names() {
        assert!(PLACE_NAMES.len() >= SPECIAL_COMMUNES + OTHER_COMMUNES);
        let unique: std::collections::HashSet<&&str> = PLACE_NAMES.iter().collect();
        assert_eq!(unique.len(), PLACE_NAMES.len());
    }
}
