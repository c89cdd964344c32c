//! The `communes` table.

use sea_orm::{entity::prelude::*, sea_query::StringLen};

/// The kind of administrative unit.
#[derive(DeriveActiveEnum, EnumIter, Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AdministrativeUnitType {
    /// xã
    #[sea_orm(string_value = "COMMUNE")]
    Commune,
    /// phường
    #[sea_orm(string_value = "WARD")]
    Ward,
    /// thị trấn
    #[sea_orm(string_value = "TOWNSHIP")]
    Township,
}

/// Level reached under the national new-rural-area programme (nông thôn mới).
#[derive(DeriveActiveEnum, EnumIter, Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NewRuralLevel {
    /// Not yet recognised.
    #[sea_orm(string_value = "NOT_YET")]
    NotYet,
    /// Đạt chuẩn nông thôn mới.
    #[sea_orm(string_value = "STANDARD")]
    Standard,
    /// Nông thôn mới nâng cao.
    #[sea_orm(string_value = "ADVANCED")]
    Advanced,
    /// Nông thôn mới kiểu mẫu.
    #[sea_orm(string_value = "MODEL")]
    Model,
}

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "communes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub name: String,
        /// `text::fold(name)`, kept on write.
        pub search_text: String,
        pub unit_type: AdministrativeUnitType,
        pub district: Option<String>,
        pub special: bool,
        pub new_rural_level: NewRuralLevel,
        pub new_rural_year: Option<i32>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
}

crate::text_enum_cells!(AdministrativeUnitType, NewRuralLevel);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
