//! The state shared by every request: database, clock, token keys, sign-in throttles
//! and settings. Built once in [`crate::startup`] and handed to the schema as data.

use std::sync::Arc;

use crate::{
    auth::{throttle::FailureCounter, token::Tokens},
    clock::Clock,
    config::Settings,
    db::Db,
};

pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub tokens: Tokens,
    /// Compared against when a sign-in names an unknown e-mail.
    pub decoy_password_hash: String,
    pub failed_logins_by_email: FailureCounter,
    pub failed_logins_by_address: FailureCounter,
    pub settings: Arc<Settings>,
}
