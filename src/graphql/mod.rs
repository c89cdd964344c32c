//! Schema assembly and the GraphQL machinery every domain shares: global IDs,
//! `Node`, keyset pagination, errors, scalars, query limits and loaders.

pub mod errors;
pub mod filters;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod scalars;
pub mod subscriptions;

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use async_graphql::{
    Context, MaybeUndefined, MergedObject, Schema, ServerError, ServerResult, ValidationResult,
    Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation},
    parser::types::{ExecutableDocument, OperationType},
};

use crate::{
    agencies::graphql::{AgencyMutation, AgencyQuery},
    agenda::graphql::{AgendaMutation, AgendaQuery},
    app::AppState,
    audit::{Command, graphql::AuditQuery},
    auth::{
        Session,
        graphql::{AuthMutation, AuthQuery},
    },
    communes::graphql::{CommuneMutation, CommuneQuery},
    config::Settings,
    contributions::graphql::{ContributionMutation, ContributionQuery},
    dialogues::graphql::{DialogueMutation, DialogueQuery},
    enterprises::graphql::{EnterpriseMutation, EnterpriseQuery},
    reports::graphql::ReportQuery,
    twinnings::graphql::TwinningMutation,
};
use crate::{
    error::{ApiError, MutationError, UserError},
    patch::Patch,
};
use limits::QueryLimitsExtension;
use node::NodeQuery;
use subscriptions::Subscription;

#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    AuthQuery,
    CommuneQuery,
    AgencyQuery,
    EnterpriseQuery,
    ContributionQuery,
    ReportQuery,
    DialogueQuery,
    AgendaQuery,
    AuditQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    EnterpriseMutation,
    AgencyMutation,
    CommuneMutation,
    TwinningMutation,
    ContributionMutation,
    DialogueMutation,
    AgendaMutation,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema once; `app` is absent only when printing the SDL.
pub fn build_schema(app: Option<Arc<AppState>>, settings: &Settings) -> AppSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription)
        .extension(RequestErrorMarker)
        .extension(QueryLimitsExtension::new(settings.limits.clone()));
    if !settings.introspection {
        builder = builder.disable_introspection();
    }
    if settings.is_production() {
        builder = builder.disable_suggestions();
    }
    if let Some(app) = app {
        builder = builder.data(loaders::Loaders::new(app.clone())).data(app);
    }
    builder.finish()
}

/// The SDL the code serves.
pub fn sdl() -> String {
    build_schema(None, &Settings::default()).sdl()
}

/// Runs a mutation the one way every mutation runs: the viewer's permission to
/// attempt it, then its input decoded once into the typed command (a malformed ID,
/// amount or text is a user error here), then the rule.
pub async fn mutate<'a, C, I, T, Fut>(
    ctx: &Context<'a>,
    input: I,
    rule: impl FnOnce(&'a AppState, &'a Session, C) -> Fut,
) -> Result<T, MutationError>
where
    C: Command + TryFrom<I, Error = UserError>,
    Fut: Future<Output = Result<T, MutationError>>,
{
    let app = app(ctx)?;
    let session = session(ctx)?;
    C::PERMITTED.check(&session.viewer)?;
    let command = C::try_from(input)?;
    rule(app, session, command).await
}

/// An optional input field's change: absent keeps, null clears.
pub fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(value) => Patch::Set(value),
    }
}

/// The shared state, from a resolver's context.
pub fn app<'a>(ctx: &Context<'a>) -> Result<&'a Arc<AppState>, ApiError> {
    ctx.data::<Arc<AppState>>().map_err(|_| {
        ApiError::internal(anyhow::anyhow!(
            "bug: the schema was built without its state"
        ))
    })
}

/// The request's session; every request the HTTP layer executes carries one.
pub fn session<'a>(ctx: &Context<'a>) -> Result<&'a Session, ApiError> {
    ctx.data::<Session>()
        .map_err(|_| ApiError::internal(anyhow::anyhow!("bug: a request ran without a session")))
}

/// Set when the request failed before execution (parse, limits, validation): the
/// HTTP layer then answers without `data`, and with 4xx under
/// `application/graphql-response+json`.
#[derive(Clone, Default)]
pub struct RequestErrorFlag(Arc<AtomicBool>);

impl RequestErrorFlag {
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Marks a request that may only read (GraphQL over GET): once the document is
/// parsed, an operation other than a query is refused before validation, and the
/// HTTP layer answers 405.
#[derive(Clone, Default)]
pub struct ReadOnly {
    operation_name: Option<String>,
    refused: Arc<AtomicBool>,
}

impl ReadOnly {
    pub fn new(operation_name: Option<String>) -> Self {
        ReadOnly {
            operation_name,
            refused: Arc::default(),
        }
    }

    /// Whether the request named an operation that is not a query.
    pub fn refused(&self) -> bool {
        self.refused.load(Ordering::Relaxed)
    }

    /// Refuses `document` when the operation that would run is not a query.
    fn admit(&self, document: &ExecutableDocument) -> ServerResult<()> {
        let operation = match &self.operation_name {
            Some(name) => document
                .operations
                .iter()
                .find(|(op_name, _)| op_name.is_some_and(|n| n.as_str() == name)),
            None => document.operations.iter().next(),
        };
        match operation {
            Some((_, operation)) if operation.node.ty != OperationType::Query => {
                self.refused.store(true, Ordering::Relaxed);
                Err(ServerError::new(
                    "only queries may be sent with GET; use POST",
                    Some(operation.pos),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// Marks requests that fail before execution ([`RequestErrorFlag`]) and refuses
/// what a [`ReadOnly`] request may not run.
struct RequestErrorMarker;

impl ExtensionFactory for RequestErrorMarker {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestErrorMarker)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestErrorMarker {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let outcome = next.run(ctx, query, variables).await.and_then(|document| {
            match ctx.data_opt::<ReadOnly>() {
                Some(read_only) => read_only.admit(&document).map(|()| document),
                None => Ok(document),
            }
        });
        if outcome.is_err() {
            mark(ctx);
        }
        outcome
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let outcome = next.run(ctx).await;
        if outcome.is_err() {
            mark(ctx);
        }
        outcome
    }
}

fn mark(ctx: &ExtensionContext<'_>) {
    if let Some(flag) = ctx.data_opt::<RequestErrorFlag>() {
        flag.set();
    }
}
