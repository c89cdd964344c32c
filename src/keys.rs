//! Typed keys of the programme's objects. A rule receives a [`CommuneKey`], never a
//! string it must decode, and cannot mistake one kind of key for another. How keys
//! are presented to clients (opaque global IDs) is the GraphQL layer's business;
//! the domain refers to an object, where it must write the reference down (an
//! audit event's subject, the summary of a mutation's input), as `Kind:key`.

use std::fmt;

use serde::{Serialize, Serializer};

/// Every kind of object that has its own identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
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
    Notification,
}

impl ObjectKind {
    pub const ALL: &'static [ObjectKind] = &[
        ObjectKind::Account,
        ObjectKind::AuditEvent,
        ObjectKind::Agency,
        ObjectKind::Commune,
        ObjectKind::Enterprise,
        ObjectKind::Twinning,
        ObjectKind::Contribution,
        ObjectKind::Disbursement,
        ObjectKind::Dialogue,
        ObjectKind::AgendaItem,
        ObjectKind::Notification,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Account => "Account",
            ObjectKind::AuditEvent => "AuditEvent",
            ObjectKind::Agency => "Agency",
            ObjectKind::Commune => "Commune",
            ObjectKind::Enterprise => "Enterprise",
            ObjectKind::Twinning => "Twinning",
            ObjectKind::Contribution => "Contribution",
            ObjectKind::Disbursement => "Disbursement",
            ObjectKind::Dialogue => "Dialogue",
            ObjectKind::AgendaItem => "AgendaItem",
            ObjectKind::Notification => "Notification",
        }
    }

    /// "an Enterprise", "a Commune".
    pub fn with_article(self) -> String {
        let name = self.name();
        let article = if name.starts_with(['A', 'E', 'I', 'O', 'U']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }

    pub fn from_name(name: &str) -> Option<ObjectKind> {
        ObjectKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.name() == name)
    }
}

/// The key of one kind of object.
pub trait Key: Copy + Into<Reference> {
    const KIND: ObjectKind;

    fn new(key: i64) -> Self;

    fn get(self) -> i64;
}

macro_rules! keys {
    ($($key:ident => $kind:ident),* $(,)?) => {$(
        #[doc = concat!("The key of ", stringify!($kind), ".")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $key(i64);

        impl Key for $key {
            const KIND: ObjectKind = ObjectKind::$kind;

            fn new(key: i64) -> Self {
                $key(key)
            }

            fn get(self) -> i64 {
                self.0
            }
        }

        impl From<$key> for Reference {
            fn from(key: $key) -> Reference {
                Reference::new(ObjectKind::$kind, key.0)
            }
        }

        impl Serialize for $key {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                Reference::from(*self).serialize(serializer)
            }
        }
    )*};
}

keys! {
    AccountKey => Account,
    AuditEventKey => AuditEvent,
    AgencyKey => Agency,
    CommuneKey => Commune,
    EnterpriseKey => Enterprise,
    TwinningKey => Twinning,
    ContributionKey => Contribution,
    DisbursementKey => Disbursement,
    DialogueKey => Dialogue,
    AgendaItemKey => AgendaItem,
    NotificationKey => Notification,
}

/// A commune's partner, or a contributor: an enterprise or an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerKey {
    Enterprise(EnterpriseKey),
    Agency(AgencyKey),
}

impl PartnerKey {
    pub fn enterprise(self) -> Option<i64> {
        match self {
            PartnerKey::Enterprise(key) => Some(key.get()),
            PartnerKey::Agency(_) => None,
        }
    }

    pub fn agency(self) -> Option<i64> {
        match self {
            PartnerKey::Agency(key) => Some(key.get()),
            PartnerKey::Enterprise(_) => None,
        }
    }
}

impl From<PartnerKey> for Reference {
    fn from(partner: PartnerKey) -> Reference {
        match partner {
            PartnerKey::Enterprise(key) => key.into(),
            PartnerKey::Agency(key) => key.into(),
        }
    }
}

impl Serialize for PartnerKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Reference::from(*self).serialize(serializer)
    }
}

/// A reference to one object of any kind: `Commune:42`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reference {
    pub kind: ObjectKind,
    pub key: i64,
}

impl Reference {
    pub fn new(kind: ObjectKind, key: i64) -> Reference {
        Reference { kind, key }
    }

    /// Reads `Kind:key` back; only the canonical form (a positive decimal key
    /// without leading zeros), so one object has exactly one reference.
    pub fn parse(text: &str) -> Option<Reference> {
        let (name, key) = text.split_once(':')?;
        let kind = ObjectKind::from_name(name)?;
        let key: i64 = key
            .parse()
            .ok()
            .filter(|k: &i64| *k > 0 && k.to_string() == key)?;
        Some(Reference { kind, key })
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.name(), self.key)
    }
}

impl Serialize for Reference {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip_in_canonical_form_only() {
        let reference = Reference::from(CommuneKey::new(42));
        assert_eq!(reference.to_string(), "Commune:42");
        assert_eq!(Reference::parse("Commune:42"), Some(reference));
        for text in [
            "",
            "Commune",
            "Commune:",
            "Commune:042",
            "Commune:-1",
            "Foo:1",
            "Commune:0",
        ] {
            assert_eq!(Reference::parse(text), None, "{text}");
        }
    }

    #[test]
    fn keys_serialise_as_references() {
        let json = serde_json::to_value(PartnerKey::Agency(AgencyKey::new(7))).ok();
        assert_eq!(json, Some(serde_json::json!("Agency:7")));
    }
}
