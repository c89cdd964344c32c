//! The `enterprises` table.

use sea_orm::entity::prelude::*;

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "enterprises")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Normalised: `NNNNNNNNNN` or `NNNNNNNNNN-NNN`; unique.
        pub tax_code: String,
        pub name: String,
        pub search_text: String,
        pub sector: Option<String>,
        pub address: Option<String>,
        pub contact_email: Option<String>,
        pub contact_phone: Option<String>,
        pub verified: bool,
        pub verified_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
