//! Filter conditions shared by the lists and the exports: folded, wildcard-safe
//! search and exact matches on name-like texts, which never send a control
//! character to the database.

use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, LikeExpr},
};

use crate::text;

/// `name LIKE %needle%` on a folded column, wildcards in the needle taken literally.
pub fn search_condition(column: impl ColumnTrait, search: &str) -> Option<Condition> {
    let needle = text::fold(search);
    if needle.is_empty() {
        return None;
    }
    if needle.chars().any(char::is_control) {
        return Some(matches_nothing());
    }
    Some(
        Condition::all()
            .add(column.like(LikeExpr::new(text::contains_pattern(&needle)).escape('\\'))),
    )
}

/// `column = value` (trimmed), for a filter on a name-like text.
pub fn equals_condition(column: impl ColumnTrait, value: &str) -> Condition {
    let value = value.trim();
    if value.chars().any(char::is_control) {
        return matches_nothing();
    }
    Condition::all().add(column.eq(value))
}

/// No row. Names, districts and sectors hold no control characters (text inputs
/// refuse them), so a filter value with one finds nothing; it must not reach the
/// database either, where PostgreSQL refuses a NUL and SQLite ends the text at it.
pub fn matches_nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}
