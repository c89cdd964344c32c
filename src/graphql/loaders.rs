//! DataLoaders: one query per batch (`= ANY($1)` on PostgreSQL, `IN (...)` on
//! SQLite: [`one_of`]), whatever the number of items a
//! request returns. Two shapes serve every relation: rows by id ([`ById`]) and
//! rows by a parent's id ([`ByParent`]). They are shared by all requests and keep no
//! cache, so concurrent requests' batches merge; they return rows only, and
//! visibility is applied per viewer by the resolvers.

use std::{collections::HashMap, marker::PhantomData, sync::Arc, time::Duration};

use async_graphql::{
    Context,
    dataloader::{DataLoader, Loader},
};
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::{
    agencies::entity as agency,
    agenda::{answer, entity as agenda_item, event as agenda_event},
    app::AppState,
    auth::entity as account,
    communes::entity as commune,
    contributions::{disbursement, entity as contribution},
    db::{
        one_of,
        rows::{self, Positional},
    },
    dialogues::{commune_link, entity as dialogue, registration},
    enterprises::entity as enterprise,
    error::ApiError,
    reports::{
        figures::{self, ResponseFigures},
        totals::{self, Totals},
    },
    twinnings::entity as twinning,
};

/// An entity whose rows are keyed by an `i64` id.
pub trait Keyed: EntityTrait {
    const ID: Self::Column;
    fn id(model: &Self::Model) -> i64;
}

macro_rules! keyed {
    ($($module:ident),*) => {$(
        impl Keyed for $module::Entity {
            const ID: Self::Column = $module::Column::Id;
            fn id(model: &Self::Model) -> i64 {
                model.id
            }
        }
    )*};
}
keyed!(
    account,
    agency,
    commune,
    enterprise,
    twinning,
    contribution,
    disbursement,
    dialogue,
    registration,
    agenda_item,
    answer,
    agenda_event
);

/// Dialogue–commune links have no id of their own; they are keyed, and ordered,
/// by commune.
impl Keyed for commune_link::Entity {
    const ID: Self::Column = commune_link::Column::CommuneId;
    fn id(model: &Self::Model) -> i64 {
        model.commune_id
    }
}

/// Rows by their id.
pub struct ById<E>(Arc<AppState>, PhantomData<fn() -> E>);

impl<E> Loader<i64> for ById<E>
where
    E: Keyed,
    E::Model: Positional + Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let db = &self.0.db.read;
        let select = E::find().filter(one_of(db.get_database_backend(), E::ID.into_expr(), keys));
        let rows = rows::all(db, select)
            .await
            .map_err(|e| Arc::new(ApiError::from(e)))?;
        Ok(rows.into_iter().map(|row| (E::id(&row), row)).collect())
    }
}

/// All rows whose `column` names one of the parents, oldest first.
pub struct ByParent<E: EntityTrait> {
    app: Arc<AppState>,
    column: E::Column,
    parent_of: fn(&E::Model) -> Option<i64>,
}

impl<E> Loader<i64> for ByParent<E>
where
    E: Keyed,
    E::Model: Positional + Clone + Send + Sync + 'static,
{
    type Value = Vec<E::Model>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let db = &self.app.db.read;
        let select = E::find()
            .filter(one_of(
                db.get_database_backend(),
                self.column.into_expr(),
                keys,
            ))
            .order_by_asc(E::ID);
        let rows = rows::all(db, select)
            .await
            .map_err(|e| Arc::new(ApiError::from(e)))?;
        let mut grouped: HashMap<i64, Vec<E::Model>> = HashMap::new();
        for row in rows {
            if let Some(parent) = (self.parent_of)(&row) {
                grouped.entry(parent).or_default().push(row);
            }
        }
        Ok(grouped)
    }
}

/// Contribution totals per commune (kept) or contributor (summed): one statement
/// per batch.
pub struct TotalsBy {
    app: Arc<AppState>,
    per: totals::Per,
}

impl Loader<i64> for TotalsBy {
    type Value = Totals;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        totals::totals_per(&self.app.db.read, self.per, keys)
            .await
            .map_err(|e| Arc::new(ApiError::from(e)))
    }
}

/// How agencies answer: two GROUP BY statements per batch.
pub struct ResponseStatsLoader(Arc<AppState>);

impl Loader<i64> for ResponseStatsLoader {
    type Value = ResponseFigures;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        figures::response_figures(&self.0.db.read, keys, self.0.clock.today())
            .await
            .map_err(|e| Arc::new(ApiError::from(e)))
    }
}

/// Every loader, built once with the schema.
pub struct Loaders {
    pub accounts: DataLoader<ById<account::Entity>>,
    pub agencies: DataLoader<ById<agency::Entity>>,
    pub communes: DataLoader<ById<commune::Entity>>,
    pub enterprises: DataLoader<ById<enterprise::Entity>>,
    pub twinnings: DataLoader<ById<twinning::Entity>>,
    pub twinnings_by_commune: DataLoader<ByParent<twinning::Entity>>,
    pub twinnings_by_enterprise: DataLoader<ByParent<twinning::Entity>>,
    pub twinnings_by_agency: DataLoader<ByParent<twinning::Entity>>,
    pub contributions: DataLoader<ById<contribution::Entity>>,
    pub disbursements_by_contribution: DataLoader<ByParent<disbursement::Entity>>,
    pub totals_by_commune: DataLoader<TotalsBy>,
    pub totals_by_enterprise: DataLoader<TotalsBy>,
    pub dialogues: DataLoader<ById<dialogue::Entity>>,
    pub registrations_by_dialogue: DataLoader<ByParent<registration::Entity>>,
    pub communes_by_dialogue: DataLoader<ByParent<commune_link::Entity>>,
    pub agenda_items: DataLoader<ById<agenda_item::Entity>>,
    pub agenda_by_dialogue: DataLoader<ByParent<agenda_item::Entity>>,
    pub answers_by_item: DataLoader<ByParent<answer::Entity>>,
    pub history_by_item: DataLoader<ByParent<agenda_event::Entity>>,
    pub response_stats: DataLoader<ResponseStatsLoader>,
}

impl Loaders {
    pub fn new(app: Arc<AppState>) -> Loaders {
        let by_id = || ById(app.clone(), PhantomData);
        let by_parent = |column, parent_of| ByParent {
            app: app.clone(),
            column,
            parent_of,
        };
        Loaders {
            accounts: loader(by_id()),
            agencies: loader(ById(app.clone(), PhantomData)),
            communes: loader(ById(app.clone(), PhantomData)),
            enterprises: loader(ById(app.clone(), PhantomData)),
            twinnings: loader(ById(app.clone(), PhantomData)),
            twinnings_by_commune: loader(by_parent(
                twinning::Column::CommuneId,
                |t: &twinning::Model| Some(t.commune_id),
            )),
            twinnings_by_enterprise: loader(by_parent(
                twinning::Column::EnterpriseId,
                |t: &twinning::Model| t.enterprise_id,
            )),
            twinnings_by_agency: loader(by_parent(
                twinning::Column::AgencyId,
                |t: &twinning::Model| t.agency_id,
            )),
            contributions: loader(ById(app.clone(), PhantomData)),
            disbursements_by_contribution: loader(ByParent {
                app: app.clone(),
                column: disbursement::Column::ContributionId,
                parent_of: |d: &disbursement::Model| Some(d.contribution_id),
            }),
            totals_by_commune: loader(TotalsBy {
                app: app.clone(),
                per: totals::Per::Commune,
            }),
            dialogues: loader(ById(app.clone(), PhantomData)),
            registrations_by_dialogue: loader(ByParent {
                app: app.clone(),
                column: registration::Column::DialogueId,
                parent_of: |r: &registration::Model| Some(r.dialogue_id),
            }),
            communes_by_dialogue: loader(ByParent {
                app: app.clone(),
                column: commune_link::Column::DialogueId,
                parent_of: |l: &commune_link::Model| Some(l.dialogue_id),
            }),
            agenda_items: loader(ById(app.clone(), PhantomData)),
            agenda_by_dialogue: loader(ByParent {
                app: app.clone(),
                column: agenda_item::Column::DialogueId,
                parent_of: |i: &agenda_item::Model| i.dialogue_id,
            }),
            answers_by_item: loader(ByParent {
                app: app.clone(),
                column: answer::Column::AgendaItemId,
                parent_of: |a: &answer::Model| Some(a.agenda_item_id),
            }),
            history_by_item: loader(ByParent {
                app: app.clone(),
                column: agenda_event::Column::AgendaItemId,
                parent_of: |e: &agenda_event::Model| Some(e.agenda_item_id),
            }),
            response_stats: loader(ResponseStatsLoader(app.clone())),
            totals_by_enterprise: loader(TotalsBy {
                app: app.clone(),
                per: totals::Per::Enterprise,
            }),
        }
    }
}

/// How often a batch yields before it takes its keys. async-graphql resolves a
/// list's items through `FuturesUnordered`, which polls at most 32 of them before
/// yielding to the scheduler; a batch that started at once would hold only the
/// first 32 items' keys. Each yield lets 32 more enqueue: 8 cover 256 items per
/// level, beyond the largest page (100).
const BATCH_YIELDS: usize = 8;

/// No timer delay (a millisecond per nesting level at low load), but a few
/// yields, so a whole page of any list lands in one batch.
fn loader<L: Loader<i64>>(inner: L) -> DataLoader<L> {
    DataLoader::new(inner, |task: BoxFuture<'static, ()>| {
        tokio::spawn(async move {
            for _ in 0..BATCH_YIELDS {
                tokio::task::yield_now().await;
            }
            task.await;
        })
    })
    .delay(Duration::ZERO)
}

/// The loaders, from a resolver's context.
pub fn loaders<'a>(ctx: &Context<'a>) -> Result<&'a Loaders, ApiError> {
    ctx.data::<Loaders>().map_err(|_| {
        ApiError::internal(anyhow::anyhow!("bug: the schema was built without loaders"))
    })
}

/// Unwraps a loader's shared error for a resolver; an internal one keeps its
/// cause in the message, for the log.
pub fn loaded<T>(outcome: Result<T, Arc<ApiError>>) -> Result<T, ApiError> {
    outcome.map_err(|error| match &*error {
        ApiError::DatabaseUnavailable => ApiError::DatabaseUnavailable,
        other => ApiError::internal(anyhow::anyhow!("loader: {other:?}")),
    })
}
