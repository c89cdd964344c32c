//! One keyset-cursor connection for every list. A cursor holds the sort key and the
//! id of the row it points at, so the next page is `WHERE (key, id) > (k, i)` on an
//! index: page 5,000 costs what page 1 costs, and ties on the key are broken by id,
//! so pages are stable. A cursor also names the list and sort key it came from, so
//! one given to another list or order is refused (BAD_USER_INPUT) instead of
//! being compared with a column of another type. `first`/`last` default to 20 and
//! may be 0..=100.

use async_graphql::SimpleObject;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ConnectionTrait, EntityTrait, IntoSimpleExpr, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
    sea_query::{Condition, Expr, ExprTrait, PostgresQueryBuilder, Query, SimpleExpr},
};
use serde::{Deserialize, Serialize};

use crate::{
    db::rows::{self, Positional},
    error::ApiError,
};

pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;

/// Sort direction of a list.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

impl OrderDirection {
    pub fn ascending(self) -> bool {
        self == OrderDirection::Asc
    }
}

/// Information about pagination in a connection.
#[derive(SimpleObject, Debug, Clone, Default)]
pub struct PageInfo {
    /// More items follow this page.
    pub has_next_page: bool,
    /// More items precede this page.
    pub has_previous_page: bool,
    /// The cursor of the first edge; pass it as `before` for the previous page.
    pub start_cursor: Option<String>,
    /// The cursor of the last edge; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// The Relay arguments of a connection field.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> PageArgs {
        PageArgs {
            first,
            after,
            last,
            before,
        }
    }
}

/// The value of a row's sort key, as a cursor carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SortValue {
    #[serde(rename = "n")]
    None,
    #[serde(rename = "i")]
    Int(i64),
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "t")]
    Time(chrono::DateTime<Utc>),
    #[serde(rename = "d")]
    Date(NaiveDate),
}

impl SortValue {
    /// Whether a client may hand this value back in a cursor: text without control
    /// characters (PostgreSQL refuses a NUL), instants and days within the years
    /// 1 to 9999 (beyond them SQLite's text order is no longer time order).
    fn is_sound(&self) -> bool {
        match self {
            SortValue::None | SortValue::Int(_) => true,
            SortValue::Text(text) => !text.chars().any(char::is_control),
            SortValue::Time(at) => (1..=9999).contains(&at.year()),
            SortValue::Date(day) => (1..=9999).contains(&day.year()),
        }
    }

    fn into_expr(self) -> SimpleExpr {
        match self {
            SortValue::None => Expr::value(sea_orm::Value::BigInt(None)),
            SortValue::Int(v) => Expr::value(v),
            SortValue::Text(v) => Expr::value(v),
            SortValue::Time(v) => Expr::value(v),
            SortValue::Date(v) => Expr::value(v),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cursor {
    k: SortValue,
    i: i64,
    /// [`Sort::fingerprint`] of the list and order the cursor came from.
    o: u32,
}

/// An item's cursor, encoded only when it is asked for: a page of 100 whose
/// `edges` are not selected needs two, for `pageInfo`.
#[derive(Debug, Clone)]
pub struct EdgeCursor(Cursor);

impl EdgeCursor {
    pub fn encode(&self) -> String {
        self.0.encode()
    }
}

impl Cursor {
    fn encode(&self) -> String {
        // Serialising this plain struct cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// A cursor this list issued: its fingerprint, and a key of the kind the list
    /// sorts by and of sound value. Anyone can forge the JSON inside, so nothing of
    /// it reaches the database unchecked.
    fn decode<M>(
        text: &str,
        argument: &str,
        fingerprint: u32,
        key_of: &KeyOf<M>,
    ) -> Result<Cursor, ApiError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Cursor>(&bytes).ok())
            .filter(|cursor| {
                cursor.o == fingerprint && key_of.admits(&cursor.k) && cursor.k.is_sound()
            })
            .ok_or_else(|| ApiError::BadUserInput(format!("{argument}: not a cursor of this list")))
    }
}

/// How to read a row's sort key for its cursor, by the kind of value it is.
pub enum KeyOf<M> {
    /// Sorted by id alone.
    None,
    Int(fn(&M) -> i64),
    Text(fn(&M) -> String),
    Time(fn(&M) -> chrono::DateTime<Utc>),
    Date(fn(&M) -> NaiveDate),
}

impl<M> KeyOf<M> {
    fn value(&self, model: &M) -> SortValue {
        match self {
            KeyOf::None => SortValue::None,
            KeyOf::Int(of) => SortValue::Int(of(model)),
            KeyOf::Text(of) => SortValue::Text(of(model)),
            KeyOf::Time(of) => SortValue::Time(of(model)),
            KeyOf::Date(of) => SortValue::Date(of(model)),
        }
    }

    /// Whether `value` is of the kind this key is.
    fn admits(&self, value: &SortValue) -> bool {
        matches!(
            (self, value),
            (KeyOf::None, SortValue::None)
                | (KeyOf::Int(_), SortValue::Int(_))
                | (KeyOf::Text(_), SortValue::Text(_))
                | (KeyOf::Time(_), SortValue::Time(_))
                | (KeyOf::Date(_), SortValue::Date(_))
        )
    }
}

/// How a list is ordered: a key expression (None: by id alone), the id column and a
/// direction. `key_of` reads a row's key for its cursor.
pub struct Sort<E: EntityTrait> {
    pub key: Option<SimpleExpr>,
    pub id: E::Column,
    pub ascending: bool,
    pub key_of: KeyOf<E::Model>,
    pub id_of: fn(&E::Model) -> i64,
}

impl<E: EntityTrait> Sort<E> {
    /// Ordered by `key` (ties broken by id).
    pub fn by(
        key: impl IntoSimpleExpr,
        id: E::Column,
        ascending: bool,
        key_of: KeyOf<E::Model>,
        id_of: fn(&E::Model) -> i64,
    ) -> Sort<E> {
        Sort {
            key: Some(key.into_simple_expr()),
            id,
            ascending,
            key_of,
            id_of,
        }
    }

    /// Names the sort key and id columns, tables included (`"communes"."code"`), so
    /// it differs between lists and between the sort keys of one list; a cursor
    /// still works when only the direction changes. FNV-1a: the same in every build
    /// and every instance, unlike std's hasher.
    fn fingerprint(&self) -> u32 {
        let mut columns = Query::select();
        if let Some(key) = &self.key {
            columns.expr(key.clone());
        }
        columns.expr(self.id.into_simple_expr());
        columns
            .to_string(PostgresQueryBuilder)
            .bytes()
            .fold(0x811c_9dc5, |hash, byte| {
                (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
            })
    }
}

/// One page of rows with their cursors.
#[derive(Debug)]
pub struct Page<M> {
    pub rows: Vec<(EdgeCursor, M)>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

impl<M> Page<M> {
    pub fn map<T>(self, mut f: impl FnMut(M) -> T) -> Page<T> {
        Page {
            rows: self.rows.into_iter().map(|(c, m)| (c, f(m))).collect(),
            page_info: self.page_info,
            total_count: self.total_count,
        }
    }
}

fn check_size(value: Option<i32>, argument: &str) -> Result<Option<u64>, ApiError> {
    match value {
        None => Ok(None),
        Some(n) if (0..=MAX_PAGE_SIZE).contains(&n) => Ok(Some(n as u64)),
        Some(n) => Err(ApiError::BadUserInput(format!(
            "{argument} must be between 0 and {MAX_PAGE_SIZE}, got {n}"
        ))),
    }
}

/// `(key, id) > (value, i)` (or `<` for the other direction): a row-value
/// comparison, which the planner turns into a range on an index of `(key, id)`, so a
/// page deep in the list is read from where it starts, not filtered from the top.
/// (The equivalent `key > value OR (key = value AND id > i)` is not an index range
/// for PostgreSQL: it scanned up to the whole table for a page near the end.)
fn beyond<E: EntityTrait>(sort: &Sort<E>, cursor: Cursor, greater: bool) -> Condition {
    let id = Expr::expr(sort.id.into_simple_expr());
    let (left, right) = match &sort.key {
        None => (id, Expr::value(cursor.i)),
        Some(key) => (
            Expr::tuple([Expr::expr(key.clone()), id]),
            Expr::tuple([cursor.k.into_expr(), Expr::value(cursor.i)]),
        ),
    };
    Condition::all().add(if greater {
        left.gt(right)
    } else {
        left.lt(right)
    })
}

/// Runs one page of `select` in `sort` order. `want_total` adds a COUNT of the
/// whole filtered list (skipped when the client did not ask for `totalCount`).
pub async fn paginate<E, C>(
    db: &C,
    select: Select<E>,
    sort: &Sort<E>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<E::Model>, ApiError>
where
    E: EntityTrait,
    E::Model: Positional + Sync,
    C: ConnectionTrait,
{
    let first = check_size(args.first, "first")?;
    let last = check_size(args.last, "last")?;
    if first.is_some() && last.is_some() {
        return Err(ApiError::BadUserInput(
            "give first or last, not both".into(),
        ));
    }
    let fingerprint = sort.fingerprint();
    let after = args
        .after
        .as_deref()
        .map(|c| Cursor::decode(c, "after", fingerprint, &sort.key_of))
        .transpose()?;
    let before = args
        .before
        .as_deref()
        .map(|c| Cursor::decode(c, "before", fingerprint, &sort.key_of))
        .transpose()?;
    let backward = last.is_some();
    let limit = first.or(last).unwrap_or(DEFAULT_PAGE_SIZE as u64);

    let total_count = if want_total {
        let count = select.clone().count(db).await?;
        i32::try_from(count).unwrap_or(i32::MAX)
    } else {
        0
    };

    let mut query = select;
    let has_after = after.is_some();
    let has_before = before.is_some();
    if let Some(cursor) = after {
        query = query.filter(beyond(sort, cursor, sort.ascending));
    }
    if let Some(cursor) = before {
        query = query.filter(beyond(sort, cursor, !sort.ascending));
    }
    // Walking backwards reads the list in reverse and flips the page afterwards.
    let ascending = sort.ascending != backward;
    let order = if ascending { Order::Asc } else { Order::Desc };
    if let Some(key) = &sort.key {
        query = query.order_by(key.clone(), order.clone());
    }
    query = query.order_by(sort.id, order).limit(limit + 1);

    let mut models = if limit == 0 {
        Vec::new()
    } else {
        rows::all(db, query).await?
    };
    let more = models.len() as u64 > limit;
    models.truncate(limit as usize);
    if backward {
        models.reverse();
    }
    let rows: Vec<(EdgeCursor, E::Model)> = models
        .into_iter()
        .map(|m| {
            let cursor = Cursor {
                k: sort.key_of.value(&m),
                i: (sort.id_of)(&m),
                o: fingerprint,
            };
            (EdgeCursor(cursor), m)
        })
        .collect();
    let page_info = PageInfo {
        has_next_page: if backward { has_before } else { more },
        has_previous_page: if backward { more } else { has_after },
        start_cursor: rows.first().map(|(c, _)| c.encode()),
        end_cursor: rows.last().map(|(c, _)| c.encode()),
    };
    Ok(Page {
        rows,
        page_info,
        total_count,
    })
}

/// Declares `<Name>Connection` and `<Name>Edge` for a node type, built from a [`Page`].
#[macro_export]
macro_rules! connection {
    (planned $node:ty, $connection:ident, $edge:ident, $doc:literal) => {
        $crate::connection!(@define $node, $crate::graphql::plan::PlannedList<$node>, $connection, $edge, $doc);
    };
    ($node:ty, $connection:ident, $edge:ident, $doc:literal) => {
        $crate::connection!(@define $node, Vec<$node>, $connection, $edge, $doc);
    };
    (@define $node:ty, $nodes:ty, $connection:ident, $edge:ident, $doc:literal) => {
        #[doc = concat!("An edge in a list of ", $doc, ".")]
        #[derive(Clone)]
        pub struct $edge {
            pub cursor: $crate::graphql::pagination::EdgeCursor,
            pub node: $node,
        }

        #[doc = concat!("An edge in a list of ", $doc, ".")]
        #[async_graphql::Object]
        impl $edge {
            /// Opaque cursor for `after`/`before`.
            async fn cursor(&self) -> String {
                self.cursor.encode()
            }

            #[doc = concat!("One of the ", $doc, ".")]
            async fn node(&self) -> &$node {
                &self.node
            }
        }

        #[doc = concat!("A page of ", $doc, ", with keyset cursors.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $connection {
            /// The page's items with their cursors.
            pub edges: Vec<$edge>,
            /// The nodes of `edges`, for clients that need no cursors.
            pub nodes: $nodes,
            /// Where the page lies in the list.
            pub page_info: $crate::graphql::pagination::PageInfo,
            /// Number of items in the whole filtered list.
            pub total_count: i32,
        }

        impl From<$crate::graphql::pagination::Page<$node>> for $connection {
            fn from(page: $crate::graphql::pagination::Page<$node>) -> Self {
                let nodes = page.rows.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>();
                let edges = page
                    .rows
                    .into_iter()
                    .map(|(cursor, node)| $edge { cursor, node })
                    .collect();
                $connection {
                    edges,
                    nodes: nodes.into(),
                    page_info: page.page_info,
                    total_count: page.total_count,
                }
            }
        }
    };
}
