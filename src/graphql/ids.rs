//! Opaque global IDs: `base64url("Type:key")`. Clients treat them as opaque; the
//! server checks that an ID names the type it expects, so an ID of one type given
//! where another is expected is a clean error, never a crash or a wrong row.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::graphql::errors::{ApiError, UserError, UserErrorCode};

/// Every type that implements `Node`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Account,
    AuditEvent,
    Agency,
    Commune,
    Enterprise,
    Twinning,
    Contribution,
    Disbursement,
    Dialogue,
    AgendaItem,
}

impl NodeKind {
    pub const ALL: &'static [NodeKind] = &[
        NodeKind::Account,
        NodeKind::AuditEvent,
        NodeKind::Agency,
        NodeKind::Commune,
        NodeKind::Enterprise,
        NodeKind::Twinning,
        NodeKind::Contribution,
        NodeKind::Disbursement,
        NodeKind::Dialogue,
        NodeKind::AgendaItem,
    ];

    pub fn type_name(self) -> &'static str {
        match self {
            NodeKind::Account => "Account",
            NodeKind::AuditEvent => "AuditEvent",
            NodeKind::Agency => "Agency",
            NodeKind::Commune => "Commune",
            NodeKind::Enterprise => "Enterprise",
            NodeKind::Twinning => "Twinning",
            NodeKind::Contribution => "Contribution",
            NodeKind::Disbursement => "Disbursement",
            NodeKind::Dialogue => "Dialogue",
            NodeKind::AgendaItem => "AgendaItem",
        }
    }

    /// "an Enterprise", "a Commune".
    pub fn with_article(self) -> String {
        let name = self.type_name();
        let article = if name.starts_with(['A', 'E', 'I', 'O', 'U']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }

    fn from_type_name(name: &str) -> Option<NodeKind> {
        NodeKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.type_name() == name)
    }
}

pub fn encode(kind: NodeKind, key: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{key}", kind.type_name())))
}

/// The kind and key an ID names, or `None` when it is not one of ours.
pub fn decode(id: &str) -> Option<(NodeKind, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (name, key) = text.split_once(':')?;
    let kind = NodeKind::from_type_name(name)?;
    // Only canonical decimal keys, so one object has exactly one ID.
    let key: i64 = key
        .parse()
        .ok()
        .filter(|k: &i64| *k > 0 && k.to_string() == key)?;
    Some((kind, key))
}

/// The key of an ID that must name `kind`; for mutation inputs (a `userError`).
pub fn key_for_input(id: &ID, kind: NodeKind, field: &str) -> Result<i64, UserError> {
    match decode(id) {
        Some((found, key)) if found == kind => Ok(key),
        _ => Err(UserError::at(
            field,
            UserErrorCode::Invalid,
            format!("not {} ID", kind.with_article()),
        )),
    }
}

/// The key of an ID that must name `kind`; for query arguments (BAD_USER_INPUT).
pub fn key_for_argument(id: &ID, kind: NodeKind, argument: &str) -> Result<i64, ApiError> {
    match decode(id) {
        Some((found, key)) if found == kind => Ok(key),
        _ => Err(ApiError::BadUserInput(format!(
            "{argument}: not {} ID",
            kind.with_article()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let id = encode(NodeKind::Account, 42);
        assert_eq!(id.as_str(), "QWNjb3VudDo0Mg");
        assert_eq!(decode(&id), Some((NodeKind::Account, 42)));
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
        let id = encode(NodeKind::AuditEvent, 1);
        let error = key_for_input(&id, NodeKind::Account, "accountId").unwrap_err();
        assert_eq!(error.code, UserErrorCode::Invalid);
        assert_eq!(error.field, Some(vec!["input".into(), "accountId".into()]));
    }
}
