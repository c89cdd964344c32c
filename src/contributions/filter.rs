//! Which contributions a list or an export shows: the domain's side of
//! `ContributionFilter`, decoded once by the GraphQL layer or the export's query
//! parameters.

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Query},
};

use super::entity::{self as contribution, ContributionKind, ContributionStatus};
use crate::{
    communes::entity as commune,
    keys::{CommuneKey, Key, PartnerKey},
};

/// Narrows a list of contributions; every part given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContributionFilter {
    pub commune: Option<CommuneKey>,
    pub contributor: Option<PartnerKey>,
    pub statuses: Option<Vec<ContributionStatus>>,
    pub kinds: Option<Vec<ContributionKind>>,
    /// Pledged on or after this day.
    pub pledged_from: Option<NaiveDate>,
    /// Pledged on or before this day.
    pub pledged_to: Option<NaiveDate>,
    /// Only contributions to the programme's special communes.
    pub special_communes_only: bool,
}

impl ContributionFilter {
    pub fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(key) = self.commune {
            condition = condition.add(contribution::Column::CommuneId.eq(key.get()));
        }
        match self.contributor {
            Some(PartnerKey::Enterprise(key)) => {
                condition = condition.add(contribution::Column::EnterpriseId.eq(key.get()));
            }
            Some(PartnerKey::Agency(key)) => {
                condition = condition.add(contribution::Column::AgencyId.eq(key.get()));
            }
            None => {}
        }
        if let Some(statuses) = &self.statuses {
            condition = condition.add(contribution::Column::Status.is_in(statuses.iter().copied()));
        }
        if let Some(kinds) = &self.kinds {
            condition = condition.add(contribution::Column::Kind.is_in(kinds.iter().copied()));
        }
        if let Some(from) = self.pledged_from {
            condition = condition.add(contribution::Column::PledgedOn.gte(from));
        }
        if let Some(to) = self.pledged_to {
            condition = condition.add(contribution::Column::PledgedOn.lte(to));
        }
        if self.special_communes_only {
            let special = Query::select()
                .column(commune::Column::Id)
                .from(commune::Entity)
                .and_where(Expr::col(commune::Column::Special).eq(true))
                .to_owned();
            condition = condition.add(contribution::Column::CommuneId.in_subquery(special));
        }
        condition
    }
}
