//! Passwords: argon2id, hashed and verified on the blocking pool (inside the
//! caller's span) so the async workers never stall on it.

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use secrecy::{ExposeSecret, SecretString};
use tracing::Span;

use serde::{Serialize, Serializer};

use crate::error::{ApiError, UserError, UserErrorCode};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A password as given, to be checked against a stored hash; never printed, and
/// serialised (into an audit summary, say) only as `[redacted]`.
pub struct Password(SecretString);

impl Password {
    pub fn new(raw: String) -> Password {
        Password(SecretString::from(raw))
    }

    pub fn secret(&self) -> SecretString {
        self.0.clone()
    }
}

impl Serialize for Password {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

/// How a secret appears wherever it is written down.
pub const REDACTED: &str = "[redacted]";

/// A password that meets the policy; never printed, serialised only as
/// `[redacted]`.
pub struct NewPassword(SecretString);

impl Serialize for NewPassword {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

impl NewPassword {
    pub fn parse(field: &str, raw: &str) -> Result<NewPassword, UserError> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!(
                    "dùng ít nhất {MIN_PASSWORD_CHARS} ký tự",
                    "use at least {MIN_PASSWORD_CHARS} characters"
                ),
            ));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!(
                    "dùng nhiều nhất {MAX_PASSWORD_CHARS} ký tự",
                    "use at most {MAX_PASSWORD_CHARS} characters"
                ),
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!(
                    "không được chứa ký tự điều khiển",
                    "control characters are not allowed"
                ),
            ));
        }
        Ok(NewPassword(SecretString::from(raw.to_owned())))
    }
}

fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> impl Future<Output = Result<T, ApiError>> {
    let span = Span::current();
    let handle = tokio::task::spawn_blocking(move || span.in_scope(work));
    async move { handle.await.map_err(ApiError::internal) }
}

/// Hashes a new password as a PHC string.
pub async fn hash(password: &NewPassword) -> Result<String, ApiError> {
    let password = NewPassword(password.0.clone());
    run_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.0.expose_secret().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a password: {e}")))
    })
    .await?
}

/// Verifies `candidate` against a PHC string. A malformed stored hash verifies as false.
pub async fn verify(candidate: SecretString, stored: String) -> Result<bool, ApiError> {
    run_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(candidate.expose_secret().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
}

/// A hash of a random password, verified against when the e-mail is unknown so the
/// answer takes as long as a wrong password does.
pub async fn decoy_hash() -> Result<String, ApiError> {
    let random: String = uuid::Uuid::new_v4().simple().to_string();
    hash(&NewPassword(SecretString::from(random))).await
}
