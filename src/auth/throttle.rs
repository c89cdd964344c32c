//! Failed sign-ins, counted per key (an e-mail, a client address) in a fixed window.
//! Only failures count, so a person who types correctly is never slowed down, and a
//! key that reaches its limit is refused before any password is checked. Uses the
//! real clock, never the business clock.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

pub struct FailureCounter {
    limit: u32,
    window: Duration,
    entries: Mutex<HashMap<String, (Instant, u32)>>,
}

impl FailureCounter {
    pub fn new(limit: u32, window: Duration) -> FailureCounter {
        FailureCounter {
            limit,
            window,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn with_entries<T>(&self, f: impl FnOnce(&mut HashMap<String, (Instant, u32)>) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-update of a counter;
        // the map itself is still usable.
        let mut guard = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    pub fn is_blocked(&self, key: &str) -> bool {
        let now = Instant::now();
        self.with_entries(|entries| match entries.get(key) {
            Some((start, count)) => {
                now.duration_since(*start) < self.window && *count >= self.limit
            }
            None => false,
        })
    }

    pub fn record_failure(&self, key: &str) {
        let now = Instant::now();
        self.with_entries(|entries| {
            if entries.len() > 100_000 {
                entries.retain(|_, (start, _)| now.duration_since(*start) < self.window);
            }
            let entry = entries.entry(key.to_owned()).or_insert((now, 0));
            if now.duration_since(entry.0) >= self.window {
                *entry = (now, 0);
            }
            entry.1 = entry.1.saturating_add(1);
        })
    }

    pub fn clear(&self, key: &str) {
        self.with_entries(|entries| {
            entries.remove(key);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_forgets_after_the_window() {
        let counter = FailureCounter::new(2, Duration::from_millis(50));
        assert!(!counter.is_blocked("a"));
        counter.record_failure("a");
        assert!(!counter.is_blocked("a"));
        counter.record_failure("a");
        assert!(counter.is_blocked("a"));
        assert!(!counter.is_blocked("b"));
        std::thread::sleep(Duration::from_millis(60));
        assert!(!counter.is_blocked("a"));
    }
}
