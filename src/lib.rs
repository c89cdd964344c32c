//! Đồng Hành — *walking alongside business*: the GraphQL API of a provincial
//! business–government programme. Enterprises and agencies twin with special
//! communes and pledge support; the leadership holds dialogues with enterprises;
//! every difficulty raised is tracked until it is answered.
//!
//! The layering rule: data flows one way, a resolver → the rules → the database.
//! The domain (each slice's `rules.rs` and entities, and what they use: `error`,
//! `keys`, `money`, `text`, `patch`, `audit`, `reports`) speaks Rust types; it
//! takes typed commands, returns [`error::MutationError`], and knows nothing of
//! GraphQL or global IDs. The GraphQL layer (`graphql/` and each slice's
//! `graphql.rs`) decodes an input once into a command, calls the rule, and
//! converts what comes back; a test fails if the domain imports it. Configuration
//! and start-up use `anyhow` at the edges.

/// Agencies: departments, boards, mass organisations, people's committees.
pub mod agencies;
/// Agenda items: difficulties raised, answered and resolved.
pub mod agenda;
/// The shared state of every request.
pub mod app;
/// Audit trail: every successful mutation commits through it.
pub mod audit;
/// Accounts, passwords, tokens, the per-request viewer.
pub mod auth;
/// Working days and holidays.
pub mod calendar;
/// The command line.
pub mod cli;
/// The injectable business clock.
pub mod clock;
/// Communes, wards and townships; the special communes.
pub mod communes;
/// Layered configuration.
pub mod config;
/// The ledger: pledges, confirmations, disbursements, totals.
pub mod contributions;
/// Database connections and migrations.
pub mod db;
/// Synthetic demo data.
pub mod demo;
/// Dialogues, their registrations and agendas.
pub mod dialogues;
/// Enterprises and their tax codes.
pub mod enterprises;
/// The errors the domain returns.
pub mod error;
/// Live changes for subscriptions, across instances on PostgreSQL.
pub mod events;
/// Filter conditions on name-like texts, shared by the lists and the exports.
pub mod filters;
/// Schema assembly and the shared GraphQL machinery.
pub mod graphql;
/// HTTP wiring: GraphQL over HTTP, WebSocket, health, metrics.
pub mod http;
/// Typed keys of the programme's objects.
pub mod keys;
/// Whole đồng: bounded amounts and totals that cannot overflow.
pub mod money;
/// Notifications in-app and by e-mail: recorded with the change, sent by a worker, digests and reminders.
pub mod notifications;
/// Keep, clear or set: changes to optional fields.
pub mod patch;
/// The programme's figures, read across the domains.
pub mod reports;
/// Application start-up.
pub mod startup;
/// Logs and traces.
pub mod telemetry;
/// Text input rules and search folding.
pub mod text;
/// Twinnings of communes with enterprises and agencies.
pub mod twinnings;
