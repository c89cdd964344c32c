//! Which enterprises a list or an export shows: the domain's side of
//! `EnterpriseFilter`.

use sea_orm::{ColumnTrait, Condition};

use super::{entity as enterprise, tax_code::TaxCode};
use crate::filters::{equals_condition, search_condition};

/// Narrows a list of enterprises; every part given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnterpriseFilter {
    /// Case- and diacritic-insensitive over the name; exact over the tax code.
    pub search: Option<String>,
    pub verified: Option<bool>,
    /// The sector, exactly.
    pub sector: Option<String>,
}

impl EnterpriseFilter {
    pub fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(search) = self.search.as_deref() {
            let by_name = search_condition(enterprise::Column::SearchText, search);
            let by_tax_code = TaxCode::parse(search)
                .ok()
                .map(|code| enterprise::Column::TaxCode.eq(code.to_string()));
            match (by_name, by_tax_code) {
                (Some(name), Some(code)) => {
                    condition = condition.add(Condition::any().add(name).add(code))
                }
                (Some(name), None) => condition = condition.add(name),
                (None, Some(code)) => condition = condition.add(code),
                (None, None) => {}
            }
        }
        if let Some(verified) = self.verified {
            condition = condition.add(enterprise::Column::Verified.eq(verified));
        }
        if let Some(sector) = &self.sector {
            condition = condition.add(equals_condition(enterprise::Column::Sector, sector));
        }
        condition
    }
}
