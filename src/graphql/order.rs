//! Response keys in the order of the selection set, as the GraphQL specification
//! asks ("ordered serialisation": fields in the order they were requested,
//! fragments expanded where they are spread). async-graphql resolves an object's
//! fields concurrently and keeps them in the order they finish, so a field that
//! waits for a DataLoader can come out before one selected earlier. The order is
//! worked out from the document before it runs ([`ResponseOrder::of`]) and restored
//! on the answer ([`ResponseOrder::apply`]); an object already in order is left as
//! it is.

use std::collections::HashSet;

use async_graphql::{
    Name, Value,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

/// The response keys of a selection set, in order, each with the shape of its own
/// value (empty for a leaf).
#[derive(Debug, Default)]
pub struct ResponseOrder {
    keys: Vec<(Name, ResponseOrder)>,
}

impl ResponseOrder {
    /// The order of the answer to the operation of `document` that will run.
    pub fn of(document: &ExecutableDocument, operation_name: Option<&str>) -> ResponseOrder {
        match super::operation(document, operation_name) {
            Some(operation) => shape(document, &[&operation.node.selection_set.node]),
            None => ResponseOrder::default(),
        }
    }

    /// Puts every object of `value` in this order, at every level.
    pub fn apply(&self, value: &mut Value) {
        match value {
            Value::List(items) => {
                for item in items {
                    self.apply(item);
                }
            }
            Value::Object(map) if !self.keys.is_empty() => {
                let position = |key: &Name| {
                    self.keys
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
                    if let Some((_, order)) = self.keys.iter().find(|(wanted, _)| wanted == key) {
                        order.apply(child);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The order of the selection sets `sets` merged (one response key may be selected
/// in several places: its value merges their selections).
fn shape(document: &ExecutableDocument, sets: &[&SelectionSet]) -> ResponseOrder {
    let mut keys: Vec<(Name, Vec<&SelectionSet>)> = Vec::new();
    for set in sets {
        collect(document, set, &mut keys, &mut HashSet::new());
    }
    ResponseOrder {
        keys: keys
            .into_iter()
            .map(|(key, children)| (key, shape(document, &children)))
            .collect(),
    }
}

/// Adds the response keys of `set` in order, expanding fragments where they are
/// spread (each once per path: the limits already refused cycles).
fn collect<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    keys: &mut Vec<(Name, Vec<&'a SelectionSet>)>,
    spread: &mut HashSet<&'a str>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.clone();
                let children = &field.node.selection_set.node;
                match keys.iter_mut().find(|(existing, _)| *existing == key) {
                    Some((_, sets)) => sets.push(children),
                    None => keys.push((key, vec![children])),
                }
            }
            Selection::InlineFragment(inline) => {
                collect(document, &inline.node.selection_set.node, keys, spread)
            }
            Selection::FragmentSpread(fragment) => {
                let name = fragment.node.fragment_name.node.as_str();
                if let Some(definition) = document.fragments.get(name)
                    && spread.insert(name)
                {
                    collect(document, &definition.node.selection_set.node, keys, spread);
                    spread.remove(name);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{parser::parse_query, value};

    use super::*;

    fn ordered(query: &str, mut data: Value) -> String {
        let document = parse_query(query).unwrap_or_else(|e| panic!("{e}"));
        ResponseOrder::of(&document, None).apply(&mut data);
        data.to_string()
    }

    #[test]
    fn keys_follow_the_selection_through_lists_aliases_and_fragments() {
        let query =
            "{ list { b a ...F ... on T { d } x: a } } fragment F on T { c nested { z y } }";
        let data = value!({ "list": [
            { "d": 4, "x": 5, "nested": { "y": 2, "z": 1 }, "c": 3, "a": 2, "b": 1 },
            { "a": 2, "b": 1, "c": 3, "nested": { "z": 1, "y": 2 }, "d": 4, "x": 5 },
        ] });
        assert_eq!(
            ordered(query, data),
            r#"{list: [{b: 1, a: 2, c: 3, nested: {z: 1, y: 2}, d: 4, x: 5}, {b: 1, a: 2, c: 3, nested: {z: 1, y: 2}, d: 4, x: 5}]}"#
        );
    }

    #[test]
    fn a_key_selected_twice_keeps_its_first_place_and_merges_its_fields() {
        let query = "{ a { q } b a { p } }";
        let data = value!({ "b": 1, "a": { "p": 2, "q": 1 } });
        assert_eq!(ordered(query, data), "{a: {q: 1, p: 2}, b: 1}");
    }
}
