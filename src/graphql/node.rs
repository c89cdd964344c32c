//! The `Node` interface and `node` / `nodes`. An object the viewer may not see is
//! null here, indistinguishable from one that does not exist.

use async_graphql::{Context, ID, Interface, Object};

use crate::{
    agencies::graphql::{Agency, agency_node},
    agenda::graphql::{AgendaItem, agenda_item_node},
    audit::graphql::{AuditEvent, audit_event_node},
    auth::graphql::{Account, account_node},
    communes::graphql::{Commune, commune_node},
    contributions::graphql::{Contribution, Disbursement, contribution_node, disbursement_node},
    dialogues::graphql::{Dialogue, dialogue_node},
    enterprises::graphql::{Enterprise, enterprise_node},
    error::ApiError,
    graphql::ids,
    keys::ObjectKind,
    notifications::graphql::{Notification, notification_node},
    twinnings::graphql::{Twinning, twinning_node},
};

/// An object with a globally unique, opaque ID, fetchable with `Query.node`.
#[derive(Interface, Clone)]
#[graphql(field(name = "id", ty = "ID", desc = "Globally unique, opaque ID."))]
pub enum Node {
    Account(Account),
    AuditEvent(AuditEvent),
    Agency(Agency),
    Commune(Commune),
    Enterprise(Enterprise),
    Twinning(Twinning),
    Contribution(Contribution),
    Disbursement(Disbursement),
    Dialogue(Dialogue),
    AgendaItem(AgendaItem),
    Notification(Notification),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its ID; null when it does not exist or the viewer may
    /// not see it (the two are indistinguishable).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID from any object's `id`.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        Ok(load(ctx, &id).await?)
    }

    /// Fetches several objects by ID, in the order given; null where `node` would be.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs; the answer keeps their order, null where none is visible.")]
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > crate::graphql::pagination::MAX_PAGE_SIZE as usize {
            return Err(ApiError::BadUserInput(format!(
                "ids: at most {} per request",
                crate::graphql::pagination::MAX_PAGE_SIZE
            ))
            .into());
        }
        let lookups = ids.iter().map(|id| load(ctx, id));
        let found = futures_util::future::try_join_all(lookups).await?;
        Ok(found)
    }
}

async fn load(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>, ApiError> {
    let Some((kind, key)) = ids::decode(id) else {
        return Ok(None);
    };
    match kind {
        ObjectKind::Account => account_node(ctx, key).await.map(|n| n.map(Node::Account)),
        ObjectKind::AuditEvent => audit_event_node(ctx, key)
            .await
            .map(|n| n.map(Node::AuditEvent)),
        ObjectKind::Agency => agency_node(ctx, key).await.map(|n| n.map(Node::Agency)),
        ObjectKind::Commune => commune_node(ctx, key).await.map(|n| n.map(Node::Commune)),
        ObjectKind::Enterprise => enterprise_node(ctx, key)
            .await
            .map(|n| n.map(Node::Enterprise)),
        ObjectKind::Twinning => twinning_node(ctx, key).await.map(|n| n.map(Node::Twinning)),
        ObjectKind::Contribution => contribution_node(ctx, key)
            .await
            .map(|n| n.map(Node::Contribution)),
        ObjectKind::Disbursement => disbursement_node(ctx, key)
            .await
            .map(|n| n.map(Node::Disbursement)),
        ObjectKind::Dialogue => dialogue_node(ctx, key).await.map(|n| n.map(Node::Dialogue)),
        ObjectKind::AgendaItem => agenda_item_node(ctx, key)
            .await
            .map(|n| n.map(Node::AgendaItem)),
        ObjectKind::Notification => notification_node(ctx, key)
            .await
            .map(|n| n.map(Node::Notification)),
    }
}
