//! Models read from their rows by position.
//!
//! sea-orm's derived `FromQueryResult` finds every column of every row by name,
//! checks its type against the field's each time, and for a NULL formats an error
//! message before turning it into `None`. On a page of 100 contributions with their
//! communes and contributors that was a third of the server's instructions (issue
//! 11's callgrind profile). A model declared through [`positional!`] is read by
//! position instead: once per result, the statement's columns are compared with the
//! entity's; the first row's values are decoded with their types checked; the
//! rest of the rows, whose columns PostgreSQL has then described once for all, are
//! decoded without checking again. SQLite types each value on its own, so there
//! every value is checked. A result whose columns are not the entity's (a partial
//! select) is read by sea-orm as before.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveEnum, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable,
    QueryResult, QueryTrait, Select,
    sqlx::{
        Decode, Postgres, Row, Sqlite, Type, ValueRef,
        postgres::{PgRow, PgValueFormat},
        sqlite::SqliteRow,
    },
};

/// A model that can be read from a row of its entity's columns, in their order.
pub trait Positional: Sized {
    fn read(cells: &mut Cells<'_>) -> Result<Self, DbErr>;
}

/// The rows of `select`, each read by position.
pub async fn all<E>(db: &impl ConnectionTrait, select: Select<E>) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Positional,
{
    let statement = select.build(db.get_database_backend());
    read::<E>(&db.query_all_raw(statement).await?)
}

/// `rows` as models of `E`: by position when their columns are `E`'s.
fn read<E>(rows: &[QueryResult]) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Positional,
{
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    if !columns_are::<E>(first) {
        return rows
            .iter()
            .map(|row| E::Model::from_query_result(row, ""))
            .collect();
    }
    rows.iter()
        .enumerate()
        .map(|(index, row)| E::Model::read(&mut Cells::new(row, index == 0)?))
        .collect()
}

/// Whether `row`'s columns are `E`'s, all of them and in order.
pub fn columns_are<E: EntityTrait>(row: &QueryResult) -> bool {
    let names = row.column_names();
    names.len() == E::Column::iter().count()
        && names
            .iter()
            .zip(E::Column::iter())
            .all(|(name, column)| name == column.as_str())
}

/// One row's values, taken in order.
pub struct Cells<'r> {
    row: RowOf<'r>,
    at: usize,
    /// Whether each value's type is checked before it is decoded.
    checked: bool,
}

#[derive(Clone, Copy)]
enum RowOf<'r> {
    Postgres(&'r PgRow),
    Sqlite(&'r SqliteRow),
}

impl<'r> Cells<'r> {
    /// `row`'s values; `first` when its types are to be checked on PostgreSQL.
    fn new(row: &'r QueryResult, first: bool) -> Result<Cells<'r>, DbErr> {
        let row = if let Some(row) = row.try_as_pg_row() {
            RowOf::Postgres(row)
        } else if let Some(row) = row.try_as_sqlite_row() {
            RowOf::Sqlite(row)
        } else {
            return Err(DbErr::Type("a row of an unsupported database".into()));
        };
        let checked = first || matches!(row, RowOf::Sqlite(_));
        Ok(Cells {
            row,
            at: 0,
            checked,
        })
    }

    /// The next value, as a field of type `T`.
    pub fn take<T: Field>(&mut self) -> Result<T, DbErr> {
        let at = self.at;
        self.at += 1;
        T::field(self, at)
    }

    /// The value at `at` through sqlx's own decoding; `None` when NULL.
    fn decoded<T>(&self, at: usize) -> Result<Option<T>, DbErr>
    where
        T: Type<Postgres>
            + for<'a> Decode<'a, Postgres>
            + Type<Sqlite>
            + for<'a> Decode<'a, Sqlite>,
    {
        let value = match (self.row, self.checked) {
            (RowOf::Postgres(row), true) => row.try_get::<Option<T>, _>(at),
            (RowOf::Postgres(row), false) => row.try_get_unchecked::<Option<T>, _>(at),
            (RowOf::Sqlite(row), _) => row.try_get::<Option<T>, _>(at),
        };
        value.map_err(|error| DbErr::Type(format!("column {at}: {error}")))
    }
}

/// A type a column holds; `None` for NULL.
pub trait Cell: Sized {
    fn cell(cells: &Cells<'_>, at: usize) -> Result<Option<Self>, DbErr>;
}

/// A model's field: a [`Cell`], which must not be NULL, or an optional one.
pub trait Field: Sized {
    fn field(cells: &Cells<'_>, at: usize) -> Result<Self, DbErr>;
}

impl<T: Cell> Field for T {
    fn field(cells: &Cells<'_>, at: usize) -> Result<Self, DbErr> {
        T::cell(cells, at)?.ok_or_else(|| DbErr::Type(format!("column {at} is NULL")))
    }
}

impl<T: Cell> Field for Option<T> {
    fn field(cells: &Cells<'_>, at: usize) -> Result<Self, DbErr> {
        T::cell(cells, at)
    }
}

macro_rules! sqlx_cells {
    ($($ty:ty),*) => {$(
        impl Cell for $ty {
            fn cell(cells: &Cells<'_>, at: usize) -> Result<Option<Self>, DbErr> {
                cells.decoded(at)
            }
        }
    )*};
}
sqlx_cells!(i64, i32, bool, String, NaiveDate);

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01T00:00:00Z).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl Cell for DateTime<Utc> {
    /// PostgreSQL sends a `timestamptz` in binary as microseconds since its epoch,
    /// big-endian; after the first row has been checked against the column's type,
    /// that is read directly (sqlx's own decoding goes through three chrono types).
    fn cell(cells: &Cells<'_>, at: usize) -> Result<Option<Self>, DbErr> {
        if let (RowOf::Postgres(row), false) = (cells.row, cells.checked) {
            let value = row
                .try_get_raw(at)
                .map_err(|error| DbErr::Type(format!("column {at}: {error}")))?;
            if value.is_null() {
                return Ok(None);
            }
            if value.format() == PgValueFormat::Binary
                && let Ok(bytes) = value.as_bytes()
                && let Ok(bytes) = <[u8; 8]>::try_from(bytes)
            {
                let micros = i64::from_be_bytes(bytes);
                return micros
                    .checked_add(POSTGRES_EPOCH_MICROS)
                    .and_then(DateTime::from_timestamp_micros)
                    .map(Some)
                    .ok_or_else(|| DbErr::Type(format!("column {at}: a time out of range")));
            }
        }
        cells.decoded(at)
    }
}

/// A string-valued `ActiveEnum` as a [`Cell`], read as sea-orm reads it.
pub fn text_enum<E: ActiveEnum<Value = String>>(
    cells: &Cells<'_>,
    at: usize,
) -> Result<Option<E>, DbErr> {
    String::cell(cells, at)?
        .map(|text| E::try_from_value(&text))
        .transpose()
}

/// Declares string-valued `ActiveEnum`s as [`Cell`]s.
#[macro_export]
macro_rules! text_enum_cells {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::db::rows::Cell for $ty {
            fn cell(
                cells: &$crate::db::rows::Cells<'_>,
                at: usize,
            ) -> Result<Option<Self>, sea_orm::DbErr> {
                $crate::db::rows::text_enum(cells, at)
            }
        }
    )*};
}

/// Declares an entity's `Model` as it is written, and reads it by position: its
/// fields in order are the entity's columns in order (sea-orm derives the columns
/// from the fields).
#[macro_export]
macro_rules! positional {
    (
        $(#[$meta:meta])*
        pub struct Model {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct Model {
            $( $(#[$field_meta])* pub $field: $ty ),*
        }

        impl $crate::db::rows::Positional for Model {
            fn read(cells: &mut $crate::db::rows::Cells<'_>) -> Result<Self, sea_orm::DbErr> {
                // Struct fields are evaluated in the order written: the columns' order.
                Ok(Model { $( $field: cells.take::<$ty>()? ),* })
            }
        }
    };
}
