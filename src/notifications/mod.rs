//! Notifications (issue 13): who is told what when an agenda item or a dialogue
//! changes, the daily deadline digest and the dialogue reminders, in-app and by
//! e-mail.
//!
//! - `rules.rs`: recipients, recording in the change's own transaction, reading
//!   and marking read, preferences, unsubscribing, retrying.
//! - `message.rs`: the Vietnamese texts, and what they may reveal.
//! - `delivery.rs`: the SMTP worker (claims, retries with backoff, gives up).
//! - `schedule.rs`: the digest and reminders, once per period across instances.
//! - `token.rs`: signed unsubscribe tokens.
//! - `graphql.rs`: the GraphQL types and resolvers.
//!
//! Errors: the domain returns `DbErr`/`MutationError` like the other slices; the
//! worker and the scheduler log what fails and try again later.

pub mod delivery;
pub mod entity;
pub mod graphql;
pub mod message;
pub mod rules;
pub mod schedule;
pub mod token;
