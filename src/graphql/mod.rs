//! Schema assembly and the GraphQL machinery every domain shares: global IDs,
//! `Node`, keyset pagination, errors, scalars, query limits and loaders.

pub mod errors;
pub mod filters;
pub mod ids;
pub mod json;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod order;
pub mod pagination;
pub mod plan;
pub mod scalars;
pub mod subscriptions;

use std::{future::Future, sync::Arc};

use async_graphql::{
    Context, MaybeUndefined, MergedObject, Response, Schema,
    parser::{
        Positioned,
        types::{DocumentOperations, ExecutableDocument, OperationDefinition, OperationType},
    },
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
    notifications::graphql::{NotificationMutation, NotificationQuery},
    reports::graphql::ReportQuery,
    twinnings::graphql::TwinningMutation,
};
use crate::{
    error::{ApiError, MutationError, UserError},
    patch::Patch,
};
use limits::Gate;
use node::NodeQuery;
use subscriptions::Subscription;

/// What anyone may read: the registry, the ledger and its totals, the programme's
/// figures, the dialogue calendar and published agenda items; signed-in viewers see
/// more, as each field says.
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
    NotificationQuery,
);

/// Every change, each with one `input` and a payload with the changed objects and
/// `userErrors`; who may do what is DESIGN §3's table.
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
    NotificationMutation,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The gate every request passes before the schema runs it.
pub fn build_gate(settings: &Settings) -> Gate {
    Gate::new::<Query, Mutation, Subscription>(settings.limits.clone())
}

/// Builds the schema once; `app` is absent only when printing the SDL. No
/// extension is registered: the limits run before the schema ([`Gate`]), and an
/// extension would be dispatched on every field resolved.
pub fn build_schema(
    app: Option<Arc<AppState>>,
    settings: &Settings,
    lists: Option<plan::ListPaths>,
) -> AppSchema {
    let gate = build_gate(settings);
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription)
        .limit_recursive_depth(gate.recursion_bound());
    if !settings.introspection {
        builder = builder.disable_introspection();
    }
    if settings.is_production() {
        builder = builder.disable_suggestions();
    }
    if let Some(app) = app {
        builder = builder.data(loaders::Loaders::new(app.clone())).data(app);
    }
    if let Some(lists) = lists {
        builder = builder.data(lists);
    }
    builder.finish()
}

/// The SDL the code serves.
pub fn sdl() -> String {
    build_schema(None, &Settings::default(), None).sdl()
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

/// Whether a response is a refusal of the request before execution (validation,
/// an unknown or missing operation name): no data, and errors that point at no
/// field. Field errors always carry their path.
pub fn is_request_error(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// The operation of `document` that a request naming `name` runs: the named one,
/// or the only one; none when the name matches nothing or several operations
/// leave it open (execution refuses those).
pub fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), None) => Some(operation),
        // One anonymous operation: no name finds it.
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The type of the operation of `document` that a request naming `name` runs.
pub fn operation_type(document: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    operation(document, name).map(|operation| operation.node.ty)
}
