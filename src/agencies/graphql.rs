//! `Agency`, `agencies`, `createAgency`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Value};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::{
    entity::{self as agency, AgencyKind},
    rules::{self, AgencyCode, CreateAgency},
};
use crate::{
    connection,
    error::{ApiError, UserError},
    graphql::filters::search_condition,
    graphql::{
        app,
        errors::respond,
        ids,
        loaders::{loaded, loaders},
        mutate,
        pagination::{KeyOf, PageArgs, Sort, paginate},
        plan::{Leaves, now, now_enum},
    },
    keys::{AgencyKey, Key},
    reports::graphql::{ResponseStats, response_stats},
    text::Name,
    twinnings::graphql::Twinning,
};

/// A government body: a provincial department (sở), board (ban), mass organisation
/// (đoàn thể) or people's committee (ủy ban nhân dân).
#[derive(Clone)]
pub struct Agency(pub agency::Model);

/// A government body: a provincial department (sở), board (ban), mass organisation
/// (đoàn thể) or people's committee (ủy ban nhân dân).
#[Object]
impl Agency {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(AgencyKey::KIND, self.0.id)
    }

    /// Short code, unique, e.g. SKHDT.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Full name, e.g. Sở Kế hoạch và Đầu tư.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What kind of body it is.
    async fn kind(&self) -> Kind {
        self.0.kind.into()
    }

    /// How this agency answers the agenda items assigned to it.
    async fn response_stats(&self, ctx: &Context<'_>) -> async_graphql::Result<ResponseStats> {
        Ok(response_stats(ctx, self.0.id).await?)
    }

    /// The communes this agency is or was in charge of (phụ trách), oldest first.
    async fn twinnings(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Twinning>> {
        let all = loaded(loaders(ctx)?.twinnings_by_agency.load_one(self.0.id).await)?
            .unwrap_or_default();
        Ok(all.into_iter().map(Twinning).collect())
    }
}

impl Leaves for Agency {
    fn type_name(&self) -> &'static str {
        "Agency"
    }

    fn leaf(&self, ctx: &Context<'_>, name: &str) -> Option<Value> {
        match name {
            "id" => now(self.id(ctx)),
            "code" => now(self.code(ctx)),
            "name" => now(self.name(ctx)),
            "kind" => now_enum(self.kind(ctx)),
            _ => None,
        }
    }
}

connection!(Agency, AgencyConnection, AgencyEdge, "agencies");

/// Narrows `agencies`.
#[derive(InputObject, Default)]
pub struct AgencyFilter {
    /// Case- and diacritic-insensitive over the name.
    pub search: Option<String>,
    /// Only these kinds.
    pub kinds: Option<Vec<Kind>>,
}

#[derive(Default)]
pub struct AgencyQuery;

#[Object]
impl AgencyQuery {
    /// The province's agencies, by name; public.
    async fn agencies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
        #[graphql(desc = "Narrows the list; every part given must hold.")] filter: Option<
            AgencyFilter,
        >,
    ) -> async_graphql::Result<AgencyConnection> {
        let filter = filter.unwrap_or_default();
        let mut condition = Condition::all();
        if let Some(search) = filter
            .search
            .as_deref()
            .and_then(|s| search_condition(agency::Column::SearchText, s))
        {
            condition = condition.add(search);
        }
        if let Some(kinds) = filter.kinds {
            condition =
                condition.add(agency::Column::Kind.is_in(kinds.into_iter().map(AgencyKind::from)));
        }
        let by_name = Sort::by(
            agency::Column::SearchText,
            agency::Column::Id,
            true,
            KeyOf::Text(|m: &agency::Model| m.search_text.clone()),
            |m: &agency::Model| m.id,
        );
        let page = paginate(
            &app(ctx)?.db.read,
            agency::Entity::find().filter(condition),
            &by_name,
            PageArgs::new(first, after, last, before),
            ctx.look_ahead().field("totalCount").exists(),
        )
        .await?;
        Ok(page.map(Agency).into())
    }
}

/// An agency; the registry is public.
pub async fn agency_node(ctx: &Context<'_>, key: i64) -> Result<Option<Agency>, ApiError> {
    Ok(loaded(loaders(ctx)?.agencies.load_one(key).await)?.map(Agency))
}

/// What kind of government body an agency is.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AgencyKind", remote = "AgencyKind")]
pub enum Kind {
    /// sở
    Department,
    /// ban
    Board,
    /// đoàn thể
    MassOrganization,
    /// ủy ban nhân dân
    PeoplesCommittee,
    /// Any other body.
    Other,
}

/// A new agency.
#[derive(InputObject)]
pub struct CreateAgencyInput {
    /// Short code, unique, e.g. SKHDT.
    pub code: String,
    /// The name (at most 200 characters).
    pub name: String,
    /// What kind it is.
    pub kind: Kind,
}

impl TryFrom<CreateAgencyInput> for CreateAgency {
    type Error = UserError;

    fn try_from(input: CreateAgencyInput) -> Result<Self, UserError> {
        Ok(CreateAgency {
            code: AgencyCode::parse("code", &input.code)?,
            name: Name::parse("name", &input.name)?,
            kind: input.kind.into(),
        })
    }
}

/// The outcome of `createAgency`.
#[derive(SimpleObject, Default)]
pub struct CreateAgencyPayload {
    /// The agency created; null when the mutation failed.
    pub agency: Option<Agency>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(CreateAgencyPayload { agency: Agency });

#[derive(Default)]
pub struct AgencyMutation;

#[Object]
impl AgencyMutation {
    /// Creates an agency (admins only).
    async fn create_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: CreateAgencyInput,
    ) -> async_graphql::Result<CreateAgencyPayload> {
        respond(mutate(ctx, input, rules::create).await.map(Agency))
    }
}
