//! The `agencies` table.

use sea_orm::{entity::prelude::*, sea_query::StringLen};

/// What kind of government body an agency is.
#[derive(DeriveActiveEnum, EnumIter, Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgencyKind {
    /// sở
    #[sea_orm(string_value = "DEPARTMENT")]
    Department,
    /// ban
    #[sea_orm(string_value = "BOARD")]
    Board,
    /// đoàn thể
    #[sea_orm(string_value = "MASS_ORGANIZATION")]
    MassOrganization,
    /// ủy ban nhân dân
    #[sea_orm(string_value = "PEOPLES_COMMITTEE")]
    PeoplesCommittee,
    /// Any other body.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "agencies")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub name: String,
        pub search_text: String,
        pub kind: AgencyKind,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
}

crate::text_enum_cells!(AgencyKind);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
