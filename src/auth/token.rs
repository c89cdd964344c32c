//! Bearer tokens: HS256 JWTs. Validation pins the algorithm and requires and checks
//! `exp`, `nbf`, `iss`, `aud` and `sub`; the account behind `sub` must still exist,
//! be enabled and carry the token's generation (bumped by a password change).
//! Token times use the real clock, never the business clock.

use chrono::{DateTime, TimeZone, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::Role;
use crate::config::Settings;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The account id.
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    /// The account's token generation when the token was issued.
    pub generation: i32,
}

/// A freshly issued token.
pub struct Issued {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TokenError {
    #[error("the token is invalid or expired")]
    Invalid,
}

pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: chrono::Duration,
}

impl Tokens {
    pub fn new(secret: &SecretString, settings: &Settings) -> Tokens {
        let key = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[settings.jwt_issuer.as_str()]);
        validation.set_audience(&[settings.jwt_audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        Tokens {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            ttl: chrono::Duration::from_std(settings.jwt_ttl)
                .unwrap_or(chrono::Duration::hours(12)),
        }
    }

    pub fn issue(
        &self,
        account_id: i64,
        role: Role,
        generation: i32,
    ) -> Result<Issued, jsonwebtoken::errors::Error> {
        let now = Utc::now();
        let expires_at = now + self.ttl;
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: account_id.to_string(),
            role,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: uuid::Uuid::new_v4().to_string(),
            generation,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        let expires_at = Utc
            .timestamp_opt(claims.exp, 0)
            .single()
            .unwrap_or(expires_at);
        Ok(Issued { token, expires_at })
    }

    /// Checks signature, algorithm and registered claims; the account checks follow
    /// in [`super::rules::authenticate`].
    pub fn validate(&self, token: &str) -> Result<Claims, TokenError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| TokenError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(secret: &str) -> Tokens {
        Tokens::new(&SecretString::from(secret.to_owned()), &Settings::default())
    }

    #[test]
    fn issued_tokens_validate_and_other_keys_do_not() {
        let a = tokens("a-secret-that-is-long-enough-0123456789");
        let b = tokens("b-secret-that-is-long-enough-0123456789");
        let issued = a
            .issue(7, Role::Official, 3)
            .expect("bug: signing cannot fail");
        let claims = a.validate(&issued.token).expect("valid");
        assert_eq!(
            (claims.sub.as_str(), claims.role, claims.generation),
            ("7", Role::Official, 3)
        );
        assert_eq!(b.validate(&issued.token), Err(TokenError::Invalid));
    }
}
