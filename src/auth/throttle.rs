//! Attempts counted per key (an e-mail, a client address) in a fixed window. An
//! attempt is counted, atomically, *before* it is evaluated: forty simultaneous
//! guesses at one password get five evaluations under a limit of five, not forty.
//! Where only failures should count (a person who types correctly is never
//! slowed down), the caller gives a successful attempt back with
//! [`Throttle::refund`] or [`Throttle::clear`]. Uses the real clock, never the
//! business clock.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::Mutex,
    time::{Duration, Instant},
};

/// What a per-address limit counts: an IPv4 address, or the /64 network of an
/// IPv6 one. A site is given at least a /64 (RFC 6177) and hosts pick addresses in
/// it freely (RFC 8981), so counting single IPv6 addresses would give one client
/// 2^64 allowances. An IPv4-mapped IPv6 address counts as the IPv4 address.
pub fn client_network(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1))),
        },
    }
}

/// A key that has used up its attempts for the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted;

pub struct Throttle {
    limit: u32,
    window: Duration,
    entries: Mutex<HashMap<String, (Instant, u32)>>,
}

/// How many keys are kept before expired windows are swept out.
const SWEEP_ABOVE: usize = 100_000;

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Throttle {
        Throttle {
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

    /// Counts an attempt for `key`, or refuses it when the key's window is used up.
    pub fn attempt(&self, key: &str) -> Result<(), Exhausted> {
        let now = Instant::now();
        self.with_entries(|entries| {
            if entries.len() > SWEEP_ABOVE {
                entries.retain(|_, (start, _)| now.duration_since(*start) < self.window);
            }
            let entry = entries.entry(key.to_owned()).or_insert((now, 0));
            if now.duration_since(entry.0) >= self.window {
                *entry = (now, 0);
            }
            if entry.1 >= self.limit {
                return Err(Exhausted);
            }
            entry.1 += 1;
            Ok(())
        })
    }

    /// Gives back one attempt of `key` that turned out not to count.
    pub fn refund(&self, key: &str) {
        self.with_entries(|entries| {
            if let Some(entry) = entries.get_mut(key) {
                entry.1 = entry.1.saturating_sub(1);
            }
        })
    }

    /// Forgets every attempt of `key`.
    pub fn clear(&self, key: &str) {
        self.with_entries(|entries| {
            entries.remove(key);
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64_network() {
        let net = |text: &str| client_network(text.parse().expect("an address")).to_string();
        assert_eq!(net("203.0.113.7"), "203.0.113.7");
        assert_eq!(net("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::");
        assert_eq!(net("2001:db8:1:2::1"), net("2001:db8:1:2:ffff::9"));
        assert_ne!(net("2001:db8:1:2::1"), net("2001:db8:1:3::1"));
        assert_eq!(net("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(net("::1"), "::");
    }

    #[test]
    fn refuses_beyond_the_limit_and_forgets_after_the_window() {
        let throttle = Throttle::new(2, Duration::from_millis(50));
        assert_eq!(throttle.attempt("a"), Ok(()));
        assert_eq!(throttle.attempt("a"), Ok(()));
        assert_eq!(throttle.attempt("a"), Err(Exhausted));
        assert_eq!(throttle.attempt("b"), Ok(()));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(throttle.attempt("a"), Ok(()));
    }

    #[test]
    fn refunds_and_clears() {
        let throttle = Throttle::new(1, Duration::from_secs(60));
        assert_eq!(throttle.attempt("a"), Ok(()));
        throttle.refund("a");
        assert_eq!(throttle.attempt("a"), Ok(()));
        assert_eq!(throttle.attempt("a"), Err(Exhausted));
        throttle.clear("a");
        assert_eq!(throttle.attempt("a"), Ok(()));
    }

    #[test]
    fn simultaneous_attempts_are_counted_once_each() {
        let throttle = Arc::new(Throttle::new(5, Duration::from_secs(60)));
        let admitted: usize = (0..40)
            .map(|_| {
                let throttle = throttle.clone();
                std::thread::spawn(move || throttle.attempt("same").is_ok())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|handle| usize::from(handle.join().unwrap_or(false)))
            .sum();
        assert_eq!(admitted, 5);
    }
}
