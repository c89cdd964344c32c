//! Admission: at most as many GraphQL requests run at once as the database pool
//! has connections. The rest wait their turn here, holding nothing, for as long
//! as their request may take (`DONGHANH_REQUEST_TIMEOUT`).
//!
//! Without it a burst of heavy requests (summaries over the whole table) queues
//! at the pool, whose acquire timeout is short on purpose (an outage must answer
//! within it), and requests that would have run a moment later fail with
//! DATABASE_UNAVAILABLE while the database is up and busy. The acquire timeout
//! then means what it says again: the database did not give a connection.

use prometheus::IntGauge;
use tokio::{
    sync::{Semaphore, SemaphorePermit},
    time::Instant,
};

pub struct Admission {
    places: Semaphore,
    /// Requests waiting for a place.
    waiting: IntGauge,
}

impl Admission {
    pub fn new(places: usize, waiting: IntGauge) -> Admission {
        Admission {
            places: Semaphore::new(places.max(1)),
            waiting,
        }
    }

    /// A place to run in, held until dropped; none if `deadline` passes first.
    pub async fn enter(&self, deadline: Instant) -> Option<SemaphorePermit<'_>> {
        if let Ok(place) = self.places.try_acquire() {
            return Some(place);
        }
        self.waiting.inc();
        let place = tokio::time::timeout_at(deadline, self.places.acquire()).await;
        self.waiting.dec();
        // The semaphore is never closed.
        place.ok()?.ok()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_request_waits_for_a_place_until_its_deadline() {
        let waiting = IntGauge::new("waiting", "waiting").expect("a gauge");
        let admission = Admission::new(1, waiting.clone());
        let soon = Instant::now() + Duration::from_millis(50);
        let first = admission.enter(soon).await.expect("a free place");
        assert!(
            admission.enter(soon).await.is_none(),
            "none before the deadline"
        );
        assert_eq!(waiting.get(), 0);
        let later = Instant::now() + Duration::from_secs(10);
        let (second, ()) = tokio::join!(admission.enter(later), async {
            tokio::task::yield_now().await;
            assert_eq!(waiting.get(), 1, "the second waits");
            drop(first);
        });
        assert!(second.is_some(), "the place freed is taken");
        assert_eq!(waiting.get(), 0);
    }
}
