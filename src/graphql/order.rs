//! Response keys in the order of the selection set, as the GraphQL specification
//! asks ("ordered serialisation": fields in the order they were requested,
//! fragments expanded where they are spread). async-graphql resolves an object's
//! fields concurrently and keeps them in the order they finish, so a field that
//! waits for a DataLoader can come out before one selected earlier. The order is
//! worked out from the document and the schema's types before it runs
//! ([`ResponseOrder::of`]) and restored on the answer ([`ResponseOrder::apply`]);
//! an object already in order is left as it is.
//!
//! The order depends on the object's type: under a union or an interface, each
//! member collects the fields of the fragments that apply to it (`... on
//! Enterprise { id taxCode name } ... on Agency { id code name }` orders an
//! agency `id code name`). An answer does not say an object's type unless
//! `__typename` was selected, so [`ResponseOrder::apply`] reads it there when it
//! can, and otherwise takes the first member whose fields include every key the
//! object has.

use std::collections::HashSet;

use async_graphql::{
    Name, Value,
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
    registry::{MetaType, MetaTypeName, Registry},
};

/// The order of the values of one field: one shape per object type the value
/// may have (none for a leaf).
#[derive(Debug, Default)]
pub struct ResponseOrder {
    shapes: Vec<Shape>,
}

/// The response keys of one object type, in order, each with the order of its
/// own value.
#[derive(Debug)]
struct Shape {
    type_name: String,
    /// The keys under which `__typename` was selected.
    typename_keys: Vec<Name>,
    keys: Vec<(Name, ResponseOrder)>,
}

impl ResponseOrder {
    /// The order of the answer to the operation of `document` that will run.
    pub fn of(
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        registry: &Registry,
    ) -> ResponseOrder {
        let Some(operation) = super::operation(document, operation_name) else {
            return ResponseOrder::default();
        };
        let root = match operation.node.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        let walk = Walk { document, registry };
        root.map(|root| walk.order(root, &[&operation.node.selection_set.node]))
            .unwrap_or_default()
    }

    /// Puts every object of `value` in this order, at every level.
    pub fn apply(&self, value: &mut Value) {
        match value {
            Value::List(items) => {
                for item in items {
                    self.apply(item);
                }
            }
            Value::Object(map) => {
                let Some(shape) = self.shape_of(map) else {
                    return;
                };
                let position = |key: &Name| {
                    shape
                        .keys
                        .iter()
                        .position(|(wanted, _)| wanted == key)
                        .unwrap_or(usize::MAX)
                };
                let in_order = map
                    .keys()
                    .map(position)
                    .try_fold(0, |last, at| (at >= last).then_some(at))
                    .is_some();
                if !in_order {
                    map.sort_by_cached_key(|key, _| position(key));
                }
                for (key, child) in map.iter_mut() {
                    if let Some((_, order)) = shape.keys.iter().find(|(wanted, _)| wanted == key) {
                        order.apply(child);
                    }
                }
            }
            _ => {}
        }
    }

    /// The shape of the object `map`: its type's, by `__typename` when it was
    /// selected, else the first whose keys include all of the object's.
    fn shape_of(&self, map: &async_graphql::indexmap::IndexMap<Name, Value>) -> Option<&Shape> {
        if let [only] = self.shapes.as_slice() {
            return Some(only);
        }
        let named = |shape: &&Shape| {
            shape.typename_keys.iter().any(
                |key| matches!(map.get(key), Some(Value::String(name)) if *name == shape.type_name),
            )
        };
        let holds_all = |shape: &&Shape| {
            map.keys()
                .all(|key| shape.keys.iter().any(|(wanted, _)| wanted == key))
        };
        self.shapes
            .iter()
            .find(named)
            .or_else(|| self.shapes.iter().find(holds_all))
    }
}

/// The document and the schema's types, to work orders out from.
struct Walk<'a> {
    document: &'a ExecutableDocument,
    registry: &'a Registry,
}

impl<'a> Walk<'a> {
    /// The order of a value of the named type `type_name` answering the selection
    /// sets `sets` merged (one response key may be selected in several places: its
    /// value merges their selections).
    fn order(&self, type_name: &str, sets: &[&'a SelectionSet]) -> ResponseOrder {
        let members: Vec<&str> = match self.registry.types.get(type_name) {
            Some(MetaType::Object { .. }) => vec![type_name],
            Some(meta) => match meta.possible_types() {
                Some(types) => types.iter().map(String::as_str).collect(),
                None => return ResponseOrder::default(),
            },
            None => return ResponseOrder::default(),
        };
        let shapes = members
            .into_iter()
            .map(|member| self.shape(member, sets))
            .collect();
        ResponseOrder { shapes }
    }

    /// The keys `sets` select on an object of type `member`.
    fn shape(&self, member: &str, sets: &[&'a SelectionSet]) -> Shape {
        let mut keys: Vec<(Name, &'a str, Vec<&'a SelectionSet>)> = Vec::new();
        for set in sets {
            self.collect(member, set, &mut keys, &mut HashSet::new());
        }
        let fields = self.registry.types.get(member);
        Shape {
            type_name: member.to_owned(),
            typename_keys: keys
                .iter()
                .filter(|(_, field, _)| *field == "__typename")
                .map(|(key, _, _)| key.clone())
                .collect(),
            keys: keys
                .into_iter()
                .map(|(key, field, children)| {
                    let order = fields
                        .and_then(|meta| meta.field_by_name(field))
                        .map(|meta| {
                            self.order(MetaTypeName::concrete_typename(&meta.ty), &children)
                        })
                        .unwrap_or_default();
                    (key, order)
                })
                .collect(),
        }
    }

    /// Adds the response keys `set` selects on an object of type `member`, in
    /// order, expanding the fragments that apply to it where they are spread (each
    /// once per path: the limits already refused cycles).
    fn collect(
        &self,
        member: &str,
        set: &'a SelectionSet,
        keys: &mut Vec<(Name, &'a str, Vec<&'a SelectionSet>)>,
        spread: &mut HashSet<&'a str>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.clone();
                    let children = &field.node.selection_set.node;
                    match keys.iter_mut().find(|(existing, _, _)| *existing == key) {
                        Some((_, _, sets)) => sets.push(children),
                        None => keys.push((key, field.node.name.node.as_str(), vec![children])),
                    }
                }
                Selection::InlineFragment(inline) => {
                    let applies = inline
                        .node
                        .type_condition
                        .as_ref()
                        .is_none_or(|condition| self.applies(member, &condition.node.on.node));
                    if applies {
                        self.collect(member, &inline.node.selection_set.node, keys, spread)
                    }
                }
                Selection::FragmentSpread(fragment) => {
                    let name = fragment.node.fragment_name.node.as_str();
                    if let Some(definition) = self.document.fragments.get(name)
                        && self.applies(member, &definition.node.type_condition.node.on.node)
                        && spread.insert(name)
                    {
                        self.collect(member, &definition.node.selection_set.node, keys, spread);
                        spread.remove(name);
                    }
                }
            }
        }
    }

    /// Whether a fragment on `condition` applies to an object of type `member`.
    fn applies(&self, member: &str, condition: &str) -> bool {
        condition == member
            || self
                .registry
                .types
                .get(condition)
                .is_some_and(|meta| meta.is_possible_type(member))
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{parser::parse_query, value};

    use super::*;
    use crate::{config::Settings, graphql::build_gate};

    fn ordered(query: &str, mut data: Value) -> String {
        let document = parse_query(query).unwrap_or_else(|e| panic!("{e}"));
        let gate = build_gate(&Settings::default());
        ResponseOrder::of(&document, None, gate.registry()).apply(&mut data);
        data.to_string()
    }

    #[test]
    fn keys_follow_the_selection_through_lists_aliases_and_fragments() {
        let query =
            "{ contributions { nodes { status id ...F ... on Contribution { kind } x: id } } }
            fragment F on Contribution { purpose commune { name code } }";
        let data = value!({ "contributions": { "nodes": [
            { "kind": 4, "x": 5, "commune": { "code": 2, "name": 1 }, "purpose": 3, "id": 2, "status": 1 },
            { "id": 2, "status": 1, "purpose": 3, "commune": { "name": 1, "code": 2 }, "kind": 4, "x": 5 },
        ] } });
        assert_eq!(
            ordered(query, data),
            r#"{contributions: {nodes: [{status: 1, id: 2, purpose: 3, commune: {name: 1, code: 2}, kind: 4, x: 5}, {status: 1, id: 2, purpose: 3, commune: {name: 1, code: 2}, kind: 4, x: 5}]}}"#
        );
    }

    #[test]
    fn a_key_selected_twice_keeps_its_first_place_and_merges_its_fields() {
        let query = "{ contributions { nodes { commune { name } id commune { code } } } }";
        let data = value!({ "contributions": { "nodes": [{ "id": 1, "commune": { "code": 2, "name": 1 } }] } });
        assert_eq!(
            ordered(query, data),
            "{contributions: {nodes: [{commune: {name: 1, code: 2}, id: 1}]}}"
        );
    }

    #[test]
    fn each_member_of_a_union_takes_the_order_of_its_own_fragments() {
        let query = "{ contributions { nodes { contributor {
            ... on Enterprise { id taxCode name } ... on Agency { id code name } } } } }";
        let data = value!({ "contributions": { "nodes": [
            { "contributor": { "name": "A", "id": "1", "taxCode": "t" } },
            { "contributor": { "name": "B", "code": "c", "id": "2" } },
        ] } });
        assert_eq!(
            ordered(query, data),
            r#"{contributions: {nodes: [{contributor: {id: "1", taxCode: "t", name: "A"}}, {contributor: {id: "2", code: "c", name: "B"}}]}}"#
        );
    }

    #[test]
    fn typename_tells_members_with_the_same_keys_apart() {
        let query = "{ contributions { nodes { contributor { t: __typename
            ... on Enterprise { id name } ... on Agency { name id } } } } }";
        let data = value!({ "contributions": { "nodes": [
            { "contributor": { "name": "A", "id": "1", "t": "Enterprise" } },
            { "contributor": { "id": "2", "t": "Agency", "name": "B" } },
        ] } });
        assert_eq!(
            ordered(query, data),
            r#"{contributions: {nodes: [{contributor: {t: "Enterprise", id: "1", name: "A"}}, {contributor: {t: "Agency", name: "B", id: "2"}}]}}"#
        );
    }
}
