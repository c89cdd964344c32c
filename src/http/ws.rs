//! Subscriptions over `graphql-transport-ws` at `/graphql/ws`. The token travels in
//! the `connection_init` payload as `{"Authorization": "Bearer TOKEN"}` (the key
//! matched case-insensitively); no payload means anonymous; a bad token closes the
//! socket with 4403. When the server stops, every socket is closed with 1001
//! (going away), so clients reconnect elsewhere instead of waiting on a dead one.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, HeaderValue},
    web,
};
use actix_ws::{CloseCode, CloseReason, Message};
use async_graphql::{
    Data, Executor, Request, Response,
    futures_util::stream::BoxStream,
    http::{WebSocket, WebSocketProtocols, WsMessage},
};
use futures_util::{Stream, StreamExt};
use tracing_actix_web::RequestId;

use super::{HttpState, Stopping, graphql::mask_internal, session_for};
use crate::graphql::{AppSchema, RequestErrorFlag};

const FORBIDDEN_CLOSE_CODE: u16 = 4403;

/// The `Authorization` entry of a `connection_init` payload, whatever its case.
fn authorization(payload: &serde_json::Value) -> Option<String> {
    payload.as_object()?.iter().find_map(|(key, value)| {
        key.eq_ignore_ascii_case("authorization")
            .then(|| value.as_str().unwrap_or_default().to_owned())
    })
}

pub async fn subscribe(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<HttpState>,
    request_id: RequestId,
) -> actix_web::Result<HttpResponse> {
    let protocol = req
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        });
    let Some(protocol) = protocol else {
        return Ok(HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body("use the graphql-transport-ws subprotocol"));
    };
    let (mut response, mut session, mut incoming) = actix_ws::handle(&req, body)?;
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(protocol.sec_websocket_protocol()),
    );

    let (to_graphql, mut from_client) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    let mut pong_session = session.clone();
    let reader = actix_web::rt::spawn(async move {
        while let Some(Ok(message)) = incoming.next().await {
            let forwarded = match message {
                Message::Text(text) => to_graphql.send(text.as_bytes().to_vec()),
                Message::Binary(bytes) => to_graphql.send(bytes.to_vec()),
                Message::Ping(bytes) => {
                    if pong_session.pong(&bytes).await.is_err() {
                        break;
                    }
                    Ok(())
                }
                Message::Close(_) => break,
                _ => Ok(()),
            };
            if forwarded.is_err() {
                break;
            }
        }
    });

    let rejected = Arc::new(AtomicBool::new(false));
    let init_rejected = rejected.clone();
    let app = state.app.clone();
    let request_id = request_id.to_string();
    let client = state.proxies.client_addr(&req);
    let client_messages = futures_util::stream::poll_fn(move |cx| from_client.poll_recv(cx));
    let executor = MaskedSchema {
        schema: state.schema.clone(),
        request_id: request_id.as_str().into(),
    };
    let mut outgoing = WebSocket::new(executor, client_messages, protocol).on_connection_init(
        move |payload| async move {
            let authorization = authorization(&payload);
            match session_for(&app, authorization.as_deref(), request_id, client).await {
                Ok(graphql_session) => {
                    let mut data = Data::default();
                    data.insert(graphql_session);
                    data.insert(RequestErrorFlag::default());
                    Ok(data)
                }
                Err(error) => {
                    init_rejected.store(true, Ordering::Relaxed);
                    Err(async_graphql::Error::new(format!("Forbidden: {error}")))
                }
            }
        },
    );
    let stopping = state.stopping.clone();
    actix_web::rt::spawn(async move {
        let reason = forward(&mut outgoing, &mut session, stopping, &rejected).await;
        // The reader holds a handle on the session too: the socket's connection
        // closes only once every handle is gone, whether or not the client answers.
        reader.abort();
        let _ = session.close(reason).await;
    });
    Ok(response)
}

/// Sends what the GraphQL side says to the client until either side is done or
/// the server stops; the close frame to end with, if the client is still there.
async fn forward(
    outgoing: &mut (impl Stream<Item = WsMessage> + Unpin),
    session: &mut actix_ws::Session,
    mut stopping: Stopping,
    rejected: &AtomicBool,
) -> Option<CloseReason> {
    loop {
        let message = tokio::select! {
            message = outgoing.next() => message?,
            () = stopping.announced() => {
                return Some(CloseReason {
                    code: CloseCode::Away,
                    description: Some("the server is stopping".into()),
                });
            }
        };
        match message {
            WsMessage::Text(text) => session.text(text).await.ok()?,
            WsMessage::Close(code, reason) => {
                let code = if rejected.load(Ordering::Relaxed) {
                    FORBIDDEN_CLOSE_CODE
                } else {
                    code
                };
                return Some(CloseReason {
                    code: CloseCode::from(code),
                    description: Some(reason),
                });
            }
        }
    }
}

/// The schema as a socket runs it: INTERNAL errors are masked and logged with the
/// request id of the socket's upgrade request, as over HTTP.
#[derive(Clone)]
struct MaskedSchema {
    schema: AppSchema,
    request_id: Arc<str>,
}

impl Executor for MaskedSchema {
    async fn execute(&self, request: Request) -> Response {
        let mut response = self.schema.execute(request).await;
        response.errors = mask_all(response.errors, &self.request_id);
        response
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let request_id = self.request_id.clone();
        Executor::execute_stream(&self.schema, request, session_data)
            .map(move |mut response| {
                response.errors = mask_all(response.errors, &request_id);
                response
            })
            .boxed()
    }
}

fn mask_all(
    errors: Vec<async_graphql::ServerError>,
    request_id: &str,
) -> Vec<async_graphql::ServerError> {
    errors
        .into_iter()
        .map(|error| mask_internal(error, request_id))
        .collect()
}
