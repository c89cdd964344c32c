//! The unique constraints the schema enforces, by name, with the table and columns
//! they cover. PostgreSQL names the violated constraint in its error; SQLite names
//! only the columns ("UNIQUE constraint failed: communes.code"), so this list lets
//! the application recognise a violation by name on both engines. A test checks it
//! against the migrated schema of each engine.

/// A unique index or constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unique {
    pub name: &'static str,
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

impl Unique {
    /// How SQLite lists the columns of a violation of this constraint.
    pub fn sqlite_columns(&self) -> String {
        self.columns
            .iter()
            .map(|column| format!("{}.{column}", self.table))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub const UNIQUE: &[Unique] = &[
    Unique {
        name: "accounts_email_key",
        table: "accounts",
        columns: &["email"],
    },
    Unique {
        name: "agencies_code_key",
        table: "agencies",
        columns: &["code"],
    },
    Unique {
        name: "enterprises_tax_code_key",
        table: "enterprises",
        columns: &["tax_code"],
    },
    Unique {
        name: "communes_code_key",
        table: "communes",
        columns: &["code"],
    },
    Unique {
        name: "twinnings_open_enterprise_key",
        table: "twinnings",
        columns: &["commune_id", "enterprise_id"],
    },
    Unique {
        name: "twinnings_open_agency_key",
        table: "twinnings",
        columns: &["commune_id", "agency_id"],
    },
    Unique {
        name: "contributions_idempotency_key",
        table: "contributions",
        columns: &["created_by", "idempotency_key"],
    },
    Unique {
        name: "registrations_dialogue_enterprise_key",
        table: "dialogue_registrations",
        columns: &["dialogue_id", "enterprise_id"],
    },
];

/// The unique constraint called `name`.
pub fn unique(name: &str) -> Option<&'static Unique> {
    UNIQUE.iter().find(|unique| unique.name == name)
}
