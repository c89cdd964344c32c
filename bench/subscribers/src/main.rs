//! Subscription fan-out (issue 10): `--subscribers` sockets spread over the
//! instances given with `--subscribe`, each following one dialogue as a viewer of
//! one of four classes (anonymous, a firm, an official, an admin); an official
//! then changes the dialogue `--changes` times back to back through `--mutate`.
//! Every subscriber must receive every change once, in order. Printed as JSON:
//! delivery latency (from the mutation's request to the event's arrival) p50/p99,
//! and the mutations' latency without subscribers and with them.
//!
//! Run by `bench/fanout`, against servers with the demo data.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Barrier;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

const PASSWORD: &str = "dong-hanh-demo-2026";
const OFFICIAL: &str = "canbo@demo.donghanh.vn";
const FIRM: &str = "doanhnghiep@demo.donghanh.vn";
const ADMIN: &str = "quantri@demo.donghanh.vn";
const UPDATE: &str = "mutation($input: UpdateDialogueInput!) { updateDialogue(input: $input) { dialogue { title } userErrors { message } } }";
const FOLLOW: &str = "subscription($id: ID!) { dialogueChanged(dialogueId: $id) { id title } }";

struct Options {
    mutate: String,
    subscribe: Vec<String>,
    subscribers: usize,
    changes: usize,
    /// The niceness of the threads that read the subscribers' sockets (the
    /// mutations' thread keeps the default).
    receivers_nice: i32,
}

fn options() -> Options {
    let mut options = Options {
        mutate: String::new(),
        subscribe: Vec::new(),
        subscribers: 1000,
        changes: 200,
        receivers_nice: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--mutate" => options.mutate = value,
            "--subscribe" => options.subscribe = value.split(',').map(str::to_owned).collect(),
            "--subscribers" => options.subscribers = value.parse().expect("a number"),
            "--changes" => options.changes = value.parse().expect("a number"),
            "--receivers-nice" => options.receivers_nice = value.parse().expect("a number"),
            other => panic!("unknown option {other}"),
        }
    }
    assert!(
        !options.mutate.is_empty() && !options.subscribe.is_empty(),
        "usage: bench-fanout --mutate URL --subscribe URL[,URL…] [--subscribers N] [--changes N] [--receivers-nice N]"
    );
    options
}

async fn graphql(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Value = request
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert!(body.get("errors").is_none(), "{body}");
    body
}

async fn sign_in(client: &reqwest::Client, url: &str, email: &str) -> String {
    let body = graphql(
        client,
        url,
        None,
        "mutation($input: LoginInput!) { login(input: $input) { token userErrors { message } } }",
        json!({ "input": { "email": email, "password": PASSWORD } }),
    )
    .await;
    body["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{email} signs in: {body}"))
        .to_owned()
}

/// One burst: `changes` updates back to back, titled `{prefix} {k}`; when each
/// request was sent and how long it took.
async fn burst(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    dialogue: &str,
    prefix: &str,
    changes: usize,
) -> (Vec<Instant>, Vec<Duration>) {
    let mut sent = Vec::with_capacity(changes);
    let mut took = Vec::with_capacity(changes);
    for k in 0..changes {
        let start = Instant::now();
        let body = graphql(
            client,
            url,
            Some(token),
            UPDATE,
            json!({ "input": { "dialogueId": dialogue, "title": format!("{prefix} {k}") } }),
        )
        .await;
        assert_eq!(
            body["data"]["updateDialogue"]["userErrors"],
            json!([]),
            "{body}"
        );
        sent.push(start);
        took.push(start.elapsed());
    }
    (sent, took)
}

/// A burst on a thread and runtime of its own, with a client of its own: its
/// requests and responses are then never queued behind the subscribers' reads in
/// this process's runtime, and the latency measured is the server's.
fn burst_apart(
    url: &str,
    token: &str,
    dialogue: &str,
    prefix: &str,
    changes: usize,
) -> std::thread::JoinHandle<(Vec<Instant>, Vec<Duration>)> {
    let (url, token, dialogue, prefix) = (
        url.to_owned(),
        token.to_owned(),
        dialogue.to_owned(),
        prefix.to_owned(),
    );
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let client = reqwest::Client::new();
            burst(&client, &url, &token, &dialogue, &prefix, changes).await
        })
    })
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_text(socket: &mut Socket) -> String {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(60), socket.next())
            .await
            .expect("a message in time")
            .expect("the socket stays open")
            .expect("a frame");
        match message {
            Message::Text(text) => return text.as_str().to_owned(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

async fn next_json(socket: &mut Socket) -> Value {
    serde_json::from_str(&next_text(socket).await).expect("JSON")
}

/// A subscriber, ready to receive: connected, initialised as `token`, subscribed,
/// and (a `ping` answered after the `subscribe`) listening.
async fn subscriber(url: &str, token: Option<&str>, dialogue: &str) -> Socket {
    let mut request = format!("{}/graphql/ws", url.replacen("http", "ws", 1))
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    let mut init = json!({ "type": "connection_init" });
    if let Some(token) = token {
        init["payload"] = json!({ "Authorization": format!("Bearer {token}") });
    }
    socket
        .send(Message::text(init.to_string()))
        .await
        .expect("sent");
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": FOLLOW, "variables": { "id": dialogue } } });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("sent");
    socket
        .send(Message::text(json!({ "type": "ping" }).to_string()))
        .await
        .expect("sent");
    assert_eq!(next_json(&mut socket).await, json!({ "type": "pong" }));
    socket
}

/// Reads `changes` events; when each arrived, after checking they are the burst's
/// titles in order, each once. The check reads the text rather than parsing it,
/// so the client spends little of the machine the servers share with it; a
/// message that does not match is parsed, to say what it was.
async fn receive(mut socket: Socket, prefix: String, changes: usize) -> Vec<Instant> {
    const NEXT: &str = r#"{"id":"1","type":"next","payload":{"data":{"dialogueChanged":{"#;
    let mut arrived = Vec::with_capacity(changes);
    while arrived.len() < changes {
        let text = next_text(&mut socket).await;
        let at = Instant::now();
        let title = format!(r#","title":"{prefix} {}"}}}}"#, arrived.len());
        if !(text.starts_with(NEXT) && text.contains(&title)) {
            let message: Value = serde_json::from_str(&text).expect("JSON");
            panic!("expected title {title}, in order, each once; got {message}");
        }
        arrived.push(at);
    }
    let _ = socket.close(None).await;
    arrived
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank]
}

fn millis(durations: impl IntoIterator<Item = Duration>) -> Vec<f64> {
    let mut values: Vec<f64> = durations
        .into_iter()
        .map(|d| d.as_secs_f64() * 1000.0)
        .collect();
    values.sort_by(f64::total_cmp);
    values
}

fn summary(sorted: &[f64]) -> Value {
    json!({
        "n": sorted.len(),
        "p50_ms": percentile(sorted, 50.0),
        "p99_ms": percentile(sorted, 99.0),
        "max_ms": sorted.last().copied().unwrap_or(f64::NAN),
    })
}

/// Lowers the calling thread's priority (Linux: niceness is per thread).
fn nice_this_thread(nice: i32) {
    if nice == 0 {
        return;
    }
    // SAFETY: gettid and setpriority take and return plain integers.
    let done = unsafe {
        let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, thread, nice)
    };
    assert_eq!(done, 0, "setpriority: {}", std::io::Error::last_os_error());
}

fn main() {
    let options = options();
    let nice = options.receivers_nice;
    // This runtime reads the subscribers' sockets; the bursts run on threads of
    // their own (`burst_apart`), at the default priority.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(move || nice_this_thread(nice))
        .build()
        .expect("a runtime");
    runtime.block_on(run(options));
}

async fn run(options: Options) {
    let client = reqwest::Client::new();
    let official = sign_in(&client, &options.mutate, OFFICIAL).await;
    let firm = sign_in(&client, &options.mutate, FIRM).await;
    let admin = sign_in(&client, &options.mutate, ADMIN).await;
    let body = graphql(
        &client,
        &options.mutate,
        None,
        "{ dialogues(first: 1, filter: {statuses: [SCHEDULED]}) { nodes { id } } }",
        json!({}),
    )
    .await;
    let dialogue = body["data"]["dialogues"]["nodes"][0]["id"]
        .as_str()
        .expect("a scheduled dialogue in the demo data")
        .to_owned();

    // Without subscribers.
    let (_, alone) = burst_apart(
        &options.mutate,
        &official,
        &dialogue,
        "alone",
        options.changes,
    )
    .join()
    .expect("the burst alone");

    // Subscribers, a tenth at a time so the servers are not flooded with upgrades.
    let started = Instant::now();
    let prefix = "watched".to_owned();
    let mut sockets = Vec::with_capacity(options.subscribers);
    let mut classes: HashMap<&str, usize> = HashMap::new();
    for chunk in (0..options.subscribers)
        .collect::<Vec<_>>()
        .chunks(options.subscribers.div_ceil(10).max(1))
    {
        let connecting = chunk.iter().map(|&i| {
            let url = options.subscribe[i % options.subscribe.len()].clone();
            let (class, token) = match i % 10 {
                0..=5 => ("anonymous", None),
                6 | 7 => ("firm", Some(firm.clone())),
                8 => ("official", Some(official.clone())),
                _ => ("admin", Some(admin.clone())),
            };
            *classes.entry(class).or_default() += 1;
            let dialogue = dialogue.clone();
            async move { subscriber(&url, token.as_deref(), &dialogue).await }
        });
        sockets.extend(futures_util::future::join_all(connecting).await);
    }
    let connected_in = started.elapsed();
    let ready = Arc::new(Barrier::new(sockets.len() + 1));
    let receivers: Vec<_> = sockets
        .into_iter()
        .map(|socket| {
            let (prefix, ready) = (prefix.clone(), ready.clone());
            let changes = options.changes;
            tokio::spawn(async move {
                ready.wait().await;
                receive(socket, prefix, changes).await
            })
        })
        .collect();
    ready.wait().await;
    let mutator = burst_apart(
        &options.mutate,
        &official,
        &dialogue,
        &prefix,
        options.changes,
    );
    let mut arrivals = Vec::with_capacity(receivers.len());
    for receiver in receivers {
        arrivals.push(
            receiver
                .await
                .expect("a subscriber received every change in order"),
        );
    }
    let (sent, watched) = mutator.join().expect("the burst with subscribers");
    let mut delivery = Vec::with_capacity(arrivals.len() * options.changes);
    let mut complete = 0;
    for arrived in arrivals {
        complete += 1;
        delivery.extend(
            arrived
                .iter()
                .zip(&sent)
                .map(|(at, sent)| at.duration_since(*sent)),
        );
    }
    let (alone, watched, delivery) = (millis(alone), millis(watched), millis(delivery));
    let report = json!({
        "subscribers": options.subscribers,
        "instances": options.subscribe.len(),
        "changes": options.changes,
        "receivers_nice": options.receivers_nice,
        "viewer_classes": classes,
        "subscribers_with_every_change_in_order": complete,
        "connect_all_s": connected_in.as_secs_f64(),
        "delivery": summary(&delivery),
        "mutation_alone": summary(&alone),
        "mutation_with_subscribers": summary(&watched),
        "mutation_p50_ratio": percentile(&watched, 50.0) / percentile(&alone, 50.0),
    });
    println!("{report}");
}
