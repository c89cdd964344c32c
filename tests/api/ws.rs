use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use crate::helpers::{TestApp, spawn_app};

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(app: &TestApp) -> Socket {
    connect_to(app.port).await
}

/// A socket to the server listening on `port`, with the protocol negotiated.
pub async fn connect_to(port: u16) -> Socket {
    let mut request = format!("ws://127.0.0.1:{port}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
}

pub async fn next_message(socket: &mut Socket) -> Message {
    tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
        .await
        .expect("an answer in time")
        .expect("a message")
        .expect("not an error")
}

pub async fn init(socket: &mut Socket, payload: Option<Value>) -> Message {
    let mut message = json!({ "type": "connection_init" });
    if let Some(payload) = payload {
        message["payload"] = payload;
    }
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sent");
    next_message(socket).await
}

/// Starts operation `id`.
pub async fn subscribe(socket: &mut Socket, id: &str, query: &str, variables: Value) {
    let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sent");
}

/// Waits until the server has handled every message sent before: it answers a
/// `ping` only after them, so a subscription made before is in place.
pub async fn settle(socket: &mut Socket) {
    socket
        .send(Message::text(json!({ "type": "ping" }).to_string()))
        .await
        .expect("sent");
    let message = next_json(socket).await;
    assert_eq!(
        message,
        json!({ "type": "pong" }),
        "only a pong was expected"
    );
}

/// The next message, as JSON; panics on anything but a text frame.
pub async fn next_json(socket: &mut Socket) -> Value {
    match next_message(socket).await {
        Message::Text(text) => serde_json::from_str(&text).expect("json"),
        other => panic!("a text frame, not {other:?}"),
    }
}

/// Reads until the server closes; the close code, if it sent one.
pub async fn close_code(socket: &mut Socket) -> Option<u16> {
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(30), socket.next())
            .await
            .expect("closed in time")
        {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

fn is_ack(message: &Message) -> bool {
    matches!(message, Message::Text(text) if serde_json::from_str::<Value>(text).ok() == Some(json!({ "type": "connection_ack" })))
}

#[tokio::test]
async fn connection_init_authenticates_or_closes_with_4403() {
    let app = spawn_app().await;
    let admin = app.admin().await;

    let mut anonymous = connect(&app).await;
    assert!(is_ack(&init(&mut anonymous, None).await));

    let mut signed_in = connect(&app).await;
    let ack = init(
        &mut signed_in,
        Some(json!({ "authorization": format!("Bearer {}", admin.token) })),
    )
    .await;
    assert!(is_ack(&ack), "{ack:?}");
    // The socket runs operations as the signed-in viewer.
    let subscribe =
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ viewer { role } }" } });
    signed_in
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("sent");
    let Message::Text(text) = next_message(&mut signed_in).await else {
        panic!("a text frame")
    };
    let next: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        next["payload"]["data"]["viewer"]["role"],
        json!("ADMIN"),
        "{next}"
    );

    let mut bad = connect(&app).await;
    match init(
        &mut bad,
        Some(json!({ "Authorization": "Bearer not-a-token" })),
    )
    .await
    {
        Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 4403),
        other => panic!("expected a 4403 close, got {other:?}"),
    }
}
