//! Shared subscription feeds. Sockets that subscribe with the same document,
//! variables and operation, as the same account (or anonymously) and in the same
//! language, would get the same results; on a worker thread of an instance they
//! share one feed: each change is executed and serialised once, and the same text
//! is sent to every socket that follows the feed. A change to a thousand anonymous
//! subscribers of a dialogue then costs one execution per worker, not a thousand.
//!
//! A feed reads the hub itself and hands its subscription the changes it may see,
//! as a socket does for an operation of its own. It ends with its last follower
//! (dropping the last [`Feed`] stops its task), when its subscription ends (its
//! followers get `complete`), or when it cannot keep up (its followers are closed
//! with 1008, to resume with `after`). A subscription that resumes (`after`) is
//! never shared: its replay is its own. A socket that joins a running feed passes
//! on only the changes committed after it joined.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicBool, Ordering},
    },
};

use async_graphql::{
    Response,
    parser::types::{ExecutableDocument, OperationType, Selection},
};
use futures_util::{Stream, StreamExt};
use prometheus::IntCounter;
use serde_json::{Value, json};
use tokio::sync::{
    broadcast::{self, error::RecvError},
    mpsc::error::TrySendError,
    oneshot,
};

use super::graphql::mask_internal;
use crate::{
    auth::Viewer,
    error::Language,
    events::Event,
    graphql::{
        order::ResponseOrder,
        subscriptions::{FeedSlot, Registration},
    },
};

/// What decides a subscription's results: sockets that agree on all of it get the
/// same results.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedKey {
    pub query: String,
    /// The variables as JSON text.
    pub variables: String,
    pub operation: Option<String>,
    /// The signed-in account; none for anonymous viewers.
    pub account: Option<i64>,
    pub language: Language,
    /// The worker thread of the socket: a feed runs on its followers' thread, so
    /// handing them a result wakes tasks of that thread only (a wake across
    /// threads is a system call per socket). A change is executed once per feed
    /// and worker, a handful of times, not once per socket.
    pub worker: std::thread::ThreadId,
}

/// What a feed sends its followers.
#[derive(Debug)]
pub enum FeedItem {
    /// A result: the change behind it, and the `payload` of its `next` message.
    Next { change: i64, payload: Arc<str> },
    /// The feed fell behind the changes: its followers are closed, to resume.
    Behind,
    /// The subscription ended.
    End,
}

/// A running feed; its task stops when the last follower drops it.
pub struct Feed {
    items: broadcast::Sender<Arc<FeedItem>>,
    ended: Arc<AtomicBool>,
    _stop: oneshot::Sender<()>,
}

impl Feed {
    /// A follower's view of the results from now on; none once the feed has
    /// ended (its last item went out before this follower was there to get it).
    pub fn follow(&self) -> Option<broadcast::Receiver<Arc<FeedItem>>> {
        let follower = self.items.subscribe();
        (!self.ended.load(Ordering::Acquire)).then_some(follower)
    }
}

/// What a feed's task runs: the subscription's results and what it follows.
pub struct Run<S> {
    pub results: S,
    pub registration: Registration,
    pub slot: FeedSlot,
    pub viewer: Viewer,
    /// A hub receiver made before the subscription read where the log ends.
    pub hub: broadcast::Receiver<Arc<Event>>,
    pub order: ResponseOrder,
    /// For the log line of an INTERNAL error: the request id of the socket that
    /// started the feed.
    pub request_id: String,
    /// How many results a follower may fall behind before it is closed.
    pub capacity: usize,
    /// Counts every result executed.
    pub executed: IntCounter,
}

/// The running feeds of this instance.
#[derive(Default)]
pub struct Feeds(Mutex<HashMap<FeedKey, Weak<Feed>>>);

impl Feeds {
    /// The running feed for `key`, if there is one.
    pub fn find(&self, key: &FeedKey) -> Option<Arc<Feed>> {
        let feeds = self.0.lock().unwrap_or_else(|p| p.into_inner());
        feeds
            .get(key)
            .and_then(Weak::upgrade)
            .filter(|feed| !feed.ended.load(Ordering::Acquire))
    }

    /// Starts a feed for `key`; the feed and its first follower.
    pub fn start<S>(
        &self,
        key: FeedKey,
        run: Run<S>,
    ) -> (Arc<Feed>, broadcast::Receiver<Arc<FeedItem>>)
    where
        S: Stream<Item = Response> + Send + Unpin + 'static,
    {
        let (items, first) = broadcast::channel(run.capacity.max(1));
        let (stop, stopped) = oneshot::channel();
        let ended = Arc::new(AtomicBool::new(false));
        let feed = Arc::new(Feed {
            items: items.clone(),
            ended: ended.clone(),
            _stop: stop,
        });
        tokio::spawn(async move {
            let last = drive(run, &items, stopped).await;
            // Ended before the last item goes out: a follower that comes after it
            // sees the flag (and starts a feed of its own) rather than wait forever.
            ended.store(true, Ordering::Release);
            if let Some(last) = last {
                // No follower left is not an error.
                let _ = items.send(Arc::new(last));
            }
        });
        let mut feeds = self.0.lock().unwrap_or_else(|p| p.into_inner());
        feeds.retain(|_, feed| feed.strong_count() > 0);
        feeds.insert(key, Arc::downgrade(&feed));
        (feed, first)
    }
}

/// Runs the feed until it stops (no follower is left: nothing more to say) or
/// ends (the item that tells its followers).
async fn drive<S>(
    run: Run<S>,
    items: &broadcast::Sender<Arc<FeedItem>>,
    mut stopped: oneshot::Receiver<()>,
) -> Option<FeedItem>
where
    S: Stream<Item = Response> + Unpin,
{
    let Run {
        mut results,
        registration,
        slot,
        viewer,
        mut hub,
        order,
        request_id,
        executed,
        ..
    } = run;
    loop {
        tokio::select! {
            _ = &mut stopped => return None,
            event = hub.recv() => match event {
                Ok(event) => {
                    if registration.topic.admits(&event, &viewer)
                        && let Err(TrySendError::Full(_)) = registration.queue.try_send(event)
                    {
                        return Some(FeedItem::Behind);
                    }
                }
                Err(RecvError::Lagged(_)) => return Some(FeedItem::Behind),
                Err(RecvError::Closed) => return Some(FeedItem::End),
            },
            response = results.next() => match response {
                Some(response) => {
                    executed.inc();
                    let change = slot.last_yielded();
                    let payload = serialised(response, &order, &request_id, change);
                    // No follower left is not an error: the stop signal follows.
                    let _ = items.send(Arc::new(FeedItem::Next { change, payload }));
                }
                None => return Some(FeedItem::End),
            },
        }
    }
}

/// A result as the `payload` of a `next` message: INTERNAL errors masked, keys in
/// the selection's order, the change id in `extensions.changeId`.
pub fn serialised(
    mut response: Response,
    order: &ResponseOrder,
    request_id: &str,
    change: i64,
) -> Arc<str> {
    response.errors = response
        .errors
        .into_iter()
        .map(|error| mask_internal(error, request_id))
        .collect();
    order.apply(&mut response.data);
    let mut payload = serde_json::to_value(&response).unwrap_or(Value::Null);
    if change > 0 {
        payload["extensions"]["changeId"] = json!(change.to_string());
    }
    payload.to_string().into()
}

/// Whether the operation of `document` that runs may share a feed: a subscription
/// whose root fields are plain fields without `after` (a resume has its own replay).
pub fn shareable(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let Some(operation) = crate::graphql::operation(document, operation_name) else {
        return false;
    };
    operation.node.ty == OperationType::Subscription
        && operation
            .node
            .selection_set
            .node
            .items
            .iter()
            .all(|selection| match &selection.node {
                Selection::Field(field) => field
                    .node
                    .arguments
                    .iter()
                    .all(|(name, _)| name.node.as_str() != "after"),
                _ => false,
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(query: &str, operation: Option<&str>) -> bool {
        let document = async_graphql::parser::parse_query(query).expect("parses");
        shareable(&document, operation)
    }

    #[test]
    fn only_live_subscriptions_share() {
        assert!(shares("subscription { dialogueChanged { id } }", None));
        assert!(shares(
            "subscription($d: ID) { dialogueChanged(dialogueId: $d) { id } }",
            None
        ));
        assert!(!shares(
            "subscription { dialogueChanged(after: \"7\") { id } }",
            None
        ));
        assert!(!shares(
            "subscription($a: String) { dialogueChanged(after: $a) { id } }",
            None
        ));
        assert!(!shares("{ dialogues(first: 1) { nodes { id } } }", None));
        assert!(!shares(
            "subscription { ... on Subscription { dialogueChanged { id } } }",
            None
        ));
        let two = "subscription A { dialogueChanged { id } } subscription B { dialogueChanged(after: \"1\") { id } }";
        assert!(shares(two, Some("A")));
        assert!(!shares(two, Some("B")));
        assert!(!shares(two, None));
    }
}
