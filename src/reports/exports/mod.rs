//! The lists an official downloads (`/exports/<list>.csv|.xlsx`): contributions,
//! communes, enterprises, agenda items, dialogue registrations and audit events,
//! as typed cells under Vietnamese headers. Which rows and which fields a viewer
//! gets follow the same rules as the API, asked of the same functions
//! (`agenda::rules::visible_condition`, `enterprises::rules::sees_private_fields`,
//! `dialogues::rules::RegistrationsSeen`, `audit::filter::may_read`, …), so what a
//! viewer cannot see in GraphQL is not in their file.
//!
//! Rows are read in keyset pages (`id > last ORDER BY id LIMIT n`), each page's
//! related names in one `IN (...)` query per table, so a download of any length
//! holds one page at a time. How cells are written (CSV, XLSX, global IDs for
//! [`Cell::Object`]) is the presentation's business.

pub mod labels;
mod lists;

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbErr};

use crate::{
    agenda::filter::AgendaItemFilter,
    audit::filter::{AuditEventFilter, may_read},
    auth::Viewer,
    communes::filter::CommuneFilter,
    contributions::filter::ContributionFilter,
    dialogues::{filter::DialogueFilter, rules::RegistrationsSeen},
    enterprises::filter::EnterpriseFilter,
    error::ApiError,
    keys::{DialogueKey, Reference},
};

/// One cell, typed: the writer decides how each type looks.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    /// Whole đồng.
    Money(i64),
    Date(NaiveDate),
    /// An instant, as the wall-clock time of the programme's time zone.
    Instant(NaiveDateTime),
    YesNo(bool),
    /// A fraction, shown as a percentage.
    Ratio(f64),
    /// A measure with decimals (an average).
    Decimal(f64),
    /// A total of đồng, which may exceed 64 bits.
    Total(crate::money::Total),
    /// An object of ours, written as its global ID.
    Object(Reference),
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Cell {
        Cell::Text(value.into())
    }

    pub fn optional_text(value: Option<impl Into<String>>) -> Cell {
        value.map_or(Cell::Empty, Cell::text)
    }
}

/// A column: its Vietnamese header and a width, in characters, for spreadsheets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    pub header: &'static str,
    pub width: f64,
}

const fn column(header: &'static str, width: f64) -> Column {
    Column { header, width }
}

/// Which list, narrowed by the same filters as its GraphQL list.
#[derive(Debug, Clone, PartialEq)]
pub enum List {
    Contributions(ContributionFilter),
    Communes(CommuneFilter),
    Enterprises(EnterpriseFilter),
    AgendaItems(AgendaItemFilter),
    /// Registrations for the dialogues the filter (and, given, the one dialogue) selects.
    Registrations(DialogueFilter, Option<DialogueKey>),
    AuditEvents(AuditEventFilter),
}

impl List {
    /// The list's name in `/exports/<name>.csv`.
    pub const NAMES: [&'static str; 6] = [
        "contributions",
        "communes",
        "enterprises",
        "agenda-items",
        "registrations",
        "audit-events",
    ];

    /// The file name a download suggests, without extension.
    pub fn file_stem(&self) -> &'static str {
        match self {
            List::Contributions(_) => "dong-gop",
            List::Communes(_) => "xa",
            List::Enterprises(_) => "doanh-nghiep",
            List::AgendaItems(_) => "kien-nghi",
            List::Registrations(..) => "dang-ky-doi-thoai",
            List::AuditEvents(_) => "nhat-ky",
        }
    }

    /// The sheet's title.
    pub fn title(&self) -> &'static str {
        match self {
            List::Contributions(_) => "Đóng góp",
            List::Communes(_) => "Xã",
            List::Enterprises(_) => "Doanh nghiệp",
            List::AgendaItems(_) => "Kiến nghị",
            List::Registrations(..) => "Đăng ký đối thoại",
            List::AuditEvents(_) => "Nhật ký",
        }
    }

    pub fn columns(&self) -> &'static [Column] {
        match self {
            List::Contributions(_) => lists::CONTRIBUTION_COLUMNS,
            List::Communes(_) => lists::COMMUNE_COLUMNS,
            List::Enterprises(_) => lists::ENTERPRISE_COLUMNS,
            List::AgendaItems(_) => lists::AGENDA_COLUMNS,
            List::Registrations(..) => lists::REGISTRATION_COLUMNS,
            List::AuditEvents(_) => lists::AUDIT_COLUMNS,
        }
    }
}

/// One download: a list, for a viewer, on a business day.
#[derive(Debug, Clone)]
pub struct Export {
    pub list: List,
    pub viewer: Viewer,
    pub today: NaiveDate,
    pub zone: Tz,
}

/// A page of rows and where the next one starts.
#[derive(Debug, Default)]
pub struct Page {
    pub rows: Vec<Vec<Cell>>,
    /// The last row's id; `None` when the list is done.
    pub next: Option<i64>,
}

impl Export {
    /// The export for `viewer`, when the viewer may have it: registrations need an
    /// official or a firm (which gets its own), audit events an official or admin.
    /// UNAUTHENTICATED when anonymous, FORBIDDEN otherwise.
    pub fn new(list: List, viewer: Viewer, today: NaiveDate, zone: Tz) -> Result<Export, ApiError> {
        match &list {
            List::Registrations(..)
                if RegistrationsSeen::of(&viewer) == RegistrationsSeen::None =>
            {
                return Err(ApiError::denied(viewer.principal.is_some()));
            }
            List::AuditEvents(_) => {
                may_read(&viewer)?;
            }
            _ => {}
        }
        Ok(Export {
            list,
            viewer,
            today,
            zone,
        })
    }

    /// The rows after the one with id `after` (from the start when `None`), at most
    /// `limit` of them.
    pub async fn page(
        &self,
        db: &impl ConnectionTrait,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Page, DbErr> {
        let after = after.unwrap_or(0);
        let (rows, last) = match &self.list {
            List::Contributions(_) => lists::contributions(self, db, after, limit).await?,
            List::Communes(_) => lists::communes(self, db, after, limit).await?,
            List::Enterprises(_) => lists::enterprises(self, db, after, limit).await?,
            List::AgendaItems(_) => lists::agenda_items(self, db, after, limit).await?,
            List::Registrations(..) => lists::registrations(self, db, after, limit).await?,
            List::AuditEvents(_) => lists::audit_events(self, db, after, limit).await?,
        };
        let full = rows.len() as u64 == limit;
        Ok(Page {
            rows,
            next: last.filter(|_| full),
        })
    }

    /// How many rows the whole download has, counted by the database.
    pub async fn count(&self, db: &impl ConnectionTrait) -> Result<u64, DbErr> {
        lists::count(self, db).await
    }

    /// An instant as the programme's wall-clock time.
    fn local(&self, at: chrono::DateTime<chrono::Utc>) -> Cell {
        Cell::Instant(at.with_timezone(&self.zone).naive_local())
    }
}
