//! Which communes a list or an export shows: the domain's side of `CommuneFilter`.

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Query},
};

use super::entity::{self as commune, NewRuralLevel};
use crate::{
    filters::{equals_condition, search_condition},
    twinnings::entity as twinning,
};

/// Narrows a list of communes; every part given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommuneFilter {
    /// Case- and diacritic-insensitive over the name.
    pub search: Option<String>,
    pub special: Option<bool>,
    pub new_rural_levels: Option<Vec<NewRuralLevel>>,
    /// The district's name, exactly.
    pub district: Option<String>,
    /// With (true) or without (false) a twinning active today.
    pub twinned: Option<bool>,
}

impl CommuneFilter {
    pub fn condition(&self, today: NaiveDate) -> Condition {
        let mut condition = Condition::all();
        if let Some(search) = self
            .search
            .as_deref()
            .and_then(|s| search_condition(commune::Column::SearchText, s))
        {
            condition = condition.add(search);
        }
        if let Some(special) = self.special {
            condition = condition.add(commune::Column::Special.eq(special));
        }
        if let Some(levels) = &self.new_rural_levels {
            condition = condition.add(commune::Column::NewRuralLevel.is_in(levels.iter().copied()));
        }
        if let Some(district) = &self.district {
            condition = condition.add(equals_condition(commune::Column::District, district));
        }
        if let Some(twinned) = self.twinned {
            let active = Query::select()
                .expr(Expr::val(1))
                .from(twinning::Entity)
                .and_where(
                    Expr::col((twinning::Entity, twinning::Column::CommuneId))
                        .equals((commune::Entity, commune::Column::Id)),
                )
                .and_where(Expr::col((twinning::Entity, twinning::Column::StartedOn)).lte(today))
                .and_where(
                    Expr::col((twinning::Entity, twinning::Column::EndedOn))
                        .is_null()
                        .or(Expr::col((twinning::Entity, twinning::Column::EndedOn)).gte(today)),
                )
                .to_owned();
            let exists = Expr::exists(active);
            condition = condition.add(if twinned { exists } else { exists.not() });
        }
        condition
    }
}
