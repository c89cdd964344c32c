//! The state shared by every request: database, clock, token keys, sign-in throttles
//! and settings. Built once in [`crate::startup`] and handed to the schema as data.

use std::sync::Arc;

use crate::{
    auth::{throttle::Throttle, token::Tokens},
    clock::Clock,
    config::Settings,
    db::Db,
    notifications::delivery::Notifier,
};

pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub tokens: Tokens,
    /// Compared against when a sign-in names an unknown e-mail.
    pub decoy_password_hash: String,
    /// Sign-in attempts per e-mail; a successful one clears them.
    pub sign_ins_by_email: Throttle,
    /// Sign-in attempts per client address; successful ones are given back.
    pub sign_ins_by_address: Throttle,
    /// Registrations per client address, successful or not.
    pub registrations_by_address: Throttle,
    /// Notification e-mail: the SMTP transport, unsubscribe tokens, the worker's bell.
    pub notifier: Notifier,
    pub settings: Arc<Settings>,
}
