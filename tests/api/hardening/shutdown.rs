//! Graceful shutdown, on the real binary: SIGTERM under load lets the requests in
//! flight finish, closes subscription sockets with 1001 (going away), and the
//! process exits 0; every mutation is whole (an enterprise, its account and its
//! audit event, or none of them), and every acknowledged one is there.
//!
//! "In flight" is made certain without timing: each such request is sent with
//! `Expect: 100-continue`, and the server answers `100 Continue` only once it has
//! dispatched the request to its handler. Its body follows the signal.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures_util::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::tungstenite::{
    Message,
    client::IntoClientRequest,
    http::HeaderValue,
    protocol::{CloseFrame, frame::coding::CloseCode},
};

use crate::helpers::{PASSWORD, fresh_database, spawn_binary, tax_code};

const REGISTER: &str = "mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { enterprise { taxCode } userErrors { message } } }";
const IN_FLIGHT: usize = 4;
const LOADERS: usize = 4;

fn registration(tax_code: &str) -> Value {
    json!({
        "query": REGISTER,
        "variables": { "input": {
            "taxCode": tax_code, "name": "Công ty TNHH Kết Thúc", "contactEmail": "lienhe@ketthuc.vn",
            "contactPhone": "0912 345 678",
            "email": format!("firm-{}@example.vn", uuid::Uuid::new_v4().simple()),
            "password": PASSWORD, "displayName": "Giám đốc"
        } }
    })
}

/// The tax code a registration's answer acknowledges, if it does.
fn acknowledged(body: &Value) -> Option<String> {
    let payload = &body["data"]["registerEnterprise"];
    (payload["userErrors"] == json!([]))
        .then(|| payload["enterprise"]["taxCode"].as_str().map(str::to_owned))
        .flatten()
}

/// A registration whose headers the server has dispatched, its body not yet sent.
struct Dispatched {
    stream: TcpStream,
    body: String,
    tax_code: String,
}

async fn dispatch(port: u16) -> Dispatched {
    let tax_code = tax_code();
    let body = registration(&tax_code).to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connects");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("sent");
    let mut interim = Vec::new();
    let mut byte = [0_u8; 1];
    while !interim.ends_with(b"\r\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut byte))
            .await
            .expect("100 Continue in time")
            .expect("read");
        assert_eq!(read, 1, "closed before 100 Continue");
        interim.push(byte[0]);
    }
    assert!(
        interim.starts_with(b"HTTP/1.1 100 Continue"),
        "{}",
        String::from_utf8_lossy(&interim)
    );
    Dispatched {
        stream,
        body,
        tax_code,
    }
}

/// Sends the rest of the request; the status and body of the answer.
async fn finish(mut request: Dispatched) -> (String, Value, String) {
    request
        .stream
        .write_all(request.body.as_bytes())
        .await
        .expect("body sent");
    let mut answer = Vec::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        request.stream.read_to_end(&mut answer),
    )
    .await
    .expect("answered in time")
    .expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, body, request.tax_code)
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("counted")
        .expect("a row")
        .try_get::<i64>("", "n")
        .expect("a count")
}

#[tokio::test]
async fn sigterm_finishes_requests_in_flight_closes_sockets_and_exits_zero() {
    let database = fresh_database().await;
    let mut server = spawn_binary(&database, &[]).await;

    // A subscriber.
    let mut request = format!("ws://127.0.0.1:{}/graphql/ws", server.port)
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    socket
        .send(Message::text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await
        .expect("sent");
    let ack = socket.next().await.expect("a message").expect("a frame");
    assert_eq!(ack, Message::text(r#"{"type":"connection_ack"}"#));
    socket
        .send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { dialogueChanged { id } }" } })
                .to_string(),
        ))
        .await
        .expect("sent");

    // Load: registrations one after another on a few clients, until the server
    // stops answering.
    let acknowledged_by_load = Arc::new(Mutex::new(BTreeSet::new()));
    let (first_ack, first_acked) = tokio::sync::watch::channel(false);
    let load: Vec<_> = (0..LOADERS)
        .map(|_| {
            let url = server.url("/graphql");
            let acknowledged_by_load = acknowledged_by_load.clone();
            let first_ack = first_ack.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                loop {
                    let tax_code = tax_code();
                    let Ok(response) = client
                        .post(&url)
                        .json(&registration(&tax_code))
                        .send()
                        .await
                    else {
                        return;
                    };
                    let Ok(body) = response.json::<Value>().await else {
                        return;
                    };
                    assert_eq!(
                        acknowledged(&body).as_deref(),
                        Some(tax_code.as_str()),
                        "{body}"
                    );
                    acknowledged_by_load.lock().expect("lock").insert(tax_code);
                    first_ack.send_replace(true);
                }
            })
        })
        .collect();
    let _ = first_acked.clone().wait_for(|acked| *acked).await;
    let in_flight =
        futures_util::future::join_all((0..IN_FLIGHT).map(|_| dispatch(server.port))).await;

    server.terminate();

    let answers = futures_util::future::join_all(in_flight.into_iter().map(finish)).await;
    let mut acknowledged_in_flight = BTreeSet::new();
    for (status, body, tax_code) in answers {
        assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
        assert_eq!(
            acknowledged(&body).as_deref(),
            Some(tax_code.as_str()),
            "{body}"
        );
        acknowledged_in_flight.insert(tax_code);
    }

    let closing = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("the socket hears of the stop")
        .expect("a message")
        .expect("a frame");
    assert_eq!(
        closing,
        Message::Close(Some(CloseFrame {
            code: CloseCode::Away,
            reason: "the server is stopping".into(),
        }))
    );

    // Well before the drain's limit (the request timeout): idle connections and
    // sockets do not hold it.
    let status = server.exit_status(Duration::from_secs(10)).await;
    assert!(status.success(), "{status:?}:\n{}", server.log());
    for loader in load {
        loader.await.expect("the load ends when the server does");
    }

    let db = sea_orm::Database::connect(&database)
        .await
        .expect("connects");
    let enterprises = count(&db, "SELECT COUNT(*) AS n FROM enterprises").await;
    let accounts = count(
        &db,
        "SELECT COUNT(*) AS n FROM accounts WHERE role = 'FIRM'",
    )
    .await;
    let audited = count(
        &db,
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'registerEnterprise'",
    )
    .await;
    assert_eq!((accounts, audited), (enterprises, enterprises));
    let stored: BTreeSet<String> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT tax_code FROM enterprises",
        ))
        .await
        .expect("read")
        .into_iter()
        .map(|row| row.try_get::<String>("", "tax_code").expect("a tax code"))
        .collect();
    let acknowledged = acknowledged_by_load.lock().expect("lock").clone();
    assert!(acknowledged.is_subset(&stored));
    assert!(acknowledged_in_flight.is_subset(&stored));
    db.close().await.expect("closed");
}
