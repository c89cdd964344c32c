//! Live changes for subscriptions. A mutation names what it changed
//! ([`MutationTx::notify`](crate::audit::MutationTx::notify)); once it commits, every
//! subscriber hears of it. On PostgreSQL the change travels as `NOTIFY` inside the
//! mutation's transaction, so it is sent only if the change commits, and reaches
//! the subscribers of every server instance through each instance's `LISTEN`
//! connection. On SQLite (one instance) it goes straight to this process's
//! subscribers after the commit.

use std::{sync::Arc, time::Duration};

use sea_orm::sqlx::postgres::PgListener;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "donghanh_changes";

/// What changed: the kind of object and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id")]
pub enum Change {
    Dialogue(i64),
    AgendaItem(i64),
}

/// Fans changes out to this process's subscribers.
#[derive(Debug)]
pub struct Bus {
    sender: broadcast::Sender<Change>,
}

impl Default for Bus {
    fn default() -> Self {
        // A subscriber that falls this far behind skips ahead (it sees a lag, not
        // unbounded memory).
        Bus {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl Bus {
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }

    /// Hands a committed change to local subscribers; nobody listening is fine.
    pub fn deliver(&self, change: Change) {
        let _ = self.sender.send(change);
    }

    /// Listens on PostgreSQL and forwards every change, from any instance, to local
    /// subscribers. The listener reconnects by itself when the database comes back.
    pub async fn listen(self: &Arc<Self>, database_url: &str) -> Result<(), sea_orm::sqlx::Error> {
        let mut listener = PgListener::connect(database_url).await?;
        listener.listen(CHANNEL).await?;
        let bus = self.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        match serde_json::from_str::<Change>(notification.payload()) {
                            Ok(change) => bus.deliver(change),
                            Err(error) => {
                                tracing::warn!(%error, "ignoring a malformed change notification")
                            }
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "change listener lost its connection; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_travel_as_small_json() {
        let text = serde_json::to_string(&Change::AgendaItem(42)).unwrap_or_default();
        assert_eq!(text, r#"{"type":"AgendaItem","id":42}"#);
        assert_eq!(
            serde_json::from_str::<Change>(&text).ok(),
            Some(Change::AgendaItem(42))
        );
    }
}
