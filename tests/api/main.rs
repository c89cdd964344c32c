//! The integration suite: one binary; every test starts its own server on port 0
//! against its own fresh database (SQLite, or PostgreSQL with TEST_DATABASE_URL).

mod helpers;

mod accounts;
mod agenda;
mod agenda_lists;
mod architecture;
mod audit;
mod browser;
mod contributions;
mod demo;
mod descriptions;
mod dialogues;
mod events;
mod examples;
mod exports;
mod exports_memory;
mod graphql_http;
mod hardening;
mod health;
mod http;
mod language;
mod limits;
mod migrations;
mod notifications;
mod ordering;
mod planned;
mod reads;
mod registry;
mod reports;
mod rows;
mod schema;
mod smtp_sink;
mod subscriptions;
mod tokens;
mod totals;
mod ws;
