//! Opaque global IDs: `base64url("Type:key")`. Clients treat them as opaque; the
//! server checks that an ID names the type it expects, so an ID of one type given
//! where another is expected is a clean error, never a crash or a wrong row. This
//! is the only place IDs are encoded or decoded: the domain speaks typed keys
//! ([`crate::keys`]).

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    error::{ApiError, UserError, UserErrorCode},
    keys::{AgencyKey, EnterpriseKey, Key, ObjectKind, PartnerKey, Reference},
};

pub fn encode(kind: ObjectKind, key: i64) -> ID {
    encode_reference(Reference::new(kind, key))
}

/// The global ID of the object a reference names.
pub fn encode_reference(reference: Reference) -> ID {
    ID(URL_SAFE_NO_PAD.encode(reference.to_string()))
}

/// The kind and key an ID names, or `None` when it is not one of ours.
pub fn decode(id: &str) -> Option<(ObjectKind, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let reference = Reference::parse(text)?;
    Some((reference.kind, reference.key))
}

/// The reference an ID stands for.
pub fn reference(id: &str) -> Option<Reference> {
    decode(id).map(|(kind, key)| Reference::new(kind, key))
}

/// The key of an ID that must name `K`'s kind; for mutation inputs (a `userError`
/// INVALID on `field`).
pub fn input_key<K: Key>(id: &ID, field: &str) -> Result<K, UserError> {
    match decode(id) {
        Some((found, key)) if found == K::KIND => Ok(K::new(key)),
        _ => {
            let (kind, with_article) = (K::KIND.name(), K::KIND.with_article());
            Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!("không phải ID của {kind}", "not {with_article} ID"),
            ))
        }
    }
}

/// The key of an ID that must name `K`'s kind; for query arguments (BAD_USER_INPUT).
pub fn argument_key<K: Key>(id: &ID, argument: &str) -> Result<K, ApiError> {
    match decode(id) {
        Some((found, key)) if found == K::KIND => Ok(K::new(key)),
        _ => Err(ApiError::BadUserInput(format!(
            "{argument}: not {} ID",
            K::KIND.with_article()
        ))),
    }
}

/// An enterprise or agency ID, else `None`.
pub fn partner_key(id: &str) -> Option<PartnerKey> {
    match decode(id)? {
        (ObjectKind::Enterprise, key) => Some(PartnerKey::Enterprise(EnterpriseKey::new(key))),
        (ObjectKind::Agency, key) => Some(PartnerKey::Agency(AgencyKey::new(key))),
        _ => None,
    }
}

/// A partner's ID in a mutation input; any other kind is INVALID on `field`.
pub fn input_partner(id: &ID, field: &str) -> Result<PartnerKey, UserError> {
    partner_key(id).ok_or_else(|| {
        UserError::at(
            field,
            UserErrorCode::Invalid,
            crate::msg!(
                "không phải ID của doanh nghiệp (Enterprise) hay cơ quan (Agency)",
                "not an Enterprise or Agency ID"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{AccountKey, AuditEventKey};

    #[test]
    fn round_trips() {
        let id = encode(ObjectKind::Account, 42);
        assert_eq!(id.as_str(), "QWNjb3VudDo0Mg");
        assert_eq!(decode(&id), Some((ObjectKind::Account, 42)));
    }

    #[test]
    fn rejects_what_is_not_ours() {
        for text in ["", "!!!", "QWNjb3VudA", "Account:42", "Rm9vOjQy"] {
            assert_eq!(decode(text), None, "{text}");
        }
        let non_canonical = URL_SAFE_NO_PAD.encode("Account:042");
        assert_eq!(decode(&non_canonical), None);
        let negative = URL_SAFE_NO_PAD.encode("Account:-1");
        assert_eq!(decode(&negative), None);
    }

    #[test]
    fn wrong_kind_is_a_clean_error() {
        let id = encode(AuditEventKey::KIND, 1);
        let error = input_key::<AccountKey>(&id, "accountId").unwrap_err();
        assert_eq!(error.code, UserErrorCode::Invalid);
        assert_eq!(error.field, Some(vec!["input".into(), "accountId".into()]));
    }
}
