//! An export's query parameters, decoded once into the domain's filter: the same
//! names and values as the GraphQL list's filter (`statuses=PLEDGED,CONFIRMED` or
//! the parameter repeated, IDs as global IDs, days as `2026-11-26`, instants in
//! RFC 3339). Anything else is refused with a message that says what is wrong.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveEnum, Iterable};

use crate::{
    agenda::{
        entity::{AgendaCategory, AgendaItemStatus},
        filter::AgendaItemFilter,
    },
    audit::filter::{AuditEventFilter, Subject},
    communes::{entity::NewRuralLevel, filter::CommuneFilter},
    contributions::{
        entity::{ContributionKind, ContributionStatus},
        filter::ContributionFilter,
    },
    dialogues::{
        entity::{DialogueFormat, DialogueStatus},
        filter::DialogueFilter,
    },
    enterprises::filter::EnterpriseFilter,
    graphql::ids,
    keys::Key,
    reports::exports::List,
};

/// The parameters given, by name; each may be repeated.
pub struct Params {
    given: BTreeMap<String, Vec<String>>,
}

type Refusal = String;

impl Params {
    /// Parses a query string.
    pub fn parse(query: &str) -> Result<Params, Refusal> {
        let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(query)
            .map_err(|_| "the query string is malformed".to_owned())?;
        let mut given: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in pairs.into_inner() {
            given.entry(name).or_default().push(value);
        }
        Ok(Params { given })
    }

    /// Refuses any parameter not in `known`.
    pub fn only(&self, list: &str, known: &[&str]) -> Result<(), Refusal> {
        match self
            .given
            .keys()
            .find(|name| !known.contains(&name.as_str()))
        {
            Some(unknown) => Err(format!(
                "unknown parameter `{unknown}`: {list} take {}",
                if known.is_empty() {
                    "no parameters".to_owned()
                } else {
                    known.join(", ")
                }
            )),
            None => Ok(()),
        }
    }

    /// A parameter given at most once.
    pub fn one(&self, name: &str) -> Result<Option<&str>, Refusal> {
        match self.given.get(name).map(Vec::as_slice) {
            None => Ok(None),
            Some([value]) => Ok(Some(value.as_str())),
            Some(_) => Err(format!("give `{name}` once")),
        }
    }

    fn text(&self, name: &str) -> Result<Option<String>, Refusal> {
        Ok(self.one(name)?.map(str::to_owned))
    }

    fn flag(&self, name: &str) -> Result<Option<bool>, Refusal> {
        self.one(name)?
            .map(|value| match value {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(format!("`{name}` must be true or false")),
            })
            .transpose()
    }

    fn day(&self, name: &str) -> Result<Option<NaiveDate>, Refusal> {
        self.one(name)?.map(|value| day(name, value)).transpose()
    }

    fn instant(&self, name: &str) -> Result<Option<DateTime<Utc>>, Refusal> {
        self.one(name)?
            .map(|value| {
                DateTime::parse_from_rfc3339(value)
                    .map(|at| at.with_timezone(&Utc))
                    .map_err(|_| {
                        format!("`{name}` must be an RFC 3339 instant such as 2026-11-26T08:30:00Z")
                    })
            })
            .transpose()
    }

    /// The key of an ID of `kind`.
    fn key<K: Key>(&self, name: &str) -> Result<Option<K>, Refusal> {
        self.one(name)?
            .map(|value| match ids::decode(value) {
                Some((kind, key)) if kind == K::KIND => Ok(K::new(key)),
                _ => Err(format!("`{name}` is not {} ID", K::KIND.with_article())),
            })
            .transpose()
    }

    /// Values of an enumeration, comma-separated or repeated.
    fn values<E: ActiveEnum<Value = String> + Iterable>(
        &self,
        name: &str,
    ) -> Result<Option<Vec<E>>, Refusal> {
        let Some(given) = self.given.get(name) else {
            return Ok(None);
        };
        let mut values = Vec::new();
        for value in given.iter().flat_map(|v| v.split(',')).map(str::trim) {
            match E::try_from_value(&value.to_owned()) {
                Ok(parsed) => values.push(parsed),
                Err(_) => {
                    let allowed: Vec<String> = E::iter().map(|e| e.to_value()).collect();
                    return Err(format!(
                        "`{name}`: `{value}` is not one of {}",
                        allowed.join(", ")
                    ));
                }
            }
        }
        Ok(Some(values))
    }
}

/// A day as the `Date` scalar takes it: `YYYY-MM-DD`.
pub fn day(name: &str, value: &str) -> Result<NaiveDate, Refusal> {
    let shaped = value.len() == 10
        && value.bytes().enumerate().all(|(at, b)| match at {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shaped
        .then(|| NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
        .flatten()
        .filter(|d| d.to_string() == value)
        .ok_or_else(|| format!("`{name}` must be a date such as 2026-11-26"))
}

/// The list named `name`, narrowed by `params`.
pub fn list(name: &str, params: &Params) -> Result<List, Refusal> {
    Ok(match name {
        "contributions" => {
            params.only(
                name,
                &[
                    "communeId",
                    "contributorId",
                    "statuses",
                    "kinds",
                    "pledgedFrom",
                    "pledgedTo",
                    "specialCommunesOnly",
                ],
            )?;
            List::Contributions(ContributionFilter {
                commune: params.key("communeId")?,
                contributor: params
                    .one("contributorId")?
                    .map(|value| {
                        ids::partner_key(value).ok_or_else(|| {
                            "`contributorId` is not an Enterprise or Agency ID".to_owned()
                        })
                    })
                    .transpose()?,
                statuses: params.values::<ContributionStatus>("statuses")?,
                kinds: params.values::<ContributionKind>("kinds")?,
                pledged_from: params.day("pledgedFrom")?,
                pledged_to: params.day("pledgedTo")?,
                special_communes_only: params.flag("specialCommunesOnly")? == Some(true),
            })
        }
        "communes" => {
            params.only(
                name,
                &["search", "special", "newRuralLevels", "district", "twinned"],
            )?;
            List::Communes(CommuneFilter {
                search: params.text("search")?,
                special: params.flag("special")?,
                new_rural_levels: params.values::<NewRuralLevel>("newRuralLevels")?,
                district: params.text("district")?,
                twinned: params.flag("twinned")?,
            })
        }
        "enterprises" => {
            params.only(name, &["search", "verified", "sector"])?;
            List::Enterprises(EnterpriseFilter {
                search: params.text("search")?,
                verified: params.flag("verified")?,
                sector: params.text("sector")?,
            })
        }
        "agenda-items" => {
            params.only(
                name,
                &[
                    "statuses",
                    "categories",
                    "dialogueId",
                    "agencyId",
                    "submittedById",
                    "overdue",
                    "search",
                ],
            )?;
            List::AgendaItems(AgendaItemFilter {
                statuses: params.values::<AgendaItemStatus>("statuses")?,
                categories: params.values::<AgendaCategory>("categories")?,
                dialogue: params.key("dialogueId")?,
                agency: params.key("agencyId")?,
                submitted_by: params.key("submittedById")?,
                overdue: params.flag("overdue")?,
                search: params.text("search")?,
            })
        }
        "registrations" => {
            params.only(
                name,
                &[
                    "dialogueId",
                    "statuses",
                    "formats",
                    "from",
                    "to",
                    "communeId",
                ],
            )?;
            List::Registrations(
                DialogueFilter {
                    statuses: params.values::<DialogueStatus>("statuses")?,
                    formats: params.values::<DialogueFormat>("formats")?,
                    from: params.instant("from")?,
                    to: params.instant("to")?,
                    commune: params.key("communeId")?,
                },
                params.key("dialogueId")?,
            )
        }
        "audit-events" => {
            params.only(name, &["action", "actorId", "subjectId", "from", "to"])?;
            List::AuditEvents(AuditEventFilter {
                action: params.text("action")?,
                actor: params.key("actorId")?,
                subject: params
                    .one("subjectId")?
                    .map(|value| match ids::reference(value) {
                        Some(reference) => Subject::Object(reference),
                        None => Subject::Unknown,
                    }),
                from: params.instant("from")?,
                to: params.instant("to")?,
            })
        }
        _ => {
            return Err(format!(
                "no such export: `{name}`; the lists are {}",
                List::NAMES.join(", ")
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{CommuneKey, ObjectKind};

    fn parsed(name: &str, query: &str) -> Result<List, Refusal> {
        list(name, &Params::parse(query)?)
    }

    #[test]
    fn filters_read_like_the_graphql_ones() {
        let commune = ids::encode(ObjectKind::Commune, 7).0;
        let found = parsed(
            "contributions",
            &format!(
                "communeId={commune}&statuses=PLEDGED,CONFIRMED&statuses=FULFILLED&pledgedFrom=2026-01-01&specialCommunesOnly=true"
            ),
        );
        assert_eq!(
            found,
            Ok(List::Contributions(ContributionFilter {
                commune: Some(CommuneKey::new(7)),
                statuses: Some(vec![
                    ContributionStatus::Pledged,
                    ContributionStatus::Confirmed,
                    ContributionStatus::Fulfilled
                ]),
                pledged_from: NaiveDate::from_ymd_opt(2026, 1, 1),
                special_communes_only: true,
                ..Default::default()
            }))
        );
    }

    #[test]
    fn bad_parameters_say_what_is_wrong() {
        let enterprise = ids::encode(ObjectKind::Enterprise, 7).0;
        for (name, query, message) in [
            ("contributions", "colour=red", "unknown parameter `colour`"),
            (
                "contributions",
                "statuses=PAID",
                "`statuses`: `PAID` is not one of",
            ),
            (
                "contributions",
                "pledgedFrom=2026-13-01",
                "`pledgedFrom` must be a date",
            ),
            (
                "contributions",
                &format!("communeId={enterprise}"),
                "`communeId` is not a Commune ID",
            ),
            ("communes", "special=yes", "`special` must be true or false"),
            ("communes", "search=a&search=b", "give `search` once"),
            (
                "audit-events",
                "from=yesterday",
                "`from` must be an RFC 3339 instant",
            ),
            ("nothing", "", "no such export"),
        ] {
            let refusal = parsed(name, query).err().unwrap_or_default();
            assert!(refusal.contains(message), "{name}?{query}: {refusal}");
        }
    }
}
