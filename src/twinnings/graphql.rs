//! `Twinning`, the `Partner` union, `createTwinning`, `endTwinning`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Union};

use super::{
    entity::{self as twinning, TwinningKind},
    rules::{self, CreateTwinning, EndTwinning},
};
use crate::{
    agencies::graphql::Agency,
    communes::graphql::Commune,
    enterprises::graphql::Enterprise,
    error::{ApiError, UserError},
    graphql::{
        app,
        errors::respond,
        ids::{self, input_key, input_partner},
        loaders::{Loaders, loaded, loaders},
        mutate,
        plan::{Related, load_rows, shared},
        scalars::Date,
    },
    keys::{Key, TwinningKey},
};

/// How a partner relates to a commune; it follows from the partner.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "TwinningKind", remote = "TwinningKind")]
pub enum Kind {
    /// kết nghĩa: an enterprise twinned with a commune
    Twinned,
    /// phụ trách: an agency in charge of a commune
    InCharge,
}

/// Who twins with or takes charge of a commune.
#[derive(Union, Clone)]
pub enum Partner {
    Enterprise(Enterprise),
    Agency(Agency),
}

/// Loads a partner by its enterprise or agency id.
pub async fn load_partner(
    ctx: &Context<'_>,
    enterprise_id: Option<i64>,
    agency_id: Option<i64>,
) -> Result<Partner, ApiError> {
    let loaders = loaders(ctx)?;
    let found = match (enterprise_id, agency_id) {
        (Some(id), _) => loaded(loaders.enterprises.load_one(id).await)?
            .map(|m| Partner::Enterprise(Enterprise(m))),
        (None, Some(id)) => {
            loaded(loaders.agencies.load_one(id).await)?.map(|m| Partner::Agency(Agency(m)))
        }
        (None, None) => None,
    };
    found.ok_or_else(|| ApiError::internal(anyhow::anyhow!("bug: a partner row is missing")))
}

/// Each item's partner, by its enterprise or agency id, for a planned list: the
/// enterprises in one statement and the agencies in another, as the loaders batch
/// them for `load_partner`.
pub async fn partners(
    loaders: &Loaders,
    items: impl Iterator<Item = (Option<i64>, Option<i64>)>,
) -> Result<Related, ApiError> {
    let items: Vec<_> = items.collect();
    let (enterprises, agencies) = futures_util::try_join!(
        load_rows(&loaders.enterprises, items.iter().filter_map(|p| p.0)),
        load_rows(
            &loaders.agencies,
            items.iter().filter(|p| p.0.is_none()).filter_map(|p| p.1)
        ),
    )?;
    let enterprises = shared(enterprises, Enterprise);
    let agencies = shared(agencies, Agency);
    items
        .into_iter()
        .map(|partner| {
            let found = match partner {
                (Some(id), _) => enterprises.get(&id),
                (None, Some(id)) => agencies.get(&id),
                (None, None) => None,
            };
            found
                .map(|object| Some(object.clone()))
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("bug: a partner row is missing")))
        })
        .collect()
}

/// A commune's partner: an enterprise twinned with it (kết nghĩa) or an agency in
/// charge of it (phụ trách).
#[derive(Clone)]
pub struct Twinning(pub twinning::Model);

/// A commune's partner: an enterprise twinned with it (kết nghĩa) or an agency in
/// charge of it (phụ trách).
#[Object]
impl Twinning {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(TwinningKey::KIND, self.0.id)
    }

    /// The commune.
    async fn commune(&self, ctx: &Context<'_>) -> async_graphql::Result<Commune> {
        let found = loaded(loaders(ctx)?.communes.load_one(self.0.commune_id).await)?;
        Ok(found
            .map(Commune)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("bug: a commune row is missing")))?)
    }

    /// The enterprise or agency.
    async fn partner(&self, ctx: &Context<'_>) -> async_graphql::Result<Partner> {
        Ok(load_partner(ctx, self.0.enterprise_id, self.0.agency_id).await?)
    }

    /// TWINNED for an enterprise, IN_CHARGE for an agency.
    async fn kind(&self) -> Kind {
        self.0.kind.into()
    }

    /// First day of the twinning.
    async fn started_on(&self) -> Date {
        Date(self.0.started_on)
    }

    /// Last day, once ended.
    async fn ended_on(&self) -> Option<Date> {
        self.0.ended_on.map(Date)
    }

    /// True when today lies in [startedOn, endedOn].
    async fn active(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(self.0.active_on(app(ctx)?.clock.today()))
    }
}

/// A twinning; the registry is public. Through the loader, so `nodes` with many
/// twinning IDs runs one query.
pub async fn twinning_node(ctx: &Context<'_>, key: i64) -> Result<Option<Twinning>, ApiError> {
    Ok(loaded(loaders(ctx)?.twinnings.load_one(key).await)?.map(Twinning))
}

/// A new twinning; its kind follows from the partner.
#[derive(InputObject)]
pub struct CreateTwinningInput {
    /// The commune's ID.
    pub commune_id: ID,
    /// An Enterprise (kind TWINNED) or Agency (kind IN_CHARGE) ID.
    pub partner_id: ID,
    /// The twinning's first day.
    pub started_on: Date,
}

impl TryFrom<CreateTwinningInput> for CreateTwinning {
    type Error = UserError;

    fn try_from(input: CreateTwinningInput) -> Result<Self, UserError> {
        Ok(CreateTwinning {
            commune_id: input_key(&input.commune_id, "communeId")?,
            partner_id: input_partner(&input.partner_id, "partnerId")?,
            started_on: input.started_on.0,
        })
    }
}

/// The outcome of `createTwinning`.
#[derive(SimpleObject, Default)]
pub struct CreateTwinningPayload {
    /// The twinning as the mutation left it; null when it failed.
    pub twinning: Option<Twinning>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(CreateTwinningPayload { twinning: Twinning });

/// Ends a twinning on a day on or after it started.
#[derive(InputObject)]
pub struct EndTwinningInput {
    /// The twinning's ID.
    pub twinning_id: ID,
    /// The twinning's last day (on or after it started).
    pub ended_on: Date,
}

impl TryFrom<EndTwinningInput> for EndTwinning {
    type Error = UserError;

    fn try_from(input: EndTwinningInput) -> Result<Self, UserError> {
        Ok(EndTwinning {
            twinning_id: input_key(&input.twinning_id, "twinningId")?,
            ended_on: input.ended_on.0,
        })
    }
}

/// The outcome of `endTwinning`.
#[derive(SimpleObject, Default)]
pub struct EndTwinningPayload {
    /// The twinning as the mutation left it; null when it failed.
    pub twinning: Option<Twinning>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(EndTwinningPayload { twinning: Twinning });

#[derive(Default)]
pub struct TwinningMutation;

#[Object]
impl TwinningMutation {
    /// Twins an enterprise with a commune, or puts an agency in charge of one
    /// (officials and admins).
    async fn create_twinning(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: CreateTwinningInput,
    ) -> async_graphql::Result<CreateTwinningPayload> {
        respond(mutate(ctx, input, rules::create).await.map(Twinning))
    }

    /// Ends a twinning; its history stays (officials and admins).
    async fn end_twinning(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: EndTwinningInput,
    ) -> async_graphql::Result<EndTwinningPayload> {
        respond(mutate(ctx, input, rules::end).await.map(Twinning))
    }
}
