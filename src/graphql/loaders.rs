//! DataLoaders keyed by id: one `IN (...)` query per batch, whatever the number of
//! items a request returns. They are shared by all requests and keep no cache, so
//! concurrent requests' batches merge; they return rows only, and visibility is
//! applied per viewer by the resolvers.

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{app::AppState, auth::entity as account, graphql::errors::ApiError};

/// Loads accounts by id.
pub struct AccountLoader(Arc<AppState>);

impl Loader<i64> for AccountLoader {
    type Value = account::Model;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = account::Entity::find()
            .filter(account::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0.db.read)
            .await
            .map_err(|e| Arc::new(ApiError::from(e)))?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// Every loader, built once with the schema.
pub struct Loaders {
    pub accounts: DataLoader<AccountLoader>,
}

impl Loaders {
    pub fn new(app: Arc<AppState>) -> Loaders {
        Loaders {
            accounts: loader(AccountLoader(app)),
        }
    }
}

/// A zero batch delay still batches a whole list, and costs no millisecond per
/// nesting level.
fn loader<L: Loader<i64>>(inner: L) -> DataLoader<L> {
    DataLoader::new(inner, tokio::spawn).delay(Duration::ZERO)
}

/// Unwraps a loader's shared error for a resolver.
pub fn loaded<T>(outcome: Result<T, Arc<ApiError>>) -> Result<T, ApiError> {
    outcome.map_err(|error| match &*error {
        ApiError::DatabaseUnavailable => ApiError::DatabaseUnavailable,
        other => ApiError::internal(anyhow::anyhow!("loader: {other}")),
    })
}
