//! Audit events name their subject as a reference, `Commune:42`, instead of the
//! opaque global ID the API shows (`base64url("Commune:42")`): the audit trail is
//! written by the domain, which does not speak the API's encoding. Existing rows are
//! rewritten in both directions; a value that is not of the expected form is left
//! as it is.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `base64url("Kind:key")` → `Kind:key`.
fn to_reference(id: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, key) = text.split_once(':')?;
    let valid = !kind.is_empty()
        && kind.chars().all(|c| c.is_ascii_alphabetic())
        && key.parse::<i64>().is_ok_and(|k| k > 0);
    valid.then_some(text)
}

/// `Kind:key` → `base64url("Kind:key")`.
fn to_global_id(reference: &str) -> Option<String> {
    let (kind, key) = reference.split_once(':')?;
    let valid = kind.chars().all(|c| c.is_ascii_alphabetic()) && key.parse::<i64>().is_ok();
    valid.then(|| URL_SAFE_NO_PAD.encode(reference))
}

async fn rewrite(
    manager: &SchemaManager<'_>,
    convert: fn(&str) -> Option<String>,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT DISTINCT subject_id FROM audit_events WHERE subject_id IS NOT NULL",
        ))
        .await?;
    for row in rows {
        let old: String = row.try_get("", "subject_id")?;
        let Some(new) = convert(&old) else {
            continue;
        };
        let update = Query::update()
            .table(Alias::new("audit_events"))
            .value(Alias::new("subject_id"), new)
            .and_where(Expr::col(Alias::new("subject_id")).eq(old))
            .to_owned();
        db.execute(&update).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rewrite(manager, to_reference).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rewrite(manager, to_global_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_convert_both_ways() {
        assert_eq!(
            to_reference("Q29tbXVuZTo0Mg").as_deref(),
            Some("Commune:42")
        );
        assert_eq!(
            to_global_id("Commune:42").as_deref(),
            Some("Q29tbXVuZTo0Mg")
        );
        assert_eq!(to_reference("Commune:42"), None);
        assert_eq!(to_reference("!!"), None);
    }
}
