//! How a subscription resolver and its socket meet. The socket gives each
//! `subscribe` a [`FeedSlot`] (as request data); the resolver registers in it what
//! it follows (a [`Topic`]) and receives a bounded queue of events. The socket
//! reads the hub once for all its subscriptions and hands each event to the queues
//! of the subscriptions that follow it and may see it; a queue that is full means
//! the client is not keeping up, and the socket is closed rather than let memory
//! grow. A subscription resumed with `after` first replays the change log from
//! there, then continues live without a gap or a repeat.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, AtomicI64, Ordering},
};

use async_graphql::{Context, ID, Subscription as SubscriptionRoot};
use futures_util::{Stream, StreamExt, stream};
use tokio::sync::{Notify, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::{
    agenda::graphql::AgendaItem,
    auth::Viewer,
    dialogues::graphql::Dialogue,
    error::ApiError,
    events::{self, Event, State},
    graphql::{app, ids::argument_key, session},
    keys::{AgendaItemKey, DialogueKey, Key},
    notifications::graphql::Notification,
};

/// The subscription root (its fields are described on the impl below).
#[derive(Default)]
pub struct Subscription;

/// The subscription root. Each field follows changes as they commit; every change
/// arrives once, in commit order, with the object as it was at that change (its
/// nested fields resolve to the current data). A `next` message carries the
/// change's id in `extensions.changeId`; subscribing again with `after` set to the
/// last one received sends what was missed first.
#[SubscriptionRoot]
impl Subscription {
    /// Every change of an agenda item the subscriber may see; narrow by dialogue or item.
    async fn agenda_item_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the items on this dialogue's agenda.")] dialogue_id: Option<ID>,
        #[graphql(desc = "Only this item.")] agenda_item_id: Option<ID>,
        #[graphql(
            desc = "Resume after this change: the `extensions.changeId` of the last `next` message received."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = AgendaItem>> {
        let dialogue = dialogue_id
            .map(|id| argument_key::<DialogueKey>(&id, "dialogueId").map(Key::get))
            .transpose()?;
        let item = agenda_item_id
            .map(|id| argument_key::<AgendaItemKey>(&id, "agendaItemId").map(Key::get))
            .transpose()?;
        let topic = Topic::new(&["AgendaItem"], move |state| match state {
            State::AgendaItem(found) => {
                item.is_none_or(|wanted| wanted == found.id)
                    && dialogue.is_none_or(|wanted| found.dialogue_id == Some(wanted))
            }
            _ => false,
        });
        let events = follow(ctx, topic, change_id(after)?).await?;
        Ok(events.filter_map(|event| {
            std::future::ready(match &event.state {
                State::AgendaItem(found) => Some(AgendaItem((**found).clone())),
                _ => None,
            })
        }))
    }

    /// Every notification recorded for the signed-in viewer, as it commits (anonymous: UNAUTHENTICATED).
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Resume after this change: the `extensions.changeId` of the last `next` message received."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = Notification>> {
        let me = session(ctx)?.viewer.require_signed_in()?.account_id;
        let topic = Topic::new(
            &["Notification"],
            move |state| matches!(state, State::Notification(found) if found.account_id == me),
        );
        let events = follow(ctx, topic, change_id(after)?).await?;
        Ok(events.filter_map(|event| {
            std::future::ready(match &event.state {
                State::Notification(found) => Some(Notification((**found).clone())),
                _ => None,
            })
        }))
    }

    /// Every change of a dialogue (scheduled, updated, cancelled, closed, registration count).
    async fn dialogue_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this dialogue.")] dialogue_id: Option<ID>,
        #[graphql(
            desc = "Resume after this change: the `extensions.changeId` of the last `next` message received."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = Dialogue>> {
        let wanted = dialogue_id
            .map(|id| argument_key::<DialogueKey>(&id, "dialogueId").map(Key::get))
            .transpose()?;
        let topic = Topic::new(&["Dialogue"], move |state| match state {
            State::Dialogue(found) => wanted.is_none_or(|wanted| wanted == found.id),
            _ => false,
        });
        let events = follow(ctx, topic, change_id(after)?).await?;
        Ok(events.filter_map(|event| {
            std::future::ready(match &event.state {
                State::Dialogue(found) => Some(Dialogue((**found).clone())),
                _ => None,
            })
        }))
    }
}

/// A change id given back by a client: a non-negative integer, as a string.
fn change_id(after: Option<String>) -> Result<Option<i64>, ApiError> {
    after
        .map(|text| {
            text.parse::<i64>()
                .ok()
                .filter(|id| *id >= 0 && id.to_string() == text)
                .ok_or_else(|| ApiError::BadUserInput("after: not a change id".into()))
        })
        .transpose()
}

/// What a subscription follows: changes of some kinds, narrowed by a predicate on
/// the object's state.
#[derive(Clone)]
pub struct Topic {
    kinds: &'static [&'static str],
    matches: Arc<dyn Fn(&State) -> bool + Send + Sync>,
}

impl Topic {
    pub fn new(
        kinds: &'static [&'static str],
        matches: impl Fn(&State) -> bool + Send + Sync + 'static,
    ) -> Topic {
        Topic {
            kinds,
            matches: Arc::new(matches),
        }
    }

    /// Whether `event` belongs to this topic and `viewer` may see it.
    pub fn admits(&self, event: &Event, viewer: &Viewer) -> bool {
        (self.matches)(&event.state) && event.visible_to(viewer)
    }
}

/// A subscription's registration with its socket.
pub struct Registration {
    pub topic: Topic,
    pub queue: mpsc::Sender<Arc<Event>>,
}

#[derive(Default)]
struct Slot {
    registration: Mutex<Option<Registration>>,
    /// Set once the subscription knows where it starts in the log.
    ready: AtomicBool,
    registered: Notify,
    /// The id of the change the subscription last turned into a result.
    last_yielded: AtomicI64,
}

/// The link between one `subscribe` and its socket.
#[derive(Clone, Default)]
pub struct FeedSlot(Arc<Slot>);

impl FeedSlot {
    /// Waits until the subscription has registered what it follows and knows
    /// where in the log it starts: from then on it misses no change.
    pub async fn registered(&self) {
        loop {
            let notified = self.0.registered.notified();
            if self.0.ready.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }

    /// The registration, for the socket to deliver into.
    pub fn take_registration(&self) -> Option<Registration> {
        self.0
            .registration
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// The change id behind the result the subscription produced last (0: none).
    pub fn last_yielded(&self) -> i64 {
        self.0.last_yielded.load(Ordering::Acquire)
    }

    /// Queues changes for the subscription from now on (they wait until it reads).
    fn register(&self, registration: Registration) {
        *self
            .0
            .registration
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(registration);
    }

    fn ready(&self) {
        self.0.ready.store(true, Ordering::Release);
        self.0.registered.notify_waiters();
    }
}

/// Follows `topic` for the subscription of `ctx`: the changes after `after` from
/// the log (when given), then live ones. Each item is an event the viewer may see;
/// its id becomes the result's `changeId`.
pub async fn follow(
    ctx: &Context<'_>,
    topic: Topic,
    after: Option<i64>,
) -> Result<impl Stream<Item = Arc<Event>> + Send + use<>, ApiError> {
    let app = app(ctx)?;
    let viewer = session(ctx)?.viewer.clone();
    let slot = ctx.data_opt::<FeedSlot>().cloned().ok_or_else(|| {
        ApiError::BadUserInput("subscriptions are served on the /graphql/ws socket".into())
    })?;
    // Registered before the log is read, so that nothing committed meanwhile is
    // missed; what is both read and queued is dropped from the queue by its id.
    let (queue, live) = mpsc::channel(app.settings.sockets.queue.max(1));
    slot.register(Registration {
        topic: topic.clone(),
        queue,
    });
    let (replayed, seen_through) = match after {
        // Live from now: what was committed before, even if the listener has yet
        // to hand it over, is not news.
        None => (Vec::new(), events::latest(&app.db.read).await?),
        Some(after) => {
            let events = events::replay(&app.db.read, after, topic.kinds)
                .await?
                .map_err(|refusal| ApiError::BadUserInput(format!("after: {refusal}")))?;
            let seen_through = events.last().map_or(after, |event| event.id);
            let visible = events
                .into_iter()
                .filter(|event| topic.admits(event, &viewer))
                .map(Arc::new)
                .collect::<Vec<_>>();
            (visible, seen_through)
        }
    };
    slot.ready();
    let live =
        ReceiverStream::new(live).filter(move |event| std::future::ready(event.id > seen_through));
    Ok(stream::iter(replayed).chain(live).map(move |event| {
        slot.0.last_yielded.store(event.id, Ordering::Release);
        event
    }))
}
