//! Subscriptions over `graphql-transport-ws` at `/graphql/ws`, implemented here in
//! full so that every part of the socket is bounded and the protocol is exact.
//!
//! - The client sends `connection_init` within `sockets.init_timeout` (else 4408);
//!   its payload may carry `{"Authorization": "Bearer TOKEN"}` (key matched
//!   case-insensitively; none means anonymous). A bad token closes with 4403, a
//!   second `connection_init` with 4429, a `subscribe` before the ack with 4401, a
//!   `subscribe` with an id in use with 4409, a message that is not one of the
//!   protocol's with 4400. `ping` is answered with `pong` at any time; `complete`
//!   from the client ends that operation.
//! - A `subscribe` whose document is refused (syntax, validation, query limits,
//!   nesting) gets an `error` message with the errors; one beyond
//!   `sockets.max_subscriptions` gets an `error` too. Results are `next` messages
//!   (a subscription's carry `extensions.changeId`), and `complete` ends a finished
//!   operation.
//! - Authorisation stays live: the socket closes with 4403 when its account
//!   changes (password, disabled) or its token expires, before any later event.
//! - Bounded: messages above `sockets.max_message_bytes` close with 1009; a client
//!   that does not read (a full queue, a send that waits longer than
//!   `sockets.send_timeout`, or falling behind the hub) is closed with 1008 rather
//!   than let memory grow; `sockets.per_address` sockets per client address (more
//!   are refused with 429 before the upgrade).
//! - On shutdown every socket closes with 1001.

use std::{
    collections::{HashMap, hash_map::Entry},
    net::IpAddr,
    pin::Pin,
    sync::{Arc, Mutex},
};

use actix_web::{
    HttpRequest, HttpResponse,
    body::{BodySize, MessageBody},
    http::header::{self, HeaderValue},
    web,
};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use async_graphql::{Data, Request, Response, Variables};
use futures_util::{Stream, StreamExt, stream::SelectAll};
use serde_json::{Map, Value, json};
use tokio::{
    sync::broadcast::{self, error::RecvError},
    time::Instant,
};
use tokio_stream::wrappers::BroadcastStream;
use tracing_actix_web::RequestId;

use super::{
    HttpState,
    feeds::{self, Feed, FeedItem, FeedKey, Run},
    graphql::{mask_internal, params_from_json},
    language, session_for,
};
use crate::{
    auth::{Session, throttle::client_network},
    config::SocketLimits,
    error::{ApiError, ErrorCode, Language},
    events::{self, Event},
    graphql::{
        is_request_error,
        order::ResponseOrder,
        subscriptions::{FeedSlot, Registration},
    },
};

const PROTOCOL: &str = "graphql-transport-ws";

/// Why the server closes a socket, with the protocol's codes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Closing {
    BadMessage(String),
    Unauthorized,
    Forbidden(&'static str),
    InitTimeout,
    DuplicateId(String),
    TooManyInits,
    TooSlow,
    TooBig,
    GoingAway,
}

impl Closing {
    fn reason(&self) -> CloseReason {
        let (code, description): (u16, String) = match self {
            Closing::BadMessage(why) => (4400, why.clone()),
            Closing::Unauthorized => (4401, "Unauthorized".into()),
            Closing::Forbidden(why) => (4403, format!("Forbidden: {why}")),
            Closing::InitTimeout => (4408, "Connection initialisation timeout".into()),
            Closing::DuplicateId(id) => (4409, format!("Subscriber for {id} already exists")),
            Closing::TooManyInits => (4429, "Too many initialisation requests".into()),
            Closing::TooSlow => (1008, "too slow to read: reconnect and resume".into()),
            Closing::TooBig => (1009, "message too big".into()),
            Closing::GoingAway => (1001, "the server is stopping".into()),
        };
        CloseReason {
            code: CloseCode::from(code),
            description: Some(description),
        }
    }
}

/// Open sockets per client address.
#[derive(Default)]
pub struct SocketCounter(Mutex<HashMap<IpAddr, usize>>);

/// One open socket of an address; dropping it frees the place.
pub struct SocketPlace {
    counter: Arc<SocketCounter>,
    address: IpAddr,
}

impl SocketCounter {
    fn admit(self: &Arc<Self>, address: IpAddr, limit: usize) -> Option<SocketPlace> {
        let mut open = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(address).or_insert(0);
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(SocketPlace {
            counter: self.clone(),
            address,
        })
    }
}

impl Drop for SocketPlace {
    fn drop(&mut self) {
        let mut open = self.counter.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Entry::Occupied(mut entry) = open.entry(self.address) {
            *entry.get_mut() -= 1;
            if *entry.get() == 0 {
                entry.remove();
            }
        }
    }
}

/// The `Authorization` entry of a `connection_init` payload, whatever its case.
fn authorization(payload: &Value) -> Option<String> {
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
    let offered = req
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|p| p.trim() == PROTOCOL));
    if !offered {
        return Ok(HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body("use the graphql-transport-ws subprotocol"));
    }
    let limits = state.app.settings.sockets.clone();
    let peer = state.proxies.client_addr(&req);
    let place = match peer {
        Some(address) => match state
            .sockets
            .admit(client_network(address), limits.per_address)
        {
            Some(place) => Some(place),
            None => {
                return Ok(HttpResponse::TooManyRequests()
                    .content_type("text/plain; charset=utf-8")
                    .body("too many open sockets from this address"));
            }
        },
        None => None,
    };
    let language = language::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok()),
    );
    let (mut response, session, incoming) = actix_ws::handle(&req, body)?;
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(PROTOCOL),
    );
    // The address's place is held by the response body, which lives as long as
    // the connection: a client that stopped reading keeps its connection (and its
    // place) until its socket goes, even after the socket's task has ended.
    let response = response
        .map_body(|_, body| HoldsPlace {
            body,
            _place: place,
        })
        .map_into_boxed_body();
    let incoming = incoming
        .max_frame_size(limits.max_message_bytes)
        .aggregate_continuations()
        .max_continuation_size(limits.max_message_bytes);
    // Both from the upgrade on, so that nothing is missed before `connection_init`.
    let hub = state.app.db.events.subscribe();
    let revocations = state.app.db.events.revocations();
    let socket = Socket {
        state: state.into_inner(),
        out: session,
        limits,
        request_id: request_id.to_string(),
        hub: Some(hub),
        revocations: Some(revocations),
        peer,
        language,
        session: None,
        operations: HashMap::new(),
        results: SelectAll::new(),
    };
    actix_web::rt::spawn(socket.run(incoming));
    Ok(response)
}

/// One running operation of the socket.
struct Operation {
    slot: FeedSlot,
    /// Set once the subscription registered what it follows.
    registration: Option<Registration>,
    /// The order of the keys in each of its results.
    order: ResponseOrder,
    /// The shared feed it follows, if it is one; held so the feed runs.
    feed: Option<Arc<Feed>>,
}

/// What an operation produced: a result of its own, or a shared feed's.
enum Produced {
    Response(Box<Response>),
    Shared(Arc<FeedItem>),
}

type Results = Pin<Box<dyn Stream<Item = (String, Option<Produced>)> + Send>>;

struct Socket {
    state: Arc<HttpState>,
    out: actix_ws::Session,
    limits: SocketLimits,
    request_id: String,
    peer: Option<IpAddr>,
    /// The language of messages for people, from the upgrade's `Accept-Language`.
    language: Language,
    /// Set by `connection_init`.
    session: Option<Session>,
    /// Every committed change, while operations of its own need them: a socket
    /// whose operations all follow shared feeds reads none.
    hub: Option<broadcast::Receiver<Arc<Event>>>,
    /// The accounts whose sessions are revoked, while the socket is signed in.
    revocations: Option<broadcast::Receiver<i64>>,
    operations: HashMap<String, Operation>,
    results: SelectAll<Results>,
}

/// A socket's response body, holding its address's place.
struct HoldsPlace<B> {
    body: B,
    _place: Option<SocketPlace>,
}

impl<B: MessageBody + Unpin> MessageBody for HoldsPlace<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<web::Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// What the loop does next.
enum Step {
    Continue,
    Close(Closing),
    /// The client went away or closed.
    Gone,
}

impl Socket {
    async fn run(
        mut self,
        mut incoming: impl Stream<Item = Result<AggregatedMessage, actix_ws::ProtocolError>> + Unpin,
    ) {
        let metrics = &self.state.metrics;
        metrics.sockets.inc();
        // The loop's timers and the stop signal are made once, not at every
        // message: a socket wakes once per change it is sent, and a timer or a
        // waiter made and dropped at each wake costs more than the message.
        let init_deadline = tokio::time::sleep(self.limits.init_timeout);
        let expiry = tokio::time::sleep(self.limits.init_timeout);
        let mut expires = false;
        let mut stopping = self.state.stopping.clone();
        let stop = stopping.announced();
        tokio::pin!(init_deadline, expiry, stop);
        let outcome = loop {
            self.drop_unneeded_channels();
            if !expires && let Some(at) = self.session.as_ref().and_then(|s| s.expires_at) {
                let left = (at - chrono::Utc::now()).to_std().unwrap_or_default();
                expiry.as_mut().reset(Instant::now() + left);
                expires = true;
            }
            // In this order when several are ready: a revocation is read before
            // the hub and the results, so nothing committed after it goes out (a
            // revocation is sent before its change, and a result of change n+1
            // is made after the hub handed out n).
            let step = tokio::select! {
                biased;
                () = &mut stop => Step::Close(Closing::GoingAway),
                () = &mut init_deadline, if self.session.is_none() => {
                    Step::Close(Closing::InitTimeout)
                }
                () = &mut expiry, if expires => {
                    Step::Close(Closing::Forbidden("the token has expired"))
                }
                account = next_event(&mut self.revocations), if self.session.is_some() => match account {
                    Ok(account) => self.on_revocation(account),
                    Err(RecvError::Lagged(_)) => Step::Close(Closing::TooSlow),
                    Err(RecvError::Closed) => Step::Close(Closing::GoingAway),
                },
                event = next_event(&mut self.hub), if self.session.is_some() => match event {
                    Ok(event) => self.on_event(&event),
                    Err(RecvError::Lagged(_)) => Step::Close(Closing::TooSlow),
                    Err(RecvError::Closed) => Step::Close(Closing::GoingAway),
                },
                message = incoming.next() => self.on_message(message).await,
                Some((id, result)) = self.results.next(), if !self.results.is_empty() => {
                    self.on_result(id, result).await
                }
            };
            match step {
                Step::Continue => {}
                Step::Close(closing) => break Some(closing),
                Step::Gone => break None,
            }
        };
        if let Some(closing) = outcome {
            let reason = closing.reason();
            self.state
                .metrics
                .socket_closes
                .with_label_values(&[&u16::from(reason.code).to_string()])
                .inc();
            // The client may not be reading: closing may not wait forever either.
            let _ =
                tokio::time::timeout(self.limits.send_timeout, self.out.close(Some(reason))).await;
        }
        self.state.metrics.sockets.dec();
    }

    /// Sends one protocol message, or finds the client is not reading.
    async fn send(&mut self, message: Value) -> Step {
        self.send_text(message.to_string()).await
    }

    /// A `next` message for operation `id` with a serialised `payload`.
    async fn send_next(&mut self, id: &str, payload: &str) -> Step {
        let message = format!(
            r#"{{"id":{},"type":"next","payload":{payload}}}"#,
            Value::from(id)
        );
        self.send_text(message).await
    }

    async fn send_text(&mut self, message: String) -> Step {
        match tokio::time::timeout(self.limits.send_timeout, self.out.text(message)).await {
            Ok(Ok(())) => Step::Continue,
            Ok(Err(_)) => Step::Gone,
            Err(_) => Step::Close(Closing::TooSlow),
        }
    }

    async fn on_message(
        &mut self,
        message: Option<Result<AggregatedMessage, actix_ws::ProtocolError>>,
    ) -> Step {
        let text = match message {
            None | Some(Ok(AggregatedMessage::Close(_))) => return Step::Gone,
            Some(Err(actix_ws::ProtocolError::Overflow)) => return Step::Close(Closing::TooBig),
            Some(Err(_)) => return Step::Close(Closing::BadMessage("malformed frame".into())),
            Some(Ok(AggregatedMessage::Ping(bytes))) => {
                return match self.out.pong(&bytes).await {
                    Ok(()) => Step::Continue,
                    Err(_) => Step::Gone,
                };
            }
            Some(Ok(AggregatedMessage::Pong(_))) => return Step::Continue,
            Some(Ok(AggregatedMessage::Text(text))) => text.to_string(),
            Some(Ok(AggregatedMessage::Binary(bytes))) => match String::from_utf8(bytes.to_vec()) {
                Ok(text) => text,
                Err(_) => return Step::Close(Closing::BadMessage("not UTF-8".into())),
            },
        };
        // The JSON reader refuses more than 128 levels, so nothing deeper is ever
        // walked; a document or variables nested beyond the query limits is refused
        // for its operation, with an `error` message, by the gate.
        let Ok(Value::Object(mut message)) = serde_json::from_str::<Value>(&text) else {
            return Step::Close(Closing::BadMessage(
                "not a JSON object, or nested too deep".into(),
            ));
        };
        let kind = message
            .remove("type")
            .and_then(|kind| kind.as_str().map(str::to_owned));
        match kind.as_deref() {
            Some("connection_init") => self.on_init(message.remove("payload")).await,
            Some("ping") => self.send(json!({ "type": "pong" })).await,
            Some("pong") => Step::Continue,
            Some("subscribe") => {
                let Some(id) = message.get("id").and_then(Value::as_str).map(str::to_owned) else {
                    return Step::Close(Closing::BadMessage("subscribe needs an id".into()));
                };
                let Some(Value::Object(payload)) = message.remove("payload") else {
                    return Step::Close(Closing::BadMessage(format!(
                        "subscribe {id} needs a payload"
                    )));
                };
                self.on_subscribe(id, payload).await
            }
            Some("complete") => {
                if let Some(id) = message.get("id").and_then(Value::as_str) {
                    // Dropping the operation drops its queue; its results stream
                    // then ends and is forgotten without a `complete`.
                    self.operations.remove(id);
                }
                Step::Continue
            }
            Some(other) => {
                Step::Close(Closing::BadMessage(format!("unknown message type {other}")))
            }
            None => Step::Close(Closing::BadMessage("a message needs a type".into())),
        }
    }

    async fn on_init(&mut self, payload: Option<Value>) -> Step {
        if self.session.is_some() {
            return Step::Close(Closing::TooManyInits);
        }
        let authorization = payload.as_ref().and_then(authorization);
        match session_for(
            &self.state.app,
            authorization.as_deref(),
            self.request_id.clone(),
            self.peer,
        )
        .await
        {
            Ok(session) => {
                self.session = Some(session);
                self.send(json!({ "type": "connection_ack" })).await
            }
            Err(error) if error.code() == ErrorCode::DatabaseUnavailable => {
                Step::Close(Closing::Forbidden("the database is unavailable"))
            }
            Err(_) => Step::Close(Closing::Forbidden(
                "the token is invalid, expired or revoked",
            )),
        }
    }

    async fn on_subscribe(&mut self, id: String, payload: Map<String, Value>) -> Step {
        let Some(session) = self.session.clone() else {
            return Step::Close(Closing::Unauthorized);
        };
        if self.operations.contains_key(&id) {
            return Step::Close(Closing::DuplicateId(id));
        }
        if self.operations.len() >= self.limits.max_subscriptions {
            let message = format!(
                "this socket holds {} operations, the most allowed",
                self.limits.max_subscriptions
            );
            return self
                .send(error_message(&id, &message, ErrorCode::RateLimited))
                .await;
        }
        let params = match params_from_json(payload) {
            Ok(params) => params,
            Err(message) => {
                return self
                    .send(error_message(&id, &message, ErrorCode::BadUserInput))
                    .await;
            }
        };
        let key = FeedKey {
            query: params.query.clone(),
            variables: params
                .variables
                .as_ref()
                .map(|variables| Value::Object(variables.clone()).to_string())
                .unwrap_or_default(),
            operation: params.operation_name.clone(),
            account: session.viewer.principal.as_ref().map(|p| p.account_id),
            language: self.language,
            worker: std::thread::current().id(),
        };
        let variables = params
            .variables
            .map(|variables| Variables::from_json(Value::Object(variables)))
            .unwrap_or_default();
        let document = match self.state.gate.admit(&params.query, &variables) {
            Ok(document) => document,
            Err(refusal) => {
                let errors = json!([refusal.into_server_error()]);
                return self
                    .send(json!({ "id": id, "type": "error", "payload": errors }))
                    .await;
            }
        };
        let shared = feeds::shareable(&document, params.operation_name.as_deref());
        if shared
            && let Some(feed) = self.state.feeds.find(&key)
            && let Some(follower) = feed.follow()
        {
            return self.join(id, feed, follower).await;
        }
        let order = ResponseOrder::of(
            &document,
            params.operation_name.as_deref(),
            self.state.gate.registry(),
        );
        // Made before the subscription reads where the log ends, so that nothing
        // committed after that is missed: the feed's own, or the socket's.
        let hub = shared.then(|| self.state.app.db.events.subscribe());
        if !shared && self.hub.is_none() {
            self.hub = Some(self.state.app.db.events.subscribe());
        }
        let viewer = session.viewer.clone();
        let slot = FeedSlot::default();
        let mut data = Data::default();
        data.insert(session);
        data.insert(self.language);
        data.insert(slot.clone());
        let mut request = Request::new(params.query).variables(variables);
        request.set_parsed_query(document);
        request.data = data;
        if let Some(name) = params.operation_name {
            request = request.operation_name(name);
        }
        let mut results = self.state.schema.execute_stream(request);
        // Run the operation until it registers what it follows or answers, so that
        // by the next message from the client a subscription is in place.
        let first = tokio::select! {
            first = results.next() => Some(first),
            () = slot.registered() => None,
        };
        if let (None, Some(hub)) = (&first, hub)
            && let Some(registration) = slot.take_registration()
        {
            // Registered and live: run it as a feed that later sockets can join.
            let (feed, follower) = self.state.feeds.start(
                key,
                Run {
                    results,
                    registration,
                    slot: slot.clone(),
                    viewer,
                    hub,
                    order,
                    request_id: self.request_id.clone(),
                    capacity: self.limits.queue,
                    executed: self.state.metrics.subscription_results.clone(),
                },
            );
            return self.follow(id, slot, feed, follower, 0);
        }
        // An operation of its own (a shareable one that answered before it
        // registered ends here too): the socket reads the hub for it.
        if self.hub.is_none() {
            self.hub = Some(self.state.app.db.events.subscribe());
        }
        self.operations.insert(
            id.clone(),
            Operation {
                slot,
                registration: None,
                order,
                feed: None,
            },
        );
        if let Some(operation) = self.operations.get_mut(&id) {
            operation.registration = operation.slot.take_registration();
        }
        match first {
            // Refused before it ran: validation, an unknown operation name.
            Some(Some(response)) if is_request_error(&response) => {
                self.operations.remove(&id);
                let errors =
                    serde_json::to_value(self.masked(response).errors).unwrap_or(Value::Null);
                self.send(json!({ "id": id, "type": "error", "payload": errors }))
                    .await
            }
            Some(Some(response)) => {
                self.watch(id.clone(), results);
                self.on_result(id, Some(Produced::Response(Box::new(response))))
                    .await
            }
            Some(None) => self.on_result(id, None).await,
            None => {
                self.watch(id, results);
                Step::Continue
            }
        }
    }

    /// Polls an operation's results with the others'; `None` marks its end.
    fn watch(&mut self, id: String, results: impl Stream<Item = Response> + Send + 'static) {
        let ended = id.clone();
        let stream = results
            .map(move |response| (id.clone(), Some(Produced::Response(Box::new(response)))))
            .chain(futures_util::stream::once(async move { (ended, None) }));
        self.results.push(Box::pin(stream));
    }

    /// Joins a running feed: only what changes after now is passed on.
    async fn join(
        &mut self,
        id: String,
        feed: Arc<Feed>,
        follower: broadcast::Receiver<Arc<FeedItem>>,
    ) -> Step {
        match events::latest(&self.state.app.db.read).await {
            Ok(now) => self.follow(id, FeedSlot::default(), feed, follower, now),
            Err(error) => {
                let code = ApiError::from(error).code();
                self.send(error_message(&id, "the database is unavailable", code))
                    .await
            }
        }
    }

    /// Operation `id` follows `feed`, from the change after `after` on.
    fn follow(
        &mut self,
        id: String,
        slot: FeedSlot,
        feed: Arc<Feed>,
        follower: broadcast::Receiver<Arc<FeedItem>>,
        after: i64,
    ) -> Step {
        self.operations.insert(
            id.clone(),
            Operation {
                slot,
                registration: None,
                order: ResponseOrder::default(),
                feed: Some(feed),
            },
        );
        let ended = id.clone();
        let items = BroadcastStream::new(follower)
            // A follower that fell behind the feed is closed, like one behind the hub.
            .map(|item| item.unwrap_or_else(|_| Arc::new(FeedItem::Behind)))
            .take_while(|item| std::future::ready(!matches!(**item, FeedItem::End)))
            .filter(move |item| {
                std::future::ready(
                    !matches!(**item, FeedItem::Next { change, .. } if change > 0 && change <= after),
                )
            })
            .map(move |item| (id.clone(), Some(Produced::Shared(item))))
            .chain(futures_util::stream::once(async move { (ended, None) }));
        self.results.push(Box::pin(items));
        Step::Continue
    }

    async fn on_result(&mut self, id: String, result: Option<Produced>) -> Step {
        let Some(operation) = self.operations.get(&id) else {
            // Completed by the client: its results are no longer wanted.
            return Step::Continue;
        };
        match result {
            Some(Produced::Shared(item)) => match &*item {
                FeedItem::Next { payload, .. } => self.send_next(&id, payload).await,
                FeedItem::Behind => Step::Close(Closing::TooSlow),
                FeedItem::End => Step::Continue,
            },
            Some(Produced::Response(response)) => {
                let change = operation.slot.last_yielded();
                if change > 0 {
                    self.state.metrics.subscription_results.inc();
                }
                let payload =
                    feeds::serialised(*response, &operation.order, &self.request_id, change);
                self.send_next(&id, &payload).await
            }
            None => {
                self.operations.remove(&id);
                self.send(json!({ "id": id, "type": "complete" })).await
            }
        }
    }

    /// INTERNAL errors say only "internal error" and the socket's request id, and
    /// their cause is logged with it, as over HTTP.
    fn masked(&self, mut response: Response) -> Response {
        response.errors = response
            .errors
            .into_iter()
            .map(|error| mask_internal(error, &self.request_id))
            .collect();
        response
    }

    /// Stops reading what nothing on the socket needs: the revocations once it is
    /// anonymous, the hub while every operation follows a shared feed.
    fn drop_unneeded_channels(&mut self) {
        let Some(session) = &self.session else {
            return;
        };
        if session.viewer.principal.is_none() {
            self.revocations = None;
        }
        if self
            .operations
            .values()
            .all(|operation| operation.feed.is_some())
        {
            self.hub = None;
        }
    }

    /// Closes the socket when `account` is its own.
    fn on_revocation(&self, account: i64) -> Step {
        let own = self
            .session
            .as_ref()
            .and_then(|session| session.viewer.principal.as_ref())
            .is_some_and(|principal| principal.account_id == account);
        if own {
            Step::Close(Closing::Forbidden("the account changed; sign in again"))
        } else {
            Step::Continue
        }
    }

    /// Hands a committed change to the subscriptions that follow it and may see it.
    fn on_event(&mut self, event: &Arc<Event>) -> Step {
        let Some(session) = &self.session else {
            return Step::Continue;
        };
        for operation in self.operations.values_mut() {
            if operation.registration.is_none() {
                operation.registration = operation.slot.take_registration();
            }
            let Some(registration) = &operation.registration else {
                continue;
            };
            if !registration.topic.admits(event, &session.viewer) {
                continue;
            }
            match registration.queue.try_send(event.clone()) {
                Ok(()) => {}
                Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {
                    return Step::Close(Closing::TooSlow);
                }
                // The operation ended; its end is on its way through the results.
                Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        Step::Continue
    }
}

/// The next item of a channel the socket reads, or never without one.
async fn next_event<T: Clone>(
    channel: &mut Option<broadcast::Receiver<T>>,
) -> Result<T, RecvError> {
    match channel {
        Some(channel) => channel.recv().await,
        None => std::future::pending().await,
    }
}

/// An `error` message for operation `id`: one GraphQL error with a code.
fn error_message(id: &str, message: &str, code: ErrorCode) -> Value {
    json!({ "id": id, "type": "error", "payload": [{ "message": message, "extensions": { "code": code.as_str() } }] })
}
