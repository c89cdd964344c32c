//! The server as an attacker meets it: nothing a request sends may crash it, hold
//! it, overflow it or make it lie.

mod admission;
mod cost;
mod hostile;
mod money;
mod nesting;
mod observability;
mod outage;
mod production;
mod shutdown;
mod slow_clients;
mod throttles;
