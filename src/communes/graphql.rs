//! `Commune`, `communes`, `createCommune`, `updateCommune`.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject, Value};
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::{
    entity::{self as commune, AdministrativeUnitType, NewRuralLevel},
    filter,
    rules::{self, CommuneCode, CreateCommune, UpdateCommune},
};
use crate::{
    connection,
    contributions::{
        entity as contribution,
        graphql::{
            ContributionArgs, ContributionConnection, ContributionFilter, ContributionOrder,
            contributions_page,
        },
    },
    error::{ApiError, UserError},
    graphql::{
        app,
        errors::respond,
        ids::{self, input_key},
        loaders::{Loaders, loaded, loaders},
        mutate,
        pagination::{KeyOf, OrderDirection, PageArgs, Sort, paginate},
        patch,
        plan::{Leaves, Planned, Related, load_rows, now, now_enum},
        scalars::{Date, DateTime},
    },
    keys::{CommuneKey, Key},
    reports::graphql::{ContributionTotals, TotalsOf, totals_of},
    text::Name,
    twinnings::graphql::Twinning,
};

/// A commune, ward or township (xã, phường, thị trấn).
#[derive(Clone)]
pub struct Commune(pub commune::Model);

/// A commune, ward or township (xã, phường, thị trấn).
#[Object]
impl Commune {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(CommuneKey::KIND, self.0.id)
    }

    /// Official administrative-unit code; unique.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The commune's name, e.g. Xã Đông Sơn.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Xã, phường or thị trấn.
    async fn unit_type(&self) -> UnitType {
        self.0.unit_type.into()
    }

    /// Null where no district tier applies (Vietnam abolished it in 2025).
    async fn district(&self) -> Option<&str> {
        self.0.district.as_deref()
    }

    /// One of the programme's special (đặc thù) communes.
    async fn special(&self) -> bool {
        self.0.special
    }

    /// Level reached under the new-rural-area programme (nông thôn mới).
    async fn new_rural_level(&self) -> RuralLevel {
        self.0.new_rural_level.into()
    }

    /// Year the current level was recognised.
    async fn new_rural_year(&self) -> Option<i32> {
        self.0.new_rural_year
    }

    /// Twinnings active on the given date (default: today).
    async fn twinnings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day (default: today in the programme's time zone).")]
        active_on: Option<Date>,
    ) -> async_graphql::Result<Vec<Twinning>> {
        let day = match active_on {
            Some(day) => day.0,
            None => app(ctx)?.clock.today(),
        };
        let all = loaded(loaders(ctx)?.twinnings_by_commune.load_one(self.0.id).await)?
            .unwrap_or_default();
        Ok(all
            .into_iter()
            .filter(|t| t.active_on(day))
            .map(Twinning)
            .collect())
    }

    /// Contributions pledged to this commune.
    #[allow(clippy::too_many_arguments)]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
        #[graphql(desc = "Narrows the list; every part given must hold.")] filter: Option<
            ContributionFilter,
        >,
        #[graphql(desc = "The order; the list's default when absent.")] order_by: Option<
            ContributionOrder,
        >,
    ) -> async_graphql::Result<ContributionConnection> {
        let args = ContributionArgs {
            page: PageArgs::new(first, after, last, before),
            filter,
            order_by,
        };
        contributions_page(
            ctx,
            args,
            Condition::all().add(contribution::Column::CommuneId.eq(self.0.id)),
        )
        .await
    }

    /// Totals of the contributions to this commune that are not cancelled.
    async fn contribution_totals(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ContributionTotals> {
        Ok(totals_of(ctx, TotalsOf::Commune(self.0.id)).await?)
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

impl Leaves for Commune {
    fn type_name(&self) -> &'static str {
        "Commune"
    }

    fn leaf(&self, ctx: &Context<'_>, name: &str) -> Option<Value> {
        match name {
            "id" => now(self.id(ctx)),
            "code" => now(self.code(ctx)),
            "name" => now(self.name(ctx)),
            "unitType" => now_enum(self.unit_type(ctx)),
            "district" => now(self.district(ctx)),
            "special" => now(self.special(ctx)),
            "newRuralLevel" => now_enum(self.new_rural_level(ctx)),
            "newRuralYear" => now(self.new_rural_year(ctx)),
            "updatedAt" => now(self.updated_at(ctx)),
            _ => None,
        }
    }
}

impl Planned for Commune {
    fn relation<'a>(
        loaders: &'a Loaders,
        name: &str,
        items: &'a [Self],
    ) -> Option<BoxFuture<'a, Result<Related, ApiError>>> {
        match name {
            "contributionTotals" => Some(Box::pin(async move {
                let rows =
                    load_rows(&loaders.totals_by_commune, items.iter().map(|c| c.0.id)).await?;
                Ok(items
                    .iter()
                    .map(|c| {
                        let totals = rows.get(&c.0.id).cloned().unwrap_or_default();
                        Some(Arc::new(ContributionTotals::from(totals)) as Arc<dyn Leaves>)
                    })
                    .collect())
            })),
            _ => None,
        }
    }
}

connection!(planned Commune, CommuneConnection, CommuneEdge, "communes");

/// The kind of administrative unit.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AdministrativeUnitType", remote = "AdministrativeUnitType")]
pub enum UnitType {
    /// xã
    Commune,
    /// phường
    Ward,
    /// thị trấn
    Township,
}

/// Level reached under the national new-rural-area programme (nông thôn mới).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "NewRuralLevel", remote = "NewRuralLevel")]
pub enum RuralLevel {
    /// Not yet recognised.
    NotYet,
    /// Đạt chuẩn nông thôn mới.
    Standard,
    /// Nông thôn mới nâng cao.
    Advanced,
    /// Nông thôn mới kiểu mẫu.
    Model,
}

/// Narrows `communes`.
#[derive(InputObject, Default)]
pub struct CommuneFilter {
    /// Case- and diacritic-insensitive: `ninh binh` matches `Ninh Bình`, `dong` matches `Đông`.
    pub search: Option<String>,
    /// One of the programme's special (đặc thù) communes.
    pub special: Option<bool>,
    /// Only communes at these levels.
    pub new_rural_levels: Option<Vec<RuralLevel>>,
    /// The district's name, exactly.
    pub district: Option<String>,
    /// Communes with (true) or without (false) an active twinning.
    pub twinned: Option<bool>,
}

/// What `communes` may be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommuneOrderField {
    /// By name, ignoring case and diacritics.
    Name,
    /// By official code.
    Code,
}

/// The order of `communes`.
#[derive(InputObject)]
pub struct CommuneOrder {
    /// What to sort by.
    pub field: CommuneOrderField,
    /// Ascending or descending.
    pub direction: OrderDirection,
}

impl CommuneFilter {
    /// The domain's filter.
    pub fn decode(self) -> filter::CommuneFilter {
        filter::CommuneFilter {
            search: self.search,
            special: self.special,
            new_rural_levels: self
                .new_rural_levels
                .map(|levels| levels.into_iter().map(Into::into).collect()),
            district: self.district,
            twinned: self.twinned,
        }
    }
}

fn sort(order: Option<CommuneOrder>) -> Sort<commune::Entity> {
    let (field, direction) = order.map_or((CommuneOrderField::Name, OrderDirection::Asc), |o| {
        (o.field, o.direction)
    });
    match field {
        CommuneOrderField::Name => Sort::by(
            commune::Column::SearchText,
            commune::Column::Id,
            direction.ascending(),
            KeyOf::Text(|m: &commune::Model| m.search_text.clone()),
            |m: &commune::Model| m.id,
        ),
        CommuneOrderField::Code => Sort::by(
            commune::Column::Code,
            commune::Column::Id,
            direction.ascending(),
            KeyOf::Text(|m: &commune::Model| m.code.clone()),
            |m: &commune::Model| m.id,
        ),
    }
}

#[derive(Default)]
pub struct CommuneQuery;

#[Object]
impl CommuneQuery {
    /// The registry's communes; public.
    #[allow(clippy::too_many_arguments)]
    async fn communes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
        #[graphql(desc = "Narrows the list; every part given must hold.")] filter: Option<
            CommuneFilter,
        >,
        #[graphql(desc = "The order; the list's default when absent.")] order_by: Option<
            CommuneOrder,
        >,
    ) -> async_graphql::Result<CommuneConnection> {
        let app = app(ctx)?;
        let condition = filter
            .unwrap_or_default()
            .decode()
            .condition(app.clock.today());
        let page = paginate(
            &app.db.read,
            commune::Entity::find().filter(condition),
            &sort(order_by),
            PageArgs::new(first, after, last, before),
            ctx.look_ahead().field("totalCount").exists(),
        )
        .await?;
        Ok(page.map(Commune).into())
    }
}

/// A commune; the registry is public.
pub async fn commune_node(ctx: &Context<'_>, key: i64) -> Result<Option<Commune>, ApiError> {
    Ok(loaded(loaders(ctx)?.communes.load_one(key).await)?.map(Commune))
}

/// A new commune in the registry.
#[derive(InputObject)]
pub struct CreateCommuneInput {
    /// Official administrative-unit code; unique.
    pub code: String,
    /// The name (at most 200 characters).
    pub name: String,
    /// Xã, phường or thị trấn.
    pub unit_type: UnitType,
    /// The district's name; null where no district tier applies.
    pub district: Option<String>,
    /// One of the programme's special (đặc thù) communes.
    pub special: bool,
    /// Level reached under the new-rural-area programme (nông thôn mới).
    pub new_rural_level: RuralLevel,
    /// Year the level was recognised; none at NOT_YET.
    pub new_rural_year: Option<i32>,
}

impl TryFrom<CreateCommuneInput> for CreateCommune {
    type Error = UserError;

    fn try_from(input: CreateCommuneInput) -> Result<Self, UserError> {
        Ok(CreateCommune {
            code: CommuneCode::parse("code", &input.code)?,
            name: Name::parse("name", &input.name)?,
            unit_type: input.unit_type.into(),
            district: Name::parse_optional("district", input.district.as_deref())?,
            special: input.special,
            new_rural_level: input.new_rural_level.into(),
            new_rural_year: input.new_rural_year,
        })
    }
}

/// The outcome of `createCommune`.
#[derive(SimpleObject, Default)]
pub struct CreateCommunePayload {
    /// The commune as the mutation left it; null when it failed.
    pub commune: Option<Commune>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(CreateCommunePayload { commune: Commune });

/// Changes to a commune; absent fields stay as they are, null clears.
#[derive(InputObject)]
pub struct UpdateCommuneInput {
    /// The commune's ID.
    pub commune_id: ID,
    /// The name (at most 200 characters).
    pub name: Option<String>,
    /// The district's name; null where no district tier applies.
    pub district: MaybeUndefined<String>,
    /// One of the programme's special (đặc thù) communes.
    pub special: Option<bool>,
    /// Level reached under the new-rural-area programme (nông thôn mới).
    pub new_rural_level: Option<RuralLevel>,
    /// Year the level was recognised; none at NOT_YET.
    pub new_rural_year: MaybeUndefined<i32>,
}

impl TryFrom<UpdateCommuneInput> for UpdateCommune {
    type Error = UserError;

    fn try_from(input: UpdateCommuneInput) -> Result<Self, UserError> {
        Ok(UpdateCommune {
            commune_id: input_key(&input.commune_id, "communeId")?,
            name: input
                .name
                .as_deref()
                .map(|name| Name::parse("name", name))
                .transpose()?,
            // A blank district clears it, like null.
            district: patch(input.district)
                .try_map(|d| Name::parse_optional("district", Some(&d)))?
                .flatten(),
            special: input.special,
            new_rural_level: input.new_rural_level.map(Into::into),
            new_rural_year: patch(input.new_rural_year),
        })
    }
}

/// The outcome of `updateCommune`.
#[derive(SimpleObject, Default)]
pub struct UpdateCommunePayload {
    /// The commune as the mutation left it; null when it failed.
    pub commune: Option<Commune>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(UpdateCommunePayload { commune: Commune });

#[derive(Default)]
pub struct CommuneMutation;

#[Object]
impl CommuneMutation {
    /// Adds a commune to the registry (officials and admins).
    async fn create_commune(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: CreateCommuneInput,
    ) -> async_graphql::Result<CreateCommunePayload> {
        respond(mutate(ctx, input, rules::create).await.map(Commune))
    }

    /// Changes a commune (officials and admins).
    async fn update_commune(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: UpdateCommuneInput,
    ) -> async_graphql::Result<UpdateCommunePayload> {
        respond(mutate(ctx, input, rules::update).await.map(Commune))
    }
}
