//! Live updates a front end can trust: every change once, in order, with the state
//! as of the change, on the same instance and across instances; the protocol's
//! close codes; bounded sockets; authorisation that stays live; resuming.

use std::time::Duration;

use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::{
    dialogues::{Setting, schedule, setting, setting_with},
    helpers::{
        PASSWORD, TestApp, fresh_database, postgres_url, spawn_app_with, spawn_binary, spawn_on,
    },
    ws::{self, Socket, close_code, connect, init, next_json, settle, subscribe},
};

const ITEM: &str = "subscription($d: ID, $after: String) { agendaItemChanged(dialogueId: $d, after: $after) { status version } }";

async fn submit(s: &Setting, dialogue: &str) -> String {
    let body = s
        .app
        .graphql(
            Some(&s.firm.token),
            "mutation($input: SubmitAgendaItemInput!) { submitAgendaItem(input: $input) { agendaItem { id } } }",
            json!({ "input": { "title": "Hoàn thuế chậm", "body": "Ba tháng chưa hoàn.", "category": "TAX", "dialogueId": dialogue } }),
        )
        .await;
    body["data"]["submitAgendaItem"]["agendaItem"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// Every transition of one item, back to back, without waiting for anyone.
async fn every_transition(s: &Setting, dialogue: &str) -> Vec<&'static str> {
    let item = submit(s, dialogue).await;
    let official = s.official.token.as_str();
    let agency = s.official.agency_id.clone().unwrap_or_default();
    s.app
        .mutate(
            official,
            "acceptAgendaItem",
            json!({ "agendaItemId": item, "dialogueId": dialogue }),
        )
        .await;
    s.app
        .mutate(
            official,
            "assignAgendaItem",
            json!({ "agendaItemId": item, "agencyId": agency }),
        )
        .await;
    s.app
        .mutate(
            official,
            "answerAgendaItem",
            json!({ "agendaItemId": item, "body": "Đã hoàn." }),
        )
        .await;
    s.app
        .mutate(
            &s.firm.token,
            "giveFeedback",
            json!({ "agendaItemId": item, "satisfied": false }),
        )
        .await;
    s.app
        .mutate(
            official,
            "answerAgendaItem",
            json!({ "agendaItemId": item, "body": "Đã hoàn đủ." }),
        )
        .await;
    s.app
        .mutate(
            &s.firm.token,
            "giveFeedback",
            json!({ "agendaItemId": item, "satisfied": true }),
        )
        .await;
    vec![
        "SUBMITTED",
        "ACCEPTED",
        "ASSIGNED",
        "ANSWERED",
        "ASSIGNED",
        "ANSWERED",
        "RESOLVED",
    ]
}

/// The next `count` results of operation `id`: (status, version, changeId).
async fn results(socket: &mut Socket, id: &str, count: usize) -> Vec<(String, i64, i64)> {
    let mut seen = Vec::new();
    while seen.len() < count {
        let message = next_json(socket).await;
        assert_eq!(message["type"], json!("next"), "{message}");
        assert_eq!(message["id"], json!(id), "{message}");
        let item = &message["payload"]["data"]["agendaItemChanged"];
        seen.push((
            item["status"].as_str().unwrap_or_default().to_owned(),
            item["version"].as_i64().unwrap_or_default(),
            message["payload"]["extensions"]["changeId"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .unwrap_or_default(),
        ));
    }
    seen
}

async fn signed_in(app: &TestApp, token: &str) -> Socket {
    let mut socket = connect(app).await;
    let ack = init(
        &mut socket,
        Some(json!({ "Authorization": format!("Bearer {token}") })),
    )
    .await;
    assert!(matches!(ack, Message::Text(_)), "{ack:?}");
    socket
}

#[tokio::test]
async fn every_transition_back_to_back_is_seen_once_in_order_with_its_own_state() {
    let s = setting().await;
    let dialogue = schedule(&s, None).await;
    // With PostgreSQL the subscriber listens on a second instance.
    let second = match postgres_url() {
        Some(_) => Some(
            spawn_on(s.app.settings.database_url.clone(), |settings| {
                settings.now = s.app.settings.now
            })
            .await,
        ),
        None => None,
    };
    let watch = second.as_ref().unwrap_or(&s.app);
    let mut socket = signed_in(watch, &s.official.token).await;
    subscribe(&mut socket, "items", ITEM, json!({ "d": dialogue })).await;
    settle(&mut socket).await;

    let expected = every_transition(&s, &dialogue).await;
    let seen = results(&mut socket, "items", expected.len()).await;
    let statuses: Vec<&str> = seen.iter().map(|(status, _, _)| status.as_str()).collect();
    assert_eq!(statuses, expected);
    let versions: Vec<i64> = seen.iter().map(|(_, version, _)| *version).collect();
    assert_eq!(versions, (1..=7).collect::<Vec<_>>());
    assert!(
        seen.windows(2).all(|pair| pair[0].2 < pair[1].2),
        "{seen:?}"
    );
    // Once: nothing more arrives.
    settle(&mut socket).await;
}

#[tokio::test]
async fn a_subscriber_resumes_after_the_last_change_it_saw() {
    let s = setting().await;
    let dialogue = schedule(&s, None).await;
    let mut socket = signed_in(&s.app, &s.official.token).await;
    subscribe(&mut socket, "a", ITEM, json!({ "d": dialogue })).await;
    settle(&mut socket).await;
    let item = submit(&s, &dialogue).await;
    let first = results(&mut socket, "a", 1).await;
    assert_eq!(first[0].0, "SUBMITTED");
    drop(socket);

    // Missed while away: two moves.
    s.app
        .mutate(
            &s.official.token,
            "acceptAgendaItem",
            json!({ "agendaItemId": item, "dialogueId": dialogue }),
        )
        .await;
    s.app
        .mutate(
            &s.official.token,
            "rejectAgendaItem",
            json!({ "agendaItemId": item, "reason": "Trùng" }),
        )
        .await;

    let mut socket = signed_in(&s.app, &s.official.token).await;
    subscribe(
        &mut socket,
        "b",
        ITEM,
        json!({ "d": dialogue, "after": first[0].2.to_string() }),
    )
    .await;
    let missed = results(&mut socket, "b", 2).await;
    assert_eq!(
        missed
            .iter()
            .map(|(status, _, _)| status.as_str())
            .collect::<Vec<_>>(),
        ["ACCEPTED", "REJECTED"]
    );
    // Then live, without a repeat.
    submit(&s, &dialogue).await;
    let live = results(&mut socket, "b", 1).await;
    assert_eq!(live[0].0, "SUBMITTED");
    assert!(live[0].2 > missed[1].2);

    // A resume from before what the log keeps is refused, for that operation.
    s.app
        .execute_sql("UPDATE change_log_horizon SET pruned_through = 1000000")
        .await;
    subscribe(
        &mut socket,
        "c",
        ITEM,
        json!({ "d": dialogue, "after": "5" }),
    )
    .await;
    let refused = next_json(&mut socket).await;
    assert_eq!(refused["id"], json!("c"));
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"],
        json!("BAD_USER_INPUT"),
        "{refused}"
    );
}

#[tokio::test]
async fn visibility_is_decided_per_event() {
    let s = setting().await;
    let dialogue = schedule(&s, None).await;
    let mut anonymous = connect(&s.app).await;
    init(&mut anonymous, None).await;
    subscribe(
        &mut anonymous,
        "items",
        "subscription { agendaItemChanged { status submittedBy { id } } }",
        json!({}),
    )
    .await;
    settle(&mut anonymous).await;
    let item = submit(&s, &dialogue).await;
    s.app
        .mutate(
            &s.official.token,
            "acceptAgendaItem",
            json!({ "agendaItemId": item, "dialogueId": dialogue }),
        )
        .await;
    // Public once accepted; private again once rejected.
    s.app
        .mutate(
            &s.official.token,
            "rejectAgendaItem",
            json!({ "agendaItemId": item, "reason": "Trùng" }),
        )
        .await;
    let other = submit(&s, &dialogue).await;
    s.app
        .mutate(
            &s.official.token,
            "acceptAgendaItem",
            json!({ "agendaItemId": other, "dialogueId": dialogue }),
        )
        .await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let message = next_json(&mut anonymous).await;
        seen.push(message["payload"]["data"]["agendaItemChanged"]["status"].clone());
    }
    assert_eq!(seen, [json!("ACCEPTED"), json!("ACCEPTED")]);
    settle(&mut anonymous).await;
}

#[tokio::test]
async fn the_protocol_close_codes() {
    let app = spawn_app_with(|s| s.sockets.init_timeout = Duration::from_millis(500)).await;

    // No connection_init in time: 4408.
    let mut idle = connect(&app).await;
    assert_eq!(close_code(&mut idle).await, Some(4408));

    // subscribe before the ack: 4401.
    let mut early = connect(&app).await;
    subscribe(&mut early, "1", "{ __typename }", json!({})).await;
    assert_eq!(close_code(&mut early).await, Some(4401));

    // A second connection_init: 4429.
    let mut twice = connect(&app).await;
    init(&mut twice, None).await;
    twice
        .send(Message::text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await
        .expect("sent");
    assert_eq!(close_code(&mut twice).await, Some(4429));

    // An id in use: 4409.
    let mut duplicate = connect(&app).await;
    init(&mut duplicate, None).await;
    subscribe(
        &mut duplicate,
        "same",
        "subscription { dialogueChanged { id } }",
        json!({}),
    )
    .await;
    subscribe(
        &mut duplicate,
        "same",
        "subscription { dialogueChanged { id } }",
        json!({}),
    )
    .await;
    assert_eq!(close_code(&mut duplicate).await, Some(4409));

    // Not a protocol message: 4400.
    let mut garbled = connect(&app).await;
    init(&mut garbled, None).await;
    garbled
        .send(Message::text("{\"type\": \"hello\"}"))
        .await
        .expect("sent");
    assert_eq!(close_code(&mut garbled).await, Some(4400));

    // A bad token: 4403.
    let mut forged = connect(&app).await;
    forged
        .send(Message::text(
            json!({ "type": "connection_init", "payload": { "authorization": "Bearer x.y.z" } })
                .to_string(),
        ))
        .await
        .expect("sent");
    assert_eq!(close_code(&mut forged).await, Some(4403));

    // ping and pong; a query answers once and completes; complete from the client
    // ends a subscription without a word.
    let mut socket = connect(&app).await;
    init(&mut socket, None).await;
    settle(&mut socket).await;
    socket
        .send(Message::text(json!({ "type": "pong" }).to_string()))
        .await
        .expect("sent");
    subscribe(&mut socket, "q", "{ __typename }", json!({})).await;
    assert_eq!(
        next_json(&mut socket).await,
        json!({ "id": "q", "type": "next", "payload": { "data": { "__typename": "Query" } } })
    );
    assert_eq!(
        next_json(&mut socket).await,
        json!({ "id": "q", "type": "complete" })
    );
    subscribe(
        &mut socket,
        "s",
        "subscription { dialogueChanged { id } }",
        json!({}),
    )
    .await;
    socket
        .send(Message::text(
            json!({ "id": "s", "type": "complete" }).to_string(),
        ))
        .await
        .expect("sent");
    settle(&mut socket).await;
    // A refused document gets an `error` for its operation; the socket stays.
    subscribe(&mut socket, "bad", "subscription { nope }", json!({})).await;
    let error = next_json(&mut socket).await;
    assert_eq!(
        (error["id"].clone(), error["type"].clone()),
        (json!("bad"), json!("error")),
        "{error}"
    );
    settle(&mut socket).await;
}

#[tokio::test]
async fn sockets_are_bounded() {
    let app = spawn_app_with(|s| {
        s.sockets.max_subscriptions = 2;
        s.sockets.max_message_bytes = 4096;
        s.sockets.per_address = 3;
    })
    .await;
    // Beyond the subscriptions a socket may hold: an `error` for that one.
    let mut socket = connect(&app).await;
    init(&mut socket, None).await;
    subscribe(
        &mut socket,
        "1",
        "subscription { dialogueChanged { id } }",
        json!({}),
    )
    .await;
    subscribe(
        &mut socket,
        "2",
        "subscription { dialogueChanged { id } }",
        json!({}),
    )
    .await;
    subscribe(
        &mut socket,
        "3",
        "subscription { dialogueChanged { id } }",
        json!({}),
    )
    .await;
    let refused = next_json(&mut socket).await;
    assert_eq!(refused["id"], json!("3"));
    assert_eq!(refused["type"], json!("error"));
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        json!("RATE_LIMITED")
    );
    settle(&mut socket).await;

    // Sockets per address: the fourth is refused before the upgrade.
    let _second = connect(&app).await;
    let _third = connect(&app).await;
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://127.0.0.1:{}/graphql/ws",
            app.port
        ))
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429)
        }
        other => panic!("expected 429, got {:?}", other.map(|(_, r)| r.status())),
    }

    // A message above the limit: 1009.
    let query = format!("{{ __typename }} #{}", "x".repeat(5000));
    subscribe(&mut socket, "big", &query, json!({})).await;
    assert_eq!(close_code(&mut socket).await, Some(1009));
}

/// Resident memory of process `pid`, in KiB.
fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A counter or gauge of the `/metrics` at `url`, by its name and labels as printed.
async fn metric_at(client: &reqwest::Client, url: &str, series: &str) -> f64 {
    let text = client
        .get(url)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|line| line.strip_prefix(series))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

/// A counter or gauge of the app's `/metrics`.
pub(crate) async fn metric(app: &TestApp, series: &str) -> f64 {
    metric_at(&app.client, &app.url("/metrics"), series).await
}

#[tokio::test]
async fn a_client_that_never_reads_is_cut_off_and_memory_stays_flat() {
    // The server is a process of its own, so that its memory is its own: this
    // test process runs other tests meanwhile.
    let database = fresh_database().await;
    let server = spawn_binary(&database, &[("DONGHANH_SOCKETS__SEND_TIMEOUT", "1")]).await;
    let metrics = server.url("/metrics");
    let too_slow = "donghanh_websocket_closes_total{code=\"1008\"}";
    let mut socket = ws::connect_to(server.port).await;
    init(&mut socket, None).await;
    let before = resident_kib(server.pid);
    // Small queries with large answers (the schema's types with their fields and
    // descriptions, tens of kilobytes each), and the client never reads: gigabytes
    // if anything buffered them. The server stops reading while it cannot write and
    // gives the client up once a send has waited `send_timeout`.
    let query = "{ __schema { types { name description fields { name description } } } }";
    let started = std::time::Instant::now();
    for n in 0..2_000 {
        let message =
            json!({ "id": n.to_string(), "type": "subscribe", "payload": { "query": query } });
        let sending = socket.send(Message::text(message.to_string()));
        if !matches!(
            tokio::time::timeout(Duration::from_millis(500), sending).await,
            Ok(Ok(()))
        ) {
            break;
        }
    }
    // Given up: counted as closed for being too slow, and no longer served.
    while metric_at(&server.client, &metrics, too_slow).await < 1.0
        || metric_at(&server.client, &metrics, "donghanh_websocket_sockets").await > 0.0
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never given up"
        );
        tokio::task::yield_now().await;
    }
    let grown = resident_kib(server.pid).saturating_sub(before);
    assert!(grown < 200 * 1024, "memory grew by {grown} KiB");
    // The server still serves.
    let body = server.graphql(None, "{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], json!("Query"));
}

/// The next frame must be the server closing with `code`, nothing before it.
async fn closes_next_with(socket: &mut Socket, code: u16) {
    match ws::next_message(socket).await {
        Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), code),
        other => panic!("expected a {code} close first, got {other:?}"),
    }
}

#[tokio::test]
async fn authorisation_stays_live_on_an_open_socket() {
    let s = setting().await;
    let dialogue = schedule(&s, None).await;
    let official = s.official.token.as_str();

    // A password change closes the account's sockets (4403) before any later event.
    let item = submit(&s, &dialogue).await;
    let mut firm_socket = signed_in(&s.app, &s.firm.token).await;
    subscribe(&mut firm_socket, "mine", ITEM, json!({ "d": dialogue })).await;
    settle(&mut firm_socket).await;
    s.app
        .mutate(
            &s.firm.token,
            "changePassword",
            json!({ "currentPassword": PASSWORD, "newPassword": "một-mật-khẩu-mới-dài-99" }),
        )
        .await;
    s.app
        .mutate(
            official,
            "acceptAgendaItem",
            json!({ "agendaItemId": item, "dialogueId": dialogue }),
        )
        .await;
    closes_next_with(&mut firm_socket, 4403).await;

    // Disabling an account does the same.
    let other = s.app.official(&s.admin).await;
    let mut official_socket = signed_in(&s.app, &other.token).await;
    subscribe(&mut official_socket, "all", ITEM, json!({ "d": dialogue })).await;
    settle(&mut official_socket).await;
    s.app
        .mutate(
            &s.admin.token,
            "setAccountDisabled",
            json!({ "accountId": other.id, "disabled": true }),
        )
        .await;
    s.app
        .mutate(
            official,
            "rejectAgendaItem",
            json!({ "agendaItemId": item, "reason": "Trùng" }),
        )
        .await;
    closes_next_with(&mut official_socket, 4403).await;
    // Its token no longer works anywhere.
    let refused = s
        .app
        .graphql(Some(&other.token), "{ viewer { id } }", json!({}))
        .await;
    assert_eq!(crate::helpers::error_code(&refused), "UNAUTHENTICATED");

    // An expired token closes the socket when it expires.
    let short = spawn_on(s.app.settings.database_url.clone(), |settings| {
        settings.now = s.app.settings.now;
        settings.jwt_ttl = Duration::from_secs(2);
    })
    .await;
    let login = short.login(&s.admin.email, PASSWORD).await;
    let token = login["data"]["login"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let mut expiring = signed_in(&short, &token).await;
    let started = std::time::Instant::now();
    closes_next_with(&mut expiring, 4403).await;
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// The title of every `next` a socket receives for operation `id`, `count` of them.
async fn titles(socket: &mut Socket, id: &str, count: usize) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    while seen.len() < count {
        let message = next_json(socket).await;
        assert_eq!(
            (&message["type"], &message["id"]),
            (&json!("next"), &json!(id))
        );
        seen.push((
            message["payload"]["data"]["dialogueChanged"]["title"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            message["payload"]["extensions"]["changeId"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ));
    }
    seen
}

/// Sockets that subscribe alike (same document and variables, same viewer, same
/// language) share one execution of each change; different ones do not, and a
/// socket that joins later gets only what changes after it joined.
#[tokio::test]
async fn sockets_that_follow_alike_share_one_execution_per_change() {
    // Feeds are shared per worker thread: with one worker, every socket's.
    let s = setting_with(|settings| settings.workers = Some(1)).await;
    let dialogue = schedule(&s, None).await;
    let official = s.official.token.as_str();
    let follow = "subscription($d: ID) { dialogueChanged(dialogueId: $d) { title } }";
    let other = "subscription($d: ID) { dialogueChanged(dialogueId: $d) { title id } }";
    let mut sockets = Vec::new();
    for i in 0..10 {
        let mut socket = if i < 8 {
            let mut socket = connect(&s.app).await;
            init(&mut socket, None).await;
            socket
        } else {
            signed_in(&s.app, official).await
        };
        subscribe(&mut socket, "d", follow, json!({ "d": dialogue })).await;
        settle(&mut socket).await;
        sockets.push(socket);
    }
    let mut different = connect(&s.app).await;
    init(&mut different, None).await;
    subscribe(&mut different, "d", other, json!({ "d": dialogue })).await;
    settle(&mut different).await;
    let executed = "donghanh_subscription_results_total";
    let before = metric(&s.app, executed).await;

    let change = |title: &'static str| {
        s.app.mutate(
            official,
            "updateDialogue",
            json!({ "dialogueId": dialogue, "title": title }),
        )
    };
    change("Lần một").await;
    let first = titles(&mut sockets[0], "d", 1).await;
    let mut late = connect(&s.app).await;
    init(&mut late, None).await;
    subscribe(&mut late, "d", follow, json!({ "d": dialogue })).await;
    settle(&mut late).await;
    change("Lần hai").await;
    change("Lần ba").await;

    let mut expected = first.clone();
    expected.extend(titles(&mut sockets[1], "d", 3).await.into_iter().skip(1));
    assert_eq!(
        expected
            .iter()
            .map(|(title, _)| title.as_str())
            .collect::<Vec<_>>(),
        ["Lần một", "Lần hai", "Lần ba"]
    );
    assert_eq!(titles(&mut sockets[0], "d", 2).await, expected[1..]);
    for socket in &mut sockets[2..] {
        assert_eq!(titles(socket, "d", 3).await, expected);
    }
    assert_eq!(titles(&mut late, "d", 2).await, expected[1..]);
    let mut other_titles = Vec::new();
    for _ in 0..3 {
        let message = next_json(&mut different).await;
        other_titles.push(message["payload"]["data"]["dialogueChanged"]["title"].clone());
    }
    assert_eq!(
        other_titles,
        [json!("Lần một"), json!("Lần hai"), json!("Lần ba")]
    );
    // Nothing more on any socket: each change once.
    for socket in sockets.iter_mut().chain([&mut late, &mut different]) {
        settle(socket).await;
    }
    // Three feeds (anonymous, the official, the other document), three changes:
    // nine executions for twelve sockets.
    assert_eq!(metric(&s.app, executed).await - before, 9.0);
}
