//! Demo data: synthetic, in plausible Vietnamese, for trying the API. It tells the
//! report's story truthfully: a province with 55 special communes among 100, 34 of
//! them at the new-rural standard or above; every special commune twinned with an
//! enterprise and an agency in charge; partners that *gave* the special communes
//! over 70.3 billion đồng in four years (71.48 billion disbursed of 79.46 billion
//! pledged, this year's pledges still being disbursed and some not yet confirmed);
//! four yearly dialogues held, each attended by enterprises, and one upcoming, with
//! 2,028 agenda items in all, the upcoming dialogue's in every state and one
//! overdue. Loading is idempotent: a second run finds the demo admin and stops. All
//! demo sign-ins end in `@demo.donghanh.vn`; production refuses to load them.

mod dialogues;
mod ledger;
mod registry;

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    app::AppState,
    audit::MutationTx,
    auth::{Role, entity as account, password::NewPassword, rules::NewAccount},
    error::{ApiError, MutationError},
    text::{Email, Name},
};

pub use dialogues::{AGENDA_ITEMS, DIALOGUES_HELD};
pub use ledger::{DISBURSED_TOTAL, PLEDGED_TOTAL};

pub const DEMO_PASSWORD: &str = "dong-hanh-demo-2026";
pub const ADMIN_EMAIL: &str = "quantri@demo.donghanh.vn";
pub const OFFICIAL_EMAIL: &str = "canbo@demo.donghanh.vn";
pub const FIRM_EMAIL: &str = "doanhnghiep@demo.donghanh.vn";

/// The programme's reported figures the demo reproduces.
pub const SPECIAL_COMMUNES: usize = 55;
pub const SPECIAL_AT_STANDARD: usize = 34;
pub const OTHER_COMMUNES: usize = 45;
/// The support the report says the partners gave: the demo disburses more.
pub const REPORTED_SUPPORT: i64 = 70_300_000_000;
const _: () = assert!(DISBURSED_TOTAL > REPORTED_SUPPORT && PLEDGED_TOTAL > DISBURSED_TOTAL);

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

    let registry::Registry {
        agencies,
        enterprises,
        special,
    } = registry::insert(&*tx, now, today).await?;

    let admin_row = admin.insert(&*tx).await?;
    official
        .with_agency(Some(agencies[0].id))
        .insert(&*tx)
        .await?;
    firm.with_enterprise(Some(enterprises[0].id))
        .insert(&*tx)
        .await?;
    ledger::insert_contributions(&*tx, &special, &enterprises, &agencies, admin_row.id, today)
        .await?;
    let firm_row = account::Entity::find()
        .filter(account::Column::Email.eq(FIRM_EMAIL))
        .one(&*tx)
        .await?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("bug: the demo firm account is missing"))
        })?;
    dialogues::insert_dialogues(
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
