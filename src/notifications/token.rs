//! Unsubscribe tokens: an account and a category, signed with HMAC-SHA256 under the
//! server's key, so the link in an e-mail turns that category's e-mail off without
//! a sign-in, and nobody can forge one for another account.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use super::entity::Category;

/// What an unsubscribe token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsubscribe {
    pub account_id: i64,
    pub category: Category,
}

/// Signs and checks unsubscribe tokens.
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

/// Keeps these signatures apart from anything else the key signs.
const PURPOSE: &[u8] = b"donghanh-unsubscribe\0";

impl Signer {
    pub fn new(secret: &SecretString) -> Signer {
        let mut key = PURPOSE.to_vec();
        key.extend_from_slice(secret.expose_secret().as_bytes());
        Signer { key }
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("bug: HMAC refused a key"));
        mac.update(payload.as_bytes());
        mac
    }

    pub fn sign(&self, unsubscribe: Unsubscribe) -> String {
        let payload = format!("{}.{}", unsubscribe.account_id, unsubscribe.category.code());
        let signature = self.mac(&payload).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// The token's account and category, when this key signed it.
    pub fn verify(&self, token: &str) -> Option<Unsubscribe> {
        let (payload, signature) = token.split_once('.')?;
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        // Constant-time comparison.
        self.mac(&payload).verify_slice(&signature).ok()?;
        let (account, category) = payload.split_once('.')?;
        Some(Unsubscribe {
            account_id: account.parse().ok()?,
            category: Category::from_code(category)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(key: &str) -> Signer {
        Signer::new(&SecretString::from(key))
    }

    #[test]
    fn a_signed_token_names_its_account_and_category() {
        let unsubscribe = Unsubscribe {
            account_id: 42,
            category: Category::Digest,
        };
        let token = signer("k".repeat(32).as_str()).sign(unsubscribe);
        assert_eq!(
            signer("k".repeat(32).as_str()).verify(&token),
            Some(unsubscribe)
        );
    }

    #[test]
    fn a_forged_or_foreign_token_is_refused() {
        let key = "k".repeat(32);
        let token = signer(&key).sign(Unsubscribe {
            account_id: 42,
            category: Category::Agenda,
        });
        assert_eq!(signer(&"o".repeat(32)).verify(&token), None);
        let (_, signature) = token.split_once('.').unwrap_or_default();
        let forged = format!("{}.{signature}", URL_SAFE_NO_PAD.encode("43.AGENDA"));
        assert_eq!(signer(&key).verify(&forged), None);
        assert_eq!(signer(&key).verify("not-a-token"), None);
        assert_eq!(signer(&key).verify(""), None);
    }
}
