//! `programmeReport` on the demo data: every figure equals what the test computes
//! itself from the raw rows (read with plain SQL, counted and summed in Rust with
//! its own calendar arithmetic), for the whole four years and for a period that
//! cuts through them.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc, Weekday};
use sea_orm::{ConnectionTrait, QueryResult, Statement};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

const REPORT: &str = "query($from: Date!, $to: Date!) { programmeReport(from: $from, to: $to) {
  from to
  communes { specialCommunes atNewRuralStandard twinnedAtEnd byNewRuralLevel { level communes recognisedInPeriod } }
  twinnings { started byEnterprises byAgencies }
  contributions {
    total { pledges pledged confirmed disbursed }
    byYear { year figures { pledges pledged confirmed disbursed } }
    byContributorKind { kind figures { pledges pledged confirmed disbursed } }
  }
  dialogues { held enterprisesAttending attendees }
  agendaItems { raised answered answeredOnTime onTimeRate resolved averageWorkingDaysToAnswer
    byChannel { channel items } byCategory { category items } feedbackGiven satisfied satisfactionRate }
} }";

/// The demo under a fixed business clock.
pub async fn demo_app() -> TestApp {
    let app = spawn_app_with(|s| s.now = "2026-11-26T03:00:00Z".parse().ok()).await;
    donghanh::demo::load(&app.state).await.expect("demo loads");
    app
}

async fn rows(app: &TestApp, sql: &str) -> Vec<QueryResult> {
    app.state
        .db
        .read
        .query_all_raw(Statement::from_string(app.state.db.backend(), sql))
        .await
        .expect("the arrangement's SQL runs")
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> T {
    row.try_get("", column)
        .unwrap_or_else(|e| panic!("{column}: {e}"))
}

/// The day of an instant in Hà Nội (UTC+7, no daylight saving).
fn local(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&FixedOffset::east_opt(7 * 3600).expect("an offset"))
        .date_naive()
}

/// Weekdays after `start` up to and including `end`.
fn weekdays_between(start: NaiveDate, end: NaiveDate) -> i64 {
    let mut n = 0;
    let mut day = start;
    while day < end {
        day = day.succ_opt().expect("a next day");
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
    }
    n
}

fn rate(part: i64, whole: i64) -> Value {
    if whole == 0 {
        Value::Null
    } else {
        json!(part as f64 / whole as f64)
    }
}

/// The report, as the test computes it from the rows.
async fn expected(app: &TestApp, from: NaiveDate, to: NaiveDate) -> Value {
    let within = |day: NaiveDate| from <= day && day <= to;
    let years: Vec<i32> = (from.year()..=to.year()).collect();

    // Communes.
    let communes = rows(
        app,
        "SELECT id, special, new_rural_level, new_rural_year FROM communes",
    )
    .await;
    let special: Vec<&QueryResult> = communes
        .iter()
        .filter(|r| get::<bool>(r, "special"))
        .collect();
    let levels = ["NOT_YET", "STANDARD", "ADVANCED", "MODEL"];
    let by_level: Vec<Value> = levels
        .iter()
        .map(|level| {
            let at: Vec<_> = special
                .iter()
                .filter(|r| get::<String>(r, "new_rural_level") == *level)
                .collect();
            let recognised = at
                .iter()
                .filter(|r| {
                    get::<Option<i32>>(r, "new_rural_year").is_some_and(|y| years.contains(&y))
                })
                .count();
            json!({ "level": level, "communes": at.len(), "recognisedInPeriod": recognised })
        })
        .collect();
    let at_standard = special
        .iter()
        .filter(|r| get::<String>(r, "new_rural_level") != "NOT_YET")
        .count();
    let twinnings = rows(
        app,
        "SELECT commune_id, kind, started_on, ended_on FROM twinnings",
    )
    .await;
    let special_ids: HashSet<i64> = special.iter().map(|r| get::<i64>(r, "id")).collect();
    let twinned_at_end: HashSet<i64> = twinnings
        .iter()
        .filter(|t| {
            get::<NaiveDate>(t, "started_on") <= to
                && get::<Option<NaiveDate>>(t, "ended_on").is_none_or(|e| e >= to)
        })
        .map(|t| get::<i64>(t, "commune_id"))
        .filter(|id| special_ids.contains(id))
        .collect();
    let started: Vec<_> = twinnings
        .iter()
        .filter(|t| within(get(t, "started_on")))
        .collect();
    let started_by = |kind: &str| {
        started
            .iter()
            .filter(|t| get::<String>(t, "kind") == kind)
            .count()
    };

    // The ledger.
    #[derive(Default, Clone, Copy)]
    struct Figures {
        pledges: i64,
        pledged: i128,
        confirmed: i128,
        disbursed: i128,
    }
    let as_json = |f: Figures| json!({ "pledges": f.pledges, "pledged": f.pledged.to_string(), "confirmed": f.confirmed.to_string(), "disbursed": f.disbursed.to_string() });
    let contributions = rows(
        app,
        "SELECT id, enterprise_id, status, pledged_amount, pledged_on FROM contributions",
    )
    .await;
    let kind_of: HashMap<i64, &str> = contributions
        .iter()
        .map(|c| {
            (
                get::<i64>(c, "id"),
                if get::<Option<i64>>(c, "enterprise_id").is_some() {
                    "ENTERPRISE"
                } else {
                    "AGENCY"
                },
            )
        })
        .collect();
    let mut by_year: BTreeMap<i32, Figures> =
        years.iter().map(|y| (*y, Figures::default())).collect();
    let mut by_kind: BTreeMap<&str, Figures> = [
        ("ENTERPRISE", Figures::default()),
        ("AGENCY", Figures::default()),
    ]
    .into();
    let mut total = Figures::default();
    for c in &contributions {
        let status: String = get(c, "status");
        let day: NaiveDate = get(c, "pledged_on");
        if status == "CANCELLED" || !within(day) {
            continue;
        }
        let amount = i128::from(get::<i64>(c, "pledged_amount"));
        let confirmed = if status == "CONFIRMED" || status == "FULFILLED" {
            amount
        } else {
            0
        };
        for figures in [
            by_year.get_mut(&day.year()).expect("a year"),
            by_kind
                .get_mut(kind_of[&get::<i64>(c, "id")])
                .expect("a kind"),
            &mut total,
        ] {
            figures.pledges += 1;
            figures.pledged += amount;
            figures.confirmed += confirmed;
        }
    }
    for d in rows(
        app,
        "SELECT contribution_id, amount, disbursed_on FROM disbursements",
    )
    .await
    {
        let day: NaiveDate = get(&d, "disbursed_on");
        if !within(day) {
            continue;
        }
        let amount = i128::from(get::<i64>(&d, "amount"));
        for figures in [
            by_year.get_mut(&day.year()).expect("a year"),
            by_kind
                .get_mut(kind_of[&get::<i64>(&d, "contribution_id")])
                .expect("a kind"),
            &mut total,
        ] {
            figures.disbursed += amount;
        }
    }

    // Dialogues.
    let held: HashSet<i64> = rows(app, "SELECT id, status, starts_at FROM dialogues")
        .await
        .iter()
        .filter(|d| get::<String>(d, "status") == "HELD" && within(local(get(d, "starts_at"))))
        .map(|d| get::<i64>(d, "id"))
        .collect();
    let registrations: Vec<_> = rows(
        app,
        "SELECT dialogue_id, enterprise_id, attendees FROM dialogue_registrations",
    )
    .await
    .into_iter()
    .filter(|r| held.contains(&get::<i64>(r, "dialogue_id")))
    .collect();
    let attending: HashSet<i64> = registrations
        .iter()
        .map(|r| get::<i64>(r, "enterprise_id"))
        .collect();
    let attendees: i64 = registrations
        .iter()
        .map(|r| i64::from(get::<i32>(r, "attendees")))
        .sum();

    // Agenda items.
    let items = rows(app, "SELECT id, channel, category, submitted_at, assigned_at, feedback_at, feedback_satisfied FROM agenda_items").await;
    let raised: Vec<_> = items
        .iter()
        .filter(|i| within(local(get(i, "submitted_at"))))
        .collect();
    let assigned_on: HashMap<i64, Option<DateTime<Utc>>> = items
        .iter()
        .map(|i| (get::<i64>(i, "id"), get(i, "assigned_at")))
        .collect();
    let answers: Vec<_> = rows(
        app,
        "SELECT agenda_item_id, answered_at, on_time FROM agenda_answers",
    )
    .await
    .into_iter()
    .filter(|a| within(local(get(a, "answered_at"))))
    .collect();
    let answered: HashSet<i64> = answers
        .iter()
        .map(|a| get::<i64>(a, "agenda_item_id"))
        .collect();
    let on_time: HashSet<i64> = answers
        .iter()
        .filter(|a| get::<bool>(a, "on_time"))
        .map(|a| get::<i64>(a, "agenda_item_id"))
        .collect();
    let waits: Vec<i64> = answers
        .iter()
        .filter_map(|a| {
            let assigned = assigned_on[&get::<i64>(a, "agenda_item_id")]?;
            Some(weekdays_between(
                local(assigned),
                local(get(a, "answered_at")),
            ))
        })
        .collect();
    let resolved: HashSet<i64> = rows(
        app,
        "SELECT agenda_item_id, to_status, at FROM agenda_item_events",
    )
    .await
    .iter()
    .filter(|e| get::<String>(e, "to_status") == "RESOLVED" && within(local(get(e, "at"))))
    .map(|e| get::<i64>(e, "agenda_item_id"))
    .collect();
    let verdicts: Vec<_> = items
        .iter()
        .filter(|i| {
            get::<Option<DateTime<Utc>>>(i, "feedback_at").is_some_and(|at| within(local(at)))
        })
        .collect();
    let satisfied = verdicts
        .iter()
        .filter(|i| get::<Option<bool>>(i, "feedback_satisfied") == Some(true))
        .count() as i64;
    let count_by = |column: &str, values: &[&str], name: &str| -> Vec<Value> {
        values
            .iter()
            .map(|v| json!({ name: v, "items": raised.iter().filter(|i| get::<String>(i, column) == *v).count() }))
            .collect()
    };

    json!({
        "from": from.to_string(), "to": to.to_string(),
        "communes": { "specialCommunes": special.len(), "atNewRuralStandard": at_standard, "twinnedAtEnd": twinned_at_end.len(), "byNewRuralLevel": by_level },
        "twinnings": { "started": started.len(), "byEnterprises": started_by("TWINNED"), "byAgencies": started_by("IN_CHARGE") },
        "contributions": {
            "total": as_json(total),
            "byYear": by_year.iter().map(|(y, f)| json!({ "year": y, "figures": as_json(*f) })).collect::<Vec<_>>(),
            "byContributorKind": by_kind.iter().rev().map(|(k, f)| json!({ "kind": k, "figures": as_json(*f) })).collect::<Vec<_>>(),
        },
        "dialogues": { "held": held.len(), "enterprisesAttending": attending.len(), "attendees": attendees },
        "agendaItems": {
            "raised": raised.len(), "answered": answered.len(), "answeredOnTime": on_time.len(),
            "onTimeRate": rate(on_time.len() as i64, answered.len() as i64),
            "resolved": resolved.len(),
            "averageWorkingDaysToAnswer": rate(waits.iter().sum(), waits.len() as i64),
            "byChannel": count_by("channel", &["DIALOGUE", "HOTLINE", "WRITTEN", "CITIZEN_RECEPTION"], "channel"),
            "byCategory": count_by("category", &["LAND", "TAX", "INVESTMENT", "CONSTRUCTION", "ENVIRONMENT", "LABOUR", "CREDIT", "INFRASTRUCTURE", "ADMINISTRATIVE_PROCEDURE", "OTHER"], "category"),
            "feedbackGiven": verdicts.len(), "satisfied": satisfied, "satisfactionRate": rate(satisfied, verdicts.len() as i64),
        },
    })
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a test date")
}

#[tokio::test]
async fn every_figure_of_the_report_matches_the_rows() {
    let app = demo_app().await;
    for (from, to) in [("2022-01-01", "2026-11-26"), ("2024-06-01", "2025-12-31")] {
        let body = app
            .graphql(None, REPORT, json!({ "from": from, "to": to }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(
            body["data"]["programmeReport"],
            expected(&app, day(from), day(to)).await,
            "{from}..{to}"
        );
    }
}

#[tokio::test]
async fn the_four_years_show_what_the_province_reported() {
    let app = demo_app().await;
    let body = app
        .graphql(
            None,
            REPORT,
            json!({ "from": "2023-01-01", "to": "2026-12-31" }),
        )
        .await;
    let report = &body["data"]["programmeReport"];
    assert_eq!(report["communes"]["specialCommunes"], json!(55), "{body}");
    assert_eq!(report["communes"]["atNewRuralStandard"], json!(34));
    assert_eq!(
        report["contributions"]["total"]["disbursed"],
        json!("71480000000")
    );
    assert_eq!(
        report["contributions"]["total"]["pledged"],
        json!("79460000000")
    );
    assert_eq!(report["dialogues"]["held"], json!(3), "{body}");
}

#[tokio::test]
async fn a_backward_or_endless_period_is_refused() {
    let app = demo_app().await;
    for (from, to) in [("2026-02-01", "2026-01-31"), ("1900-01-01", "2026-01-01")] {
        let body = app
            .graphql(None, REPORT, json!({ "from": from, "to": to }))
            .await;
        assert_eq!(
            crate::helpers::error_code(&body),
            "BAD_USER_INPUT",
            "{body}"
        );
    }
}
