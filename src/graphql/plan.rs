//! Hot lists resolved in one pass. async-graphql resolves every field of every
//! item through a future of its own, and most of a page's CPU goes there (issue
//! 11's profile: boxed futures, wakers and a map insert per field). A
//! [`PlannedList`] works its selection out once for the whole list, loads each
//! relation it names for every item in one batch, and then reads each item's
//! fields in the order of the selection, calling each field's own resolver with
//! the field's context and taking its answer at once.
//!
//! The plan covers what is common in lists: fields read from the row (the
//! viewer's rules included, as their resolvers apply them), `__typename`, aliases,
//! fragments, and relations to objects whose selected fields are again read from
//! their rows. Anything else in the selection (a field with arguments or with
//! something to load, a relation of a relation, a response key selected twice, a
//! directive) makes the whole list take the general path, as does a relation that
//! fails to load or a resolver that fails, so that the error comes out exactly as
//! the resolvers give it. Both paths run the same loaders' statements and the
//! same resolvers, and a test compares their answers field by field.

use std::{
    borrow::Cow,
    collections::{HashMap, hash_map::Entry},
    future::Future,
    sync::Arc,
};

use async_graphql::{
    Context, ContextSelectionSet, EnumType, ID, Name, OutputType, Positioned, ScalarType,
    ServerResult, Value,
    dataloader::{DataLoader, Loader},
    parser::types::{Field, FragmentDefinition, Selection, SelectionSet},
    registry::Registry,
    resolver_utils::enum_value,
};
use futures_util::{
    FutureExt,
    future::{BoxFuture, try_join_all},
};
use prometheus::{IntCounter, IntCounterVec, Opts};

use super::{
    json::{ListWriter, Prewritten},
    loaders::Loaders,
};
use crate::error::ApiError;

/// An object whose fields a plan reads straight from its row.
pub trait Leaves: Send + Sync {
    /// Its GraphQL type: what `__typename` answers and what fragments match.
    fn type_name(&self) -> &'static str;

    /// Field `name` read from the row by its own resolver, given the field's
    /// context; `None` when the field is not such a leaf (it has arguments or
    /// something to load) or its resolver fails.
    fn leaf(&self, ctx: &Context<'_>, name: &str) -> Option<Value>;
}

/// The objects behind one relation, one per item of the list, in its order; items
/// related to the same row share its object.
pub type Related = Vec<Option<Arc<dyn Leaves>>>;

/// The item of a planned list: its own leaves, and relations whose objects load
/// for the whole list at once.
pub trait Planned: Leaves + OutputType + Sized {
    /// Loads relation `name` for every item of `items`; `None` when `name` is not
    /// a relation a plan can load. A non-null relation whose object is missing is
    /// an error, which sends the list down the general path to report it.
    fn relation<'a>(
        loaders: &'a Loaders,
        name: &str,
        items: &'a [Self],
    ) -> Option<BoxFuture<'a, Result<Related, ApiError>>>;
}

/// A list field whose items are resolved by a plan when the selection allows, and
/// by async-graphql's resolvers otherwise. Its GraphQL type is that of `Vec<T>`.
pub struct PlannedList<T>(pub Vec<T>);

impl<T: Planned> OutputType for PlannedList<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let planned = resolve_planned(&self.0, ctx).await;
        if let Some(paths) = ctx.data_opt::<ListPaths>() {
            paths.count(planned.is_some());
        }
        match planned {
            Some(value) => Ok(value),
            None => self.0.resolve(ctx, field).await,
        }
    }
}

/// How planned lists were answered, for `/metrics`: by their plan, or by the
/// resolvers when the selection asked for more than a plan covers.
#[derive(Clone)]
pub struct ListPaths {
    all: IntCounterVec,
    plan: IntCounter,
    resolvers: IntCounter,
}

impl ListPaths {
    pub fn new() -> Result<ListPaths, prometheus::Error> {
        let all = IntCounterVec::new(
            Opts::new(
                "graphql_planned_lists_total",
                "Lists that may be answered by a plan, by how they were answered (plan or resolvers)",
            ),
            &["path"],
        )?;
        Ok(ListPaths {
            plan: all.get_metric_with_label_values(&["plan"])?,
            resolvers: all.get_metric_with_label_values(&["resolvers"])?,
            all,
        })
    }

    /// The counter, to register with the server's metrics.
    pub fn collector(&self) -> Box<dyn prometheus::core::Collector> {
        Box::new(self.all.clone())
    }

    fn count(&self, planned: bool) {
        if planned {
            self.plan.inc()
        } else {
            self.resolvers.inc()
        }
    }
}

impl<T> From<Vec<T>> for PlannedList<T> {
    fn from(items: Vec<T>) -> Self {
        PlannedList(items)
    }
}

/// The list's answer by plan, or `None` when the general path must answer.
async fn resolve_planned<T: Planned>(items: &[T], ctx: &ContextSelectionSet<'_>) -> Option<Value> {
    let Some(first) = items.first() else {
        return Some(Value::List(Vec::new()));
    };
    let loaders = ctx.data_opt::<Loaders>()?;
    let scope = Scope {
        registry: &ctx.schema_env.registry,
        fragments: &ctx.query_env.fragments,
    };
    let fields = scope.fields(first.type_name(), &[&ctx.item.node])?;
    let mut steps = Vec::with_capacity(fields.len());
    let mut loads = Vec::new();
    for (key, field) in &fields {
        let name = field.node.name.node.as_str();
        if field.node.selection_set.node.items.is_empty() {
            read(first, &ctx.with_field(field))?;
            steps.push((*key, Step::Field(field)));
        } else {
            // Nothing loads for a selection the plan would refuse afterwards.
            scope.all_leaves(&field.node.selection_set.node)?;
            loads.push(T::relation(loaders, name, items)?);
            steps.push((
                *key,
                Step::Relation(loads.len() - 1, &field.node.selection_set.node),
            ));
        }
    }
    let related = try_join_all(loads).await.ok()?;

    // One plan per concrete type met behind each relation (a union has several).
    let mut nested: HashMap<(usize, &'static str), Fields> = HashMap::new();
    for (_, step) in &steps {
        if let Step::Relation(at, set) = step {
            for object in related[*at].iter().flatten() {
                let type_name = object.type_name();
                if let Entry::Vacant(entry) = nested.entry((*at, type_name)) {
                    entry.insert(scope.leaves(type_name, set)?);
                }
            }
        }
    }

    let prewritten = ctx.data_opt::<Prewritten>().is_some();
    let mut list = ListWriter::new(prewritten, items.len());
    for (index, item) in items.iter().enumerate() {
        list.item(steps.len());
        for (key, step) in &steps {
            match step {
                Step::Field(field) => list.leaf(key, read(item, &ctx.with_field(field))?),
                Step::Relation(at, _) => match &related[*at][index] {
                    Some(target) => {
                        let plan = nested.get(&(*at, target.type_name()))?;
                        list.object(key, plan.len());
                        for (key, field) in plan {
                            list.leaf(key, read(target.as_ref(), &ctx.with_field(field))?);
                        }
                        list.close();
                    }
                    None => list.leaf(key, Value::Null),
                },
            }
        }
        list.close();
    }
    Some(list.finish())
}

/// Response keys with the fields that answer them, in order.
type Fields<'q> = Vec<(&'q Name, &'q Positioned<Field>)>;

/// A field of the plan: read from the row, or the object a relation loaded.
enum Step<'q> {
    Field(&'q Positioned<Field>),
    Relation(usize, &'q SelectionSet),
}

/// A leaf or `__typename` of `object`, `ctx` being the field's.
fn read(object: &dyn Leaves, ctx: &Context<'_>) -> Option<Value> {
    let name = ctx.item.node.name.node.as_str();
    if name == "__typename" {
        return Some(Value::String(object.type_name().to_owned()));
    }
    object.leaf(ctx, name)
}

/// What a selection needs to be expanded: the schema's types and the document's
/// fragments.
struct Scope<'q> {
    registry: &'q Registry,
    fragments: &'q HashMap<Name, Positioned<FragmentDefinition>>,
}

impl<'q> Scope<'q> {
    /// The fields `sets` select on an object of `type_name`, fragments expanded
    /// (GraphQL's CollectFields), in order; `None` when a plan cannot answer them
    /// (a response key twice, a directive, arguments).
    fn fields(&self, type_name: &str, sets: &[&'q SelectionSet]) -> Option<Fields<'q>> {
        let mut fields = Vec::new();
        for set in sets {
            self.collect(type_name, set, &mut fields)?;
        }
        Some(fields)
    }

    /// The fields of `set` on an object of `type_name`, each a leaf or
    /// `__typename`: a relation's objects have no relations of their own here.
    fn leaves(&self, type_name: &str, set: &'q SelectionSet) -> Option<Fields<'q>> {
        let fields = self.fields(type_name, &[set])?;
        fields
            .iter()
            .all(|(_, field)| field.node.selection_set.node.items.is_empty())
            .then_some(fields)
    }

    /// Whether every field of `set`, under any type condition, is a leaf
    /// without arguments or directives.
    fn all_leaves(&self, set: &'q SelectionSet) -> Option<()> {
        for selection in &set.items {
            if !selection.node.directives().is_empty() {
                return None;
            }
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if !field.arguments.is_empty() || !field.selection_set.node.items.is_empty() {
                        return None;
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.all_leaves(&inline.node.selection_set.node)?
                }
                Selection::FragmentSpread(spread) => self.all_leaves(
                    &self
                        .fragments
                        .get(&spread.node.fragment_name.node)?
                        .node
                        .selection_set
                        .node,
                )?,
            }
        }
        Some(())
    }

    fn collect(
        &self,
        type_name: &str,
        set: &'q SelectionSet,
        fields: &mut Fields<'q>,
    ) -> Option<()> {
        for selection in &set.items {
            if !selection.node.directives().is_empty() {
                return None;
            }
            match &selection.node {
                Selection::Field(field) => {
                    let key = &field.node.response_key().node;
                    if !field.node.arguments.is_empty()
                        || fields.iter().any(|(seen, _)| *seen == key)
                    {
                        return None;
                    }
                    fields.push((key, field));
                }
                Selection::InlineFragment(inline) => {
                    let condition = inline.node.type_condition.as_ref();
                    if condition.is_none_or(|c| self.applies(type_name, &c.node.on.node)) {
                        self.collect(type_name, &inline.node.selection_set.node, fields)?;
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = &self.fragments.get(&spread.node.fragment_name.node)?.node;
                    if self.applies(type_name, &fragment.type_condition.node.on.node) {
                        self.collect(type_name, &fragment.selection_set.node, fields)?;
                    }
                }
            }
        }
        Some(())
    }

    /// Whether a fragment on `condition` applies to an object of `type_name`: the
    /// type itself, or an interface or union it belongs to.
    fn applies(&self, type_name: &str, condition: &str) -> bool {
        condition == type_name
            || self
                .registry
                .types
                .get(condition)
                .is_some_and(|meta| meta.is_possible_type(type_name))
    }
}

/// A resolver's answer, read at once. The fields a plan reads are the objects'
/// own resolvers, `async fn`s that never wait; one that would wait or fails is
/// left to the general path.
pub fn now<T: LeafValue>(field: impl Future<Output = async_graphql::Result<T>>) -> Option<Value> {
    field.now_or_never()?.ok().map(LeafValue::value)
}

/// [`now`] for a resolver of an enum.
pub fn now_enum<T: EnumType>(
    field: impl Future<Output = async_graphql::Result<T>>,
) -> Option<Value> {
    field.now_or_never()?.ok().map(enum_value)
}

/// A resolver's result as the value async-graphql would answer with.
pub trait LeafValue {
    fn value(self) -> Value;
}

impl LeafValue for ID {
    fn value(self) -> Value {
        Value::String(self.0)
    }
}

impl LeafValue for &str {
    fn value(self) -> Value {
        Value::String(self.to_owned())
    }
}

impl LeafValue for bool {
    fn value(self) -> Value {
        Value::Boolean(self)
    }
}

impl LeafValue for i32 {
    fn value(self) -> Value {
        Value::from(self)
    }
}

impl<T: LeafValue> LeafValue for Option<T> {
    fn value(self) -> Value {
        self.map_or(Value::Null, LeafValue::value)
    }
}

/// Scalars answer with their own `to_value`.
macro_rules! scalar_leaves {
    ($($scalar:ty),*) => {$(
        impl LeafValue for $scalar {
            fn value(self) -> Value {
                ScalarType::to_value(&self)
            }
        }
    )*};
}
scalar_leaves!(
    super::scalars::Vnd,
    super::scalars::Date,
    super::scalars::DateTime
);

/// Loads the rows behind `keys` through `loader`, all at once. Through the
/// loader, not its statement directly: concurrent requests' keys share one
/// batch, so sixteen requests for the same page's communes cost one statement.
pub async fn load_rows<L>(
    loader: &DataLoader<L>,
    keys: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, L::Value>, ApiError>
where
    L: Loader<i64, Error = std::sync::Arc<ApiError>>,
{
    let mut keys: Vec<i64> = keys.into_iter().collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    super::loaders::loaded(loader.load_many(keys).await)
}

/// Each item's object among `rows`, or an error when one is missing. Each row
/// becomes one object, shared by the items that name it.
pub fn each<M, K>(
    rows: HashMap<i64, M>,
    keys: impl IntoIterator<Item = i64>,
    make: impl Fn(M) -> K,
) -> Result<Related, ApiError>
where
    K: Leaves + 'static,
{
    let objects = shared(rows, make);
    keys.into_iter()
        .map(|key| match objects.get(&key) {
            Some(object) => Ok(Some(object.clone())),
            None => Err(ApiError::internal(anyhow::anyhow!(
                "bug: a related row is missing"
            ))),
        })
        .collect()
}

/// `rows` made into objects, once each.
pub fn shared<M, K>(rows: HashMap<i64, M>, make: impl Fn(M) -> K) -> HashMap<i64, Arc<dyn Leaves>>
where
    K: Leaves + 'static,
{
    rows.into_iter()
        .map(|(key, row)| (key, Arc::new(make(row)) as Arc<dyn Leaves>))
        .collect()
}
