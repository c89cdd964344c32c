//! Notifications (issue 13): who is told what, in-app and by e-mail to a real SMTP
//! server (`smtp_sink`), what a confidential item never reveals, unsubscribing,
//! delivery through an SMTP outage, giving up and retrying, the daily digest, and
//! several instances sending each e-mail once.

use std::time::Duration;

use donghanh::config::Settings;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::{
    dialogues::{SCHEDULE, dialogue_input},
    helpers::{
        Member, TestApp, fresh_database, post_graphql, require_postgres, spawn_app_with,
        spawn_binary, spawn_on,
    },
    registry,
    smtp_sink::{Mail, SmtpSink},
    ws::{connect, init, next_json, settle, subscribe},
};

/// Thursday 26 November 2026, 10:00 in Hà Nội.
const NOW: &str = "2026-11-26T03:00:00Z";
const PUBLIC_URL: &str = "https://donghanh.example.vn";
const PROGRAMME: &str = "Đồng Hành — Chương trình đồng hành cùng doanh nghiệp";
const ITEM_TITLE: &str = "Chậm hoàn thuế giá trị gia tăng";
const DIALOGUE_TITLE: &str = "Hội nghị đối thoại doanh nghiệp quý IV";
/// The name `TestApp::firm` gives every enterprise.
const FIRM_NAME: &str = "Hòa Bình";

fn with_smtp(settings: &mut Settings, sink: &SmtpSink) {
    settings.smtp_url = Some(SecretString::from(sink.url()));
    settings.public_url = PUBLIC_URL.into();
    settings.now = NOW.parse().ok();
    settings.notifications.poll_interval = Duration::from_secs(1);
    settings.notifications.retry_base = Duration::from_secs(1);
    settings.notifications.retry_max = Duration::from_secs(2);
}

/// A server mailing through `sink` (configured further by `configure`), with an
/// official and a verified firm twinned with a commune.
struct Mailing {
    app: TestApp,
    admin: Member,
    official: Member,
    firm: Member,
    commune: String,
}

async fn mailing(sink: &SmtpSink, configure: impl FnOnce(&mut Settings)) -> Mailing {
    let app = spawn_app_with(|s| {
        with_smtp(s, sink);
        configure(s);
    })
    .await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.verified_firm(&official).await;
    let commune = twinned_commune(&app, &official, &[&firm]).await;
    Mailing {
        app,
        admin,
        official,
        firm,
        commune,
    }
}

/// A commune twinned with each of the firms; dialogues about it invite them.
async fn twinned_commune(app: &TestApp, official: &Member, firms: &[&Member]) -> String {
    let code = format!("9{:04}", rand_code());
    let commune = registry::commune(app, &official.token, &code, "Xã Đồng Tâm").await;
    for firm in firms {
        let partner = firm.enterprise_id.clone().unwrap_or_default();
        registry::twinning(app, &official.token, &commune, &partner, "2026-01-01").await;
    }
    commune
}

fn rand_code() -> u32 {
    uuid::Uuid::new_v4().as_u128() as u32 % 10_000
}

fn dialogue_about(venue: &str, commune: &str) -> Value {
    let mut input = dialogue_input(venue, "2026-12-10T01:00:00Z", "2026-12-10T04:00:00Z", None);
    input["input"]["communeIds"] = json!([commune]);
    input
}

async fn schedule(app: &TestApp, official: &Member, venue: &str, commune: &str) -> String {
    let body = app
        .graphql(
            Some(&official.token),
            SCHEDULE,
            dialogue_about(venue, commune),
        )
        .await;
    body["data"]["scheduleDialogue"]["dialogue"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn submit(app: &TestApp, firm: &Member, title: &str, extra: Value) -> String {
    let mut input = json!({ "title": title, "body": "Hồ sơ hoàn thuế nộp từ tháng 8 chưa được giải quyết.", "category": "TAX" });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    let body = app
        .graphql(
            Some(&firm.token),
            "mutation($input: SubmitAgendaItemInput!) { submitAgendaItem(input: $input) { agendaItem { id } userErrors { message } } }",
            json!({ "input": input }),
        )
        .await;
    body["data"]["submitAgendaItem"]["agendaItem"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

const MINE: &str = "query($filter: NotificationFilter) { viewer { unreadNotificationCount
  notifications(first: 20, filter: $filter) { totalCount nodes { id kind title body read subjectId delivery { status attempts lastError } } } } }";

async fn mine(app: &TestApp, member: &Member, filter: Value) -> Value {
    let body = app
        .graphql(Some(&member.token), MINE, json!({ "filter": filter }))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["viewer"].clone()
}

fn kinds(viewer: &Value) -> Vec<String> {
    viewer["notifications"]["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .map(|n| n["kind"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Polls (with a deadline) until every e-mail of the member's notifications is in `status`.
async fn wait_for_deliveries(app: &TestApp, member: &Member, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let viewer = mine(app, member, Value::Null).await;
        let nodes = viewer["notifications"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if nodes
            .iter()
            .filter(|n| !n["delivery"].is_null())
            .all(|n| n["delivery"]["status"] == json!(status))
        {
            return viewer;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still waiting: {viewer}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn subjects(mails: &[Mail]) -> Vec<String> {
    mails.iter().map(Mail::subject).collect()
}

#[tokio::test]
async fn the_whole_flow_tells_the_right_people_by_email_and_in_app() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(|s| with_smtp(s, &sink)).await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let agency = app.agency(&admin, "Sở Tài nguyên và Môi trường").await;
    let answerer = app.official_of(&admin, &agency).await;
    let firm = app.verified_firm(&official).await;
    let commune = twinned_commune(&app, &official, &[&firm]).await;

    // Act: a dialogue, and a confidential item through its whole lifecycle.
    let dialogue = schedule(&app, &official, "Hội trường A", &commune).await;
    app.mutate(
        &firm.token,
        "registerForDialogue",
        json!({ "dialogueId": dialogue, "attendees": 2 }),
    )
    .await;
    let item = submit(
        &app,
        &firm,
        ITEM_TITLE,
        json!({ "dialogueId": dialogue, "confidential": true }),
    )
    .await;
    app.mutate(
        &official.token,
        "acceptAgendaItem",
        json!({ "agendaItemId": item, "dialogueId": dialogue }),
    )
    .await;
    app.mutate(
        &official.token,
        "assignAgendaItem",
        json!({ "agendaItemId": item, "agencyId": agency }),
    )
    .await;
    app.mutate(
        &answerer.token,
        "answerAgendaItem",
        json!({ "agendaItemId": item, "body": "Cục Thuế sẽ hoàn trong 5 ngày làm việc." }),
    )
    .await;
    app.mutate(&firm.token, "giveFeedback", json!({ "agendaItemId": item, "satisfied": false, "comment": "Vẫn chưa nhận được tiền hoàn." })).await;
    app.mutate(
        &answerer.token,
        "answerAgendaItem",
        json!({ "agendaItemId": item, "body": "Đã hoàn thuế ngày 30/11." }),
    )
    .await;
    app.mutate(
        &official.token,
        "resolveAgendaItem",
        json!({ "agendaItemId": item, "note": "Đã xong." }),
    )
    .await;
    app.mutate(
        &official.token,
        "updateDialogue",
        json!({ "dialogueId": dialogue, "venue": "Hội trường B" }),
    )
    .await;

    // Assert: the e-mails, each to its recipient.
    let all = sink.wait_for(8).await;
    assert_eq!(all.len(), 8, "{:#?}", subjects(&all));
    let to_firm = sink.to(&firm.email);
    assert_eq!(
        subjects(&to_firm),
        [
            format!("Lịch đối thoại mới: {DIALOGUE_TITLE}"),
            format!("Kiến nghị đã được tiếp nhận: {ITEM_TITLE}"),
            format!("Kiến nghị đã được trả lời: {ITEM_TITLE}"),
            format!("Kiến nghị đã được trả lời: {ITEM_TITLE}"),
            format!("Kiến nghị đã được giải quyết: {ITEM_TITLE}"),
            format!("Thay đổi thông tin buổi đối thoại: {DIALOGUE_TITLE}"),
        ]
    );
    let to_agency = sink.to(&answerer.email);
    assert_eq!(
        subjects(&to_agency),
        [
            format!("Kiến nghị được giao cho Sở Tài nguyên và Môi trường: {ITEM_TITLE}"),
            format!("Doanh nghiệp chưa hài lòng với câu trả lời: {ITEM_TITLE}"),
        ]
    );
    for mail in &all {
        assert_eq!(mail.to.len(), 1);
        assert!(
            mail.to[0] == firm.email || mail.to[0] == answerer.email,
            "{:?}",
            mail.to
        );
    }
    // The agency's e-mail, whole: Vietnamese, the programme's name, the link back,
    // and no word of who submitted the confidential item.
    let assigned = to_agency[0].part("text/plain");
    let (text, unsubscribe) = assigned
        .split_once("\n\nKhông muốn nhận thư về kiến nghị nữa? Hủy đăng ký: ")
        .unwrap_or_else(|| panic!("{assigned}"));
    assert_eq!(
        text,
        format!(
            "Kiến nghị «{ITEM_TITLE}» (kiến nghị bảo mật) đã được giao cho Sở Tài nguyên và Môi trường trả lời, hạn trả lời ngày 17/12/2026.\n\nXem chi tiết: {PUBLIC_URL}/dashboard\n\n{PROGRAMME}"
        )
    );
    assert!(unsubscribe.starts_with(&format!("{PUBLIC_URL}/notifications/unsubscribe?token=")));
    for mail in &to_agency {
        for part in [
            mail.part("text/plain"),
            mail.part("text/html"),
            mail.subject(),
        ] {
            assert!(
                !part.contains(FIRM_NAME),
                "the confidential submitter leaked: {part}"
            );
        }
    }
    let answered = to_firm[2].part("text/plain");
    assert!(
        answered.starts_with(&format!("Sở Tài nguyên và Môi trường đã trả lời kiến nghị «{ITEM_TITLE}» của doanh nghiệp bạn.\n\nXin doanh nghiệp cho biết câu trả lời đã giải quyết được vướng mắc hay chưa.\n\nNội dung trả lời: Cục Thuế sẽ hoàn trong 5 ngày làm việc.\n\nXem chi tiết: {PUBLIC_URL}/dashboard")),
        "{answered}"
    );
    assert!(
        to_firm[2]
            .part("text/html")
            .contains("<p>Nội dung trả lời: Cục Thuế sẽ hoàn trong 5 ngày làm việc.</p>")
    );
    let last = &to_firm[5];
    assert!(
        last.header("From")
            .unwrap_or_default()
            .contains("<khong-tra-loi@donghanh.local>")
    );
    assert_eq!(last.header("To"), Some(firm.email.clone()));
    assert_eq!(
        last.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let list_unsubscribe = last.header("List-Unsubscribe").unwrap_or_default();
    assert!(
        list_unsubscribe.starts_with(&format!("<{PUBLIC_URL}/notifications/unsubscribe?token="))
    );

    // In-app: the firm's six, newest first, all sent once; the agency's two; nobody else's.
    let firm_view = wait_for_deliveries(&app, &firm, "SENT").await;
    assert_eq!(firm_view["unreadNotificationCount"], json!(6));
    assert_eq!(
        kinds(&firm_view),
        [
            "DIALOGUE_CHANGED",
            "ITEM_RESOLVED",
            "ITEM_ANSWERED",
            "ITEM_ANSWERED",
            "ITEM_ACCEPTED",
            "DIALOGUE_SCHEDULED"
        ]
    );
    let nodes = firm_view["notifications"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        nodes
            .iter()
            .all(|n| n["delivery"]["attempts"] == json!(1) && n["read"] == json!(false))
    );
    assert_eq!(nodes[1]["subjectId"], json!(item));
    assert_eq!(
        kinds(&mine(&app, &answerer, Value::Null).await),
        ["FEEDBACK_GIVEN", "ITEM_ASSIGNED"]
    );
    assert_eq!(
        mine(&app, &official, Value::Null).await["notifications"]["totalCount"],
        json!(0)
    );

    // Marking read: unread first, the filter, and only one's own.
    let newest = nodes[0]["id"].as_str().unwrap_or_default().to_owned();
    app.mutate(
        &firm.token,
        "markNotificationsRead",
        json!({ "ids": [newest] }),
    )
    .await;
    let after = mine(&app, &firm, Value::Null).await;
    assert_eq!(after["unreadNotificationCount"], json!(5));
    assert_eq!(
        kinds(&after),
        [
            "ITEM_RESOLVED",
            "ITEM_ANSWERED",
            "ITEM_ANSWERED",
            "ITEM_ACCEPTED",
            "DIALOGUE_SCHEDULED",
            "DIALOGUE_CHANGED"
        ]
    );
    assert_eq!(
        kinds(&mine(&app, &firm, json!({ "read": true })).await),
        ["DIALOGUE_CHANGED"]
    );
    assert_eq!(
        mine(&app, &firm, json!({ "read": false })).await["notifications"]["totalCount"],
        json!(5)
    );
    let theirs = app
        .graphql(
            Some(&answerer.token),
            "mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) { notifications { id } userErrors { field code } } }",
            json!({ "input": { "ids": [nodes[1]["id"]] } }),
        )
        .await;
    assert_eq!(
        theirs["data"]["markNotificationsRead"],
        json!({ "notifications": null, "userErrors": [{ "field": ["input", "ids"], "code": "NOT_FOUND" }] })
    );

    // One-click unsubscribe (RFC 8058), no sign-in: dialogue e-mail stops, in-app stays.
    let path = list_unsubscribe
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_start_matches(PUBLIC_URL)
        .to_owned();
    // Following the link (as a person, or a mail scanner) only asks.
    let asked = reqwest::get(app.url(&path)).await.expect("answered");
    assert_eq!(asked.status().as_u16(), 200);
    let policy = asked.headers()["content-security-policy"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(policy.contains("form-action 'self'"), "{policy}");
    let page = asked.text().await.expect("a page");
    assert!(page.contains("<form method=\"post\""), "{page}");
    let untouched = app
        .graphql(
            Some(&firm.token),
            "{ viewer { notificationPreferences { category email } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        untouched["data"]["viewer"]["notificationPreferences"][1],
        json!({ "category": "DIALOGUE", "email": true })
    );
    let response = reqwest::Client::new()
        .post(app.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("unsubscribed");
    assert_eq!(response.status().as_u16(), 200);
    let forged = reqwest::get(app.url("/notifications/unsubscribe?token=forged.token"))
        .await
        .expect("answered");
    assert_eq!(forged.status().as_u16(), 400);
    let preferences = app
        .graphql(
            Some(&firm.token),
            "{ viewer { notificationPreferences { category email } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        preferences["data"]["viewer"]["notificationPreferences"],
        json!([{ "category": "AGENDA", "email": true }, { "category": "DIALOGUE", "email": false }, { "category": "DIGEST", "email": true }])
    );
    app.mutate(
        &official.token,
        "cancelDialogue",
        json!({ "dialogueId": dialogue, "reason": "Trùng lịch họp của tỉnh." }),
    )
    .await;
    let other = submit(&app, &firm, "Thủ tục đất đai", json!({})).await;
    app.mutate(
        &official.token,
        "rejectAgendaItem",
        json!({ "agendaItemId": other, "reason": "Không thuộc thẩm quyền." }),
    )
    .await;
    sink.wait_for(9).await;
    assert_eq!(
        subjects(&sink.to(&firm.email))[6..],
        ["Kiến nghị không được tiếp nhận: Thủ tục đất đai".to_owned()]
    );
    let cancelled = mine(&app, &firm, json!({ "read": false })).await;
    assert_eq!(
        kinds(&cancelled)[..2],
        ["ITEM_REJECTED", "DIALOGUE_CANCELLED"]
    );
    assert_eq!(
        cancelled["notifications"]["nodes"][1]["delivery"],
        Value::Null
    );
}

#[tokio::test]
async fn notification_received_follows_the_signed_in_viewer_only() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(|s| with_smtp(s, &sink)).await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let first = app.verified_firm(&official).await;
    let second = app.verified_firm(&official).await;
    let commune = twinned_commune(&app, &official, &[&first, &second]).await;
    let mut socket = connect(&app).await;
    init(
        &mut socket,
        Some(json!({ "Authorization": format!("Bearer {}", second.token) })),
    )
    .await;
    subscribe(
        &mut socket,
        "1",
        "subscription { notificationReceived { kind title read } }",
        json!({}),
    )
    .await;
    settle(&mut socket).await;

    // The first firm's rejection is not the second's business; the dialogue is.
    let item = submit(&app, &first, "Thủ tục đất đai", json!({})).await;
    app.mutate(
        &official.token,
        "rejectAgendaItem",
        json!({ "agendaItemId": item, "reason": "Không thuộc thẩm quyền." }),
    )
    .await;
    schedule(&app, &official, "Hội trường C", &commune).await;

    let message = next_json(&mut socket).await;
    assert_eq!(
        message["payload"]["data"]["notificationReceived"],
        json!({ "kind": "DIALOGUE_SCHEDULED", "title": format!("Lịch đối thoại mới: {DIALOGUE_TITLE}"), "read": false })
    );
}

#[tokio::test]
async fn nothing_is_lost_while_the_smtp_server_is_down() {
    let mut sink = SmtpSink::start().await;
    let Mailing {
        app,
        official,
        firm,
        commune,
        ..
    } = mailing(&sink, |s| s.notifications.max_attempts = 100).await;
    sink.stop();

    schedule(&app, &official, "Hội trường A", &commune).await;
    schedule(&app, &official, "Hội trường B", &commune).await;

    // Attempts fail and are scheduled again, with the error kept.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let viewer = mine(&app, &firm, Value::Null).await;
        let nodes = viewer["notifications"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if nodes.len() == 2
            && nodes.iter().all(|n| {
                n["delivery"]["status"] == json!("QUEUED")
                    && n["delivery"]["attempts"].as_i64().unwrap_or(0) >= 2
            })
        {
            assert_eq!(
                nodes[0]["delivery"]["lastError"],
                json!("SMTP server unreachable or the conversation failed")
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{viewer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sink.messages().is_empty());

    sink.restart().await;
    let delivered = sink.wait_for(2).await;
    assert_eq!(
        subjects(&delivered),
        [
            format!("Lịch đối thoại mới: {DIALOGUE_TITLE}"),
            format!("Lịch đối thoại mới: {DIALOGUE_TITLE}")
        ]
    );
    wait_for_deliveries(&app, &firm, "SENT").await;
    assert_eq!(sink.messages().len(), 2);
}

#[tokio::test]
async fn failed_deliveries_are_kept_for_admins_to_retry() {
    let mut sink = SmtpSink::start().await;
    let Mailing {
        app,
        admin,
        official,
        firm,
        commune,
    } = mailing(&sink, |s| s.notifications.max_attempts = 2).await;
    sink.stop();
    schedule(&app, &official, "Hội trường A", &commune).await;
    wait_for_deliveries(&app, &firm, "FAILED").await;

    const FAILED: &str = "{ failedNotificationDeliveries(first: 10) { totalCount nodes { id kind delivery { status recipient attempts lastError } } } }";
    let listed = app.graphql(Some(&admin.token), FAILED, json!({})).await;
    let failed = &listed["data"]["failedNotificationDeliveries"];
    assert_eq!(failed["totalCount"], json!(1), "{listed}");
    assert_eq!(
        failed["nodes"][0]["delivery"],
        json!({ "status": "FAILED", "recipient": firm.email, "attempts": 2, "lastError": "SMTP server unreachable or the conversation failed" })
    );
    let refused = app.graphql(Some(&official.token), FAILED, json!({})).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        json!("FORBIDDEN")
    );
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .unwrap_or_default();
    assert!(
        metrics.contains("donghanh_notification_emails{status=\"failed\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("donghanh_notification_attempts_total{outcome=\"failed\"} 1"),
        "{metrics}"
    );

    sink.restart().await;
    let id = failed["nodes"][0]["id"].clone();
    app.mutate(
        &admin.token,
        "retryNotificationDeliveries",
        json!({ "ids": [id] }),
    )
    .await;
    sink.wait_for(1).await;
    wait_for_deliveries(&app, &firm, "SENT").await;
    let listed = app.graphql(Some(&admin.token), FAILED, json!({})).await;
    assert_eq!(
        listed["data"]["failedNotificationDeliveries"]["totalCount"],
        json!(0)
    );
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .unwrap_or_default();
    assert!(
        metrics.contains("donghanh_notification_emails{status=\"sent\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("donghanh_notification_emails{status=\"queued\"} 0"),
        "{metrics}"
    );
}

/// Friday 4 December 2026: 07:00 in Hà Nội, before the digest's hour, then 09:00.
const FRIDAY_EARLY: &str = "2026-12-04T00:00:00Z";
const FRIDAY_NINE: &str = "2026-12-04T02:00:00Z";

#[tokio::test]
async fn the_daily_digest_lists_exactly_the_due_and_overdue_items() {
    let sink = SmtpSink::start().await;
    let database = fresh_database().await;
    let early = spawn_on(database.clone(), |s| {
        with_smtp(s, &sink);
        s.now = FRIDAY_EARLY.parse().ok();
    })
    .await;
    let admin = early.admin().await;
    let official = early.official(&admin).await;
    let agency = early.agency(&admin, "Sở Xây dựng").await;
    let answerer = early.official_of(&admin, &agency).await;
    let other_agency = early.agency(&admin, "Sở Công Thương").await;
    let firm = early.verified_firm(&official).await;
    let assign = |title: &'static str, agency: String, due: &'static str| {
        let (early, firm, official) = (&early, &firm, &official);
        async move {
            let item = submit(early, firm, title, json!({ "confidential": true })).await;
            early
                .mutate(
                    &official.token,
                    "assignAgendaItem",
                    json!({ "agendaItemId": item, "agencyId": agency, "responseDueOn": due }),
                )
                .await;
            item
        }
    };
    let overdue = assign("Quá hạn: giấy phép xây dựng", agency.clone(), "2026-12-04").await;
    assign("Đến hạn hôm nay: cấp điện", agency.clone(), "2026-12-04").await;
    assign("Đến hạn thứ Tư: đường nội bộ", agency.clone(), "2026-12-09").await;
    assign("Còn xa: quy hoạch", agency.clone(), "2026-12-10").await;
    assign("Của sở khác", other_agency.clone(), "2026-12-04").await;
    let answered = assign("Đã trả lời", agency.clone(), "2026-12-04").await;
    early
        .mutate(
            &answerer.token,
            "answerAgendaItem",
            json!({ "agendaItemId": answered, "body": "Đã xử lý." }),
        )
        .await;
    // An item assigned days ago and not answered.
    let overdue_key = donghanh::graphql::ids::decode(&overdue)
        .map(|(_, key)| key)
        .unwrap_or_default();
    early
        .execute_sql(&format!(
            "UPDATE agenda_items SET response_due_on = '2026-12-01' WHERE id = {overdue_key}"
        ))
        .await;
    let before = sink.messages().len();

    // 09:00: an instance's scheduler sends the digest.
    let nine = spawn_on(database, |s| {
        with_smtp(s, &sink);
        s.now = FRIDAY_NINE.parse().ok();
    })
    .await;
    let digests: Vec<Mail> = loop {
        let found: Vec<Mail> = sink
            .to(&answerer.email)
            .into_iter()
            .filter(|mail| mail.subject().starts_with("Kiến nghị quá hạn"))
            .collect();
        if !found.is_empty() {
            break found;
        }
        sink.wait_for(sink.messages().len().max(before) + 1).await;
    };
    assert_eq!(digests.len(), 1);
    let digest = &digests[0];
    assert_eq!(
        digest.subject(),
        "Kiến nghị quá hạn và sắp đến hạn ngày 04/12/2026"
    );
    let text = digest.part("text/plain");
    let (text, _) = text
        .split_once("\n\nKhông muốn nhận thư")
        .unwrap_or_default();
    assert_eq!(
        text,
        format!(
            "Bản tin ngày 04/12/2026 của Sở Xây dựng: 1 kiến nghị quá hạn, 2 kiến nghị đến hạn trong 3 ngày làm việc tới.\n\nQuá hạn:\n- Quá hạn: giấy phép xây dựng (hạn 01/12/2026)\n\nSắp đến hạn:\n- Đến hạn hôm nay: cấp điện (hạn 04/12/2026)\n- Đến hạn thứ Tư: đường nội bộ (hạn 09/12/2026)\n\nXem chi tiết: {PUBLIC_URL}/dashboard\n\n{PROGRAMME}"
        )
    );
    assert!(!digest.part("text/plain").contains(FIRM_NAME));
    let in_app = mine(&nine, &answerer, Value::Null).await;
    assert_eq!(kinds(&in_app)[0], "DEADLINE_DIGEST");
    assert_eq!(
        in_app["notifications"]["nodes"]
            .as_array()
            .map(|nodes| nodes
                .iter()
                .filter(|n| n["kind"] == json!("DEADLINE_DIGEST"))
                .count()),
        Some(1)
    );
}

#[tokio::test]
async fn a_dialogue_is_reminded_the_day_before_to_its_registered_enterprises() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(|s| with_smtp(s, &sink)).await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.verified_firm(&official).await;
    let bystander = app.verified_firm(&official).await;
    // Tonight at 20:00 in Hà Nội: within a day of NOW.
    let body = app
        .graphql(
            Some(&official.token),
            SCHEDULE,
            dialogue_input(
                "Hội trường E",
                "2026-11-26T13:00:00Z",
                "2026-11-26T15:00:00Z",
                None,
            ),
        )
        .await;
    let dialogue = body["data"]["scheduleDialogue"]["dialogue"]["id"].clone();
    app.mutate(
        &firm.token,
        "registerForDialogue",
        json!({ "dialogueId": dialogue, "attendees": 1 }),
    )
    .await;

    let reminded = sink.wait_for(1).await;
    assert_eq!(
        subjects(&reminded),
        [format!(
            "Nhắc lịch: buổi đối thoại «{DIALOGUE_TITLE}» diễn ra vào ngày mai"
        )]
    );
    assert_eq!(reminded[0].to, std::slice::from_ref(&firm.email));
    assert!(
        reminded[0]
            .part("text/plain")
            .contains("Thời gian: 20:00 ngày 26/11/2026. Địa điểm: Hội trường E.")
    );
    // Once: a later e-mail to the same firm comes next, with no second reminder.
    app.mutate(
        &official.token,
        "cancelDialogue",
        json!({ "dialogueId": dialogue, "reason": "Hoãn." }),
    )
    .await;
    let all = sink.wait_for(2).await;
    assert_eq!(
        subjects(&all)[1],
        format!("Hủy buổi đối thoại: {DIALOGUE_TITLE}")
    );
    assert_eq!(
        kinds(&mine(&app, &firm, Value::Null).await),
        ["DIALOGUE_CANCELLED", "DIALOGUE_REMINDER"]
    );
    assert_eq!(
        mine(&app, &bystander, Value::Null).await["notifications"]["totalCount"],
        json!(0)
    );
}

#[tokio::test]
async fn on_sigterm_the_worker_finishes_the_email_in_hand_and_gives_back_the_rest() {
    let sink = SmtpSink::start().await;
    sink.hold_replies(Duration::from_secs(2));
    let database = fresh_database().await;
    // Arranges without e-mail of its own; the binary below sends.
    let app = spawn_on(database.clone(), |s| s.now = NOW.parse().ok()).await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let mut firms = Vec::new();
    for _ in 0..3 {
        firms.push(app.verified_firm(&official).await);
    }
    let commune = twinned_commune(&app, &official, &firms.iter().collect::<Vec<_>>()).await;
    let smtp_url = sink.url();
    let mut server = spawn_binary(
        &database,
        &[
            ("DONGHANH_SMTP_URL", smtp_url.as_str()),
            ("DONGHANH_NOW", NOW),
        ],
    )
    .await;
    // Three e-mails in one transaction: the worker claims them together.
    let body = server
        .graphql(
            Some(&official.token),
            SCHEDULE,
            dialogue_about("Hội trường A", &commune),
        )
        .await;
    assert_eq!(
        body["data"]["scheduleDialogue"]["userErrors"],
        json!([]),
        "{body}"
    );
    sink.wait_for_a_message_in_flight().await;

    let (status, log) = server.stop().await;
    assert!(status.success(), "{log}");
    assert_eq!(sink.messages().len(), 1);
    let mut deliveries = Vec::new();
    for firm in &firms {
        let viewer = mine(&app, firm, Value::Null).await;
        let delivery = &viewer["notifications"]["nodes"][0]["delivery"];
        deliveries.push((delivery["status"].clone(), delivery["attempts"].clone()));
    }
    deliveries.sort_by_key(|(status, _)| status.to_string());
    assert_eq!(
        deliveries,
        [
            (json!("QUEUED"), json!(0)),
            (json!("QUEUED"), json!(0)),
            (json!("SENT"), json!(1))
        ]
    );
}

#[tokio::test]
async fn without_smtp_notifications_are_in_app_only_and_the_log_says_so_once() {
    let database = fresh_database().await;
    let mut server = spawn_binary(&database, &[]).await;
    // Served once: the server runs, and so does its handler for SIGTERM.
    let health = server.client.get(server.url("/healthz")).send().await;
    assert_eq!(health.map(|r| r.status().as_u16()).ok(), Some(200));
    let (status, log) = server.stop().await;
    assert!(status.success(), "{log}");
    assert_eq!(
        log.matches("DONGHANH_SMTP_URL is not set: notifications are in-app only")
            .count(),
        1,
        "{log}"
    );
}

#[tokio::test]
#[ignore = "PostgreSQL only: several instances share one database"]
async fn two_instances_on_postgres_send_each_email_once() {
    require_postgres();
    let sink = SmtpSink::start().await;
    let database = fresh_database().await;
    let app = spawn_on(database.clone(), |s| with_smtp(s, &sink)).await;
    let smtp_url = sink.url();
    let other = spawn_binary(
        &database,
        &[
            ("DONGHANH_SMTP_URL", smtp_url.as_str()),
            ("DONGHANH_PUBLIC_URL", PUBLIC_URL),
            ("DONGHANH_NOW", NOW),
            ("DONGHANH_NOTIFICATIONS__POLL_INTERVAL", "1"),
        ],
    )
    .await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let mut firms = Vec::new();
    for _ in 0..4 {
        firms.push(app.verified_firm(&official).await);
    }
    let commune = twinned_commune(&app, &official, &firms.iter().collect::<Vec<_>>()).await;

    // Six dialogues, half scheduled through each instance: 24 e-mails.
    for n in 0..6 {
        let venue = format!("Hội trường {n}");
        if n % 2 == 0 {
            schedule(&app, &official, &venue, &commune).await;
        } else {
            let body = post_graphql(
                &other.client,
                &other.url("/graphql"),
                Some(&official.token),
                SCHEDULE,
                dialogue_about(&venue, &commune),
            )
            .await;
            assert_eq!(
                body["data"]["scheduleDialogue"]["userErrors"],
                json!([]),
                "{body}"
            );
        }
    }

    sink.wait_for(24).await;
    for firm in &firms {
        wait_for_deliveries(&app, firm, "SENT").await;
    }
    let messages = sink.messages();
    let mut ids: Vec<String> = messages
        .iter()
        .map(|mail| mail.header("X-Donghanh-Notification").unwrap_or_default())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!((messages.len(), ids.len()), (24, 24));
    for firm in &firms {
        assert_eq!(sink.to(&firm.email).len(), 6);
        let viewer = mine(&app, firm, Value::Null).await;
        let nodes = viewer["notifications"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            nodes.iter().all(|n| n["delivery"]["attempts"] == json!(1)),
            "{viewer}"
        );
    }
    drop(other);
}
