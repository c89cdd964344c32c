//! `AuditEvent` and `auditEvents` (officials and admins only).

use async_graphql::{Context, ID, InputObject, Object};
use sea_orm::{EntityTrait, QueryFilter};

use super::{
    entity as audit_event,
    filter::{self, Subject},
};
use crate::{
    auth::graphql::{Account, RoleValue, account_node},
    connection,
    error::ApiError,
    graphql::{
        app,
        ids::{self, argument_key},
        pagination::{KeyOf, PageArgs, Sort, paginate},
        scalars::DateTime,
        session,
    },
    keys::{AccountKey, AuditEventKey, Key, Reference},
};

/// One successful mutation, recorded in the same transaction as its change.
#[derive(Clone)]
pub struct AuditEvent(audit_event::Model);

/// One successful mutation, recorded in the same transaction as its change.
#[Object]
impl AuditEvent {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(AuditEventKey::KIND, self.0.id)
    }

    /// When the mutation committed.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }

    /// The mutation's name, e.g. pledgeContribution.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The account that performed it; null for command-line actions.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Account>> {
        match self.0.actor_id {
            Some(id) => Ok(account_node(ctx, id).await?),
            None => Ok(None),
        }
    }

    /// The actor's role at the time.
    async fn actor_role(&self) -> Option<RoleValue> {
        self.0.actor_role.map(Into::into)
    }

    /// The node the mutation created or changed.
    async fn subject_id(&self) -> Option<ID> {
        self.0
            .subject_id
            .as_deref()
            .and_then(Reference::parse)
            .map(ids::encode_reference)
    }

    /// The mutation's input as JSON, with passwords and tokens removed.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}

connection!(
    AuditEvent,
    AuditEventConnection,
    AuditEventEdge,
    "audit events"
);

/// Narrows `auditEvents`.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// The mutation's name, exactly.
    pub action: Option<String>,
    /// An Account ID.
    pub actor_id: Option<ID>,
    /// Any node's ID.
    pub subject_id: Option<ID>,
    /// Events at or after this instant.
    pub from: Option<DateTime>,
    /// Events before this instant.
    pub to: Option<DateTime>,
}

impl AuditEventFilter {
    /// The domain's filter, its IDs decoded (BAD_USER_INPUT when an actor ID is
    /// not an Account's; a subject ID that names nothing of ours matches nothing).
    pub fn decode(self) -> Result<filter::AuditEventFilter, ApiError> {
        Ok(filter::AuditEventFilter {
            action: self.action,
            actor: self
                .actor_id
                .map(|id| argument_key::<AccountKey>(&id, "filter.actorId"))
                .transpose()?,
            subject: self.subject_id.map(|id| match ids::reference(&id) {
                Some(reference) => Subject::Object(reference),
                None => Subject::Unknown,
            }),
            from: self.from.map(|at| at.0),
            to: self.to.map(|at| at.0),
        })
    }
}

/// Newest first.
const NEWEST_FIRST: Sort<audit_event::Entity> = Sort {
    key: None,
    id: audit_event::Column::Id,
    ascending: false,
    key_of: KeyOf::None,
    id_of: |m| m.id,
};

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every successful mutation, newest first. Officials and admins only;
    /// FORBIDDEN for others.
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
        #[graphql(desc = "Narrows the list; every part given must hold.")] filter: Option<
            AuditEventFilter,
        >,
    ) -> async_graphql::Result<AuditEventConnection> {
        filter::may_read(&session(ctx)?.viewer)?;
        let condition = filter.unwrap_or_default().decode()?.condition();
        let select = audit_event::Entity::find().filter(condition);
        let want_total = ctx.look_ahead().field("totalCount").exists();
        let page = paginate(
            &app(ctx)?.db.read,
            select,
            &NEWEST_FIRST,
            PageArgs::new(first, after, last, before),
            want_total,
        )
        .await?;
        Ok(page.map(AuditEvent).into())
    }
}

/// An audit event, for officials and admins only.
pub async fn audit_event_node(ctx: &Context<'_>, key: i64) -> Result<Option<AuditEvent>, ApiError> {
    if filter::may_read(&session(ctx)?.viewer).is_err() {
        return Ok(None);
    }
    let found = audit_event::Entity::find_by_id(key)
        .one(&app(ctx)?.db.read)
        .await?;
    Ok(found.map(AuditEvent))
}
