//! A real SMTP server for the tests, over TCP on tokio: it speaks enough of RFC 5321
//! (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) for `lettre`
//! to deliver to it, keeps every message it accepts, and can be stopped and started
//! again on the same port to play an outage.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use base64::{Engine, engine::general_purpose::STANDARD};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    task::JoinSet,
};

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope's recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The raw message (headers and body).
    pub raw: String,
}

impl Mail {
    /// A header's value, unfolded (the first one of that name).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// The subject, decoded from RFC 2047 encoded words.
    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").unwrap_or_default())
    }

    /// The decoded body (with `\n` line ends) of the part of this content type (`text/plain`, `text/html`).
    pub fn part(&self, content_type: &str) -> String {
        for part in self.raw.split("\r\n--") {
            let Some((head, body)) = part.split_once("\r\n\r\n") else {
                continue;
            };
            let head = head.to_ascii_lowercase();
            if !head.contains(&format!("content-type: {content_type}")) {
                continue;
            }
            let body = body.split("\r\n--").next().unwrap_or_default();
            if head.contains("content-transfer-encoding: base64") {
                let compact: String = body.split_whitespace().collect();
                let bytes = STANDARD.decode(compact).expect("base64 body");
                // Text travels with CRLF line ends; the tests compare with `\n`.
                return String::from_utf8(bytes)
                    .expect("UTF-8 body")
                    .replace("\r\n", "\n");
            }
            return body.to_owned();
        }
        panic!("no {content_type} part in:\n{}", self.raw)
    }
}

/// `=?utf-8?b?…?=` and `=?utf-8?q?…?=` words, decoded and joined as RFC 2047 says
/// (whitespace between adjacent encoded words is dropped).
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut pending_space = String::new();
    let mut last_was_word = false;
    for token in value.split(' ') {
        let decoded = token
            .strip_prefix("=?")
            .and_then(|t| t.strip_suffix("?="))
            .and_then(|inner| {
                let mut pieces = inner.splitn(3, '?');
                let _charset = pieces.next()?;
                let encoding = pieces.next()?;
                let text = pieces.next()?;
                let bytes = if encoding.eq_ignore_ascii_case("b") {
                    STANDARD.decode(text).ok()?
                } else {
                    quoted(text)
                };
                String::from_utf8(bytes).ok()
            });
        match decoded {
            Some(word) => {
                if !last_was_word {
                    out.push_str(&pending_space);
                }
                out.push_str(&word);
                last_was_word = true;
            }
            None => {
                out.push_str(&pending_space);
                out.push_str(token);
                last_was_word = false;
            }
        }
        pending_space = " ".into();
        if out.is_empty() {
            pending_space.clear();
        }
    }
    out
}

fn quoted(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("3F");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// The SMTP server; it stops when dropped.
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Mail>>>,
    tasks: Option<JoinSet<()>>,
    behaviour: Arc<Behaviour>,
}

/// How the sink answers.
#[derive(Default)]
struct Behaviour {
    /// Milliseconds it waits before accepting a message it has read.
    hold_ms: AtomicU64,
    /// Messages read whose acceptance is (or was) being held.
    read: AtomicUsize,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let mut sink = SmtpSink {
            port,
            received: Arc::default(),
            tasks: None,
            behaviour: Arc::default(),
        };
        sink.serve(listener);
        sink
    }

    /// `DONGHANH_SMTP_URL` for this sink (plain SMTP, no TLS).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// From now on, waits this long after reading a message before accepting it,
    /// as a slow server does.
    pub fn hold_replies(&self, hold: Duration) {
        let ms = u64::try_from(hold.as_millis()).unwrap_or(u64::MAX);
        self.behaviour.hold_ms.store(ms, Ordering::SeqCst);
    }

    /// Waits until a message has been read (its acceptance may still be held).
    pub async fn wait_for_a_message_in_flight(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while self.behaviour.read.load(Ordering::SeqCst) == 0 {
            assert!(tokio::time::Instant::now() < deadline, "no message arrived");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Closes the port and every open conversation: connections are refused.
    pub fn stop(&mut self) {
        self.tasks = None;
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("the port is free again");
        self.serve(listener);
    }

    fn serve(&mut self, listener: TcpListener) {
        let mut tasks = JoinSet::new();
        let received = self.received.clone();
        let behaviour = self.behaviour.clone();
        let conversations = Arc::new(Mutex::new(JoinSet::new()));
        tasks.spawn(async move {
            // The conversations end with this task.
            let conversations = conversations;
            while let Ok((stream, _)) = listener.accept().await {
                let received = received.clone();
                let behaviour = behaviour.clone();
                conversations.lock().expect("lock").spawn(async move {
                    let _ = converse(stream, received, behaviour).await;
                });
            }
        });
        self.tasks = Some(tasks);
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Mail> {
        self.received.lock().expect("lock").clone()
    }

    /// Waits until at least `count` messages have arrived (at most 30 s), then
    /// returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{count} messages expected, {} arrived: {:#?}",
                messages.len(),
                messages.iter().map(Mail::subject).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The messages to one address.
    pub fn to(&self, address: &str) -> Vec<Mail> {
        self.messages()
            .into_iter()
            .filter(|mail| mail.to.iter().any(|to| to == address))
            .collect()
    }
}

async fn converse(
    stream: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<Mail>>>,
    behaviour: Arc<Behaviour>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => {
                write
                    .write_all(b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    .await?
            }
            "HELO" => write.write_all(b"250 sink.test\r\n").await?,
            "MAIL" => {
                to.clear();
                write.write_all(b"250 OK\r\n").await?
            }
            "RCPT" => {
                let address = command
                    .split_once('<')
                    .and_then(|(_, rest)| rest.split_once('>'))
                    .map(|(address, _)| address.to_owned())
                    .unwrap_or_default();
                to.push(address);
                write.write_all(b"250 OK\r\n").await?
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut raw = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    raw.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                behaviour.read.fetch_add(1, Ordering::SeqCst);
                let hold = behaviour.hold_ms.load(Ordering::SeqCst);
                if hold > 0 {
                    tokio::time::sleep(Duration::from_millis(hold)).await;
                }
                received.lock().expect("lock").push(Mail {
                    to: std::mem::take(&mut to),
                    raw,
                });
                write.write_all(b"250 OK queued\r\n").await?
            }
            "RSET" | "NOOP" => write.write_all(b"250 OK\r\n").await?,
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"502 not implemented\r\n").await?,
        }
    }
}
