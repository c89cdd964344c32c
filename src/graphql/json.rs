//! Responses written straight to JSON. A planned list ([`super::plan`]) asked over
//! HTTP writes its items as JSON text while it reads them, instead of building a
//! tree of values for the whole page that is then put in order, serialised and
//! freed (issue 11's callgrind profile: a third of a page's instructions). The text
//! travels in the response's value tree as a [`Value::Binary`], which nothing in
//! this schema otherwise answers, and [`write`] copies it into the body as it is.
//! Only the HTTP handler, which writes bodies with [`write`], asks for it
//! ([`Prewritten`]); everything else gets ordinary values.

use async_graphql::{Name, Value};
use bytes::Bytes;

/// Request data: the response will be written with [`write`], so planned lists
/// may answer with JSON text.
#[derive(Clone, Copy)]
pub struct Prewritten;

/// `value` as JSON, a [`Value::Binary`] being JSON text already.
pub fn write(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Boolean(true) => out.extend_from_slice(b"true"),
        Value::Boolean(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => out.extend_from_slice(number.to_string().as_bytes()),
        Value::String(text) => string(out, text),
        Value::Enum(name) => string(out, name),
        Value::Binary(json) => out.extend_from_slice(json),
        Value::List(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (index, (key, item)) in map.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                string(out, key);
                out.push(b':');
                write(out, item);
            }
            out.push(b'}');
        }
    }
}

/// The bytes of JSON text `value` carries, to size the document it goes into.
pub fn prewritten_len(value: &Value) -> usize {
    match value {
        Value::Binary(json) => json.len(),
        Value::List(items) => items.iter().map(prewritten_len).sum(),
        Value::Object(map) => map.values().map(prewritten_len).sum(),
        _ => 0,
    }
}

/// `text` as a JSON string, escaped as serde_json escapes it.
fn string(out: &mut Vec<u8>, text: &str) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// The answer to a list of objects, built one key at a time: a value tree, or JSON
/// text when the response is [`Prewritten`].
pub enum ListWriter {
    Tree {
        list: Vec<Value>,
        /// The objects being filled, outermost first, with the key each goes under.
        open: Vec<(Option<Name>, async_graphql::indexmap::IndexMap<Name, Value>)>,
    },
    Json {
        out: Vec<u8>,
        /// Per open object (and the list itself at the bottom): whether a member
        /// has been written, so the next one needs a comma.
        written: Vec<bool>,
    },
}

impl ListWriter {
    pub fn new(prewritten: bool, items: usize) -> ListWriter {
        if prewritten {
            let mut out = Vec::with_capacity(items * 384);
            out.push(b'[');
            ListWriter::Json {
                out,
                written: vec![false],
            }
        } else {
            ListWriter::Tree {
                list: Vec::with_capacity(items),
                open: Vec::new(),
            }
        }
    }

    /// Starts the list's next item, an object of about `fields` keys.
    pub fn item(&mut self, fields: usize) {
        match self {
            ListWriter::Tree { open, .. } => open.push((None, Self::map(fields))),
            ListWriter::Json { out, written } => {
                Self::separate(out, written);
                out.push(b'{');
                written.push(false);
            }
        }
    }

    /// Starts an object of about `fields` keys under `key` of the open object.
    pub fn object(&mut self, key: &Name, fields: usize) {
        match self {
            ListWriter::Tree { open, .. } => open.push((Some(key.clone()), Self::map(fields))),
            ListWriter::Json { out, written } => {
                Self::key(out, written, key);
                out.push(b'{');
                written.push(false);
            }
        }
    }

    /// `value` under `key` of the open object.
    pub fn leaf(&mut self, key: &Name, value: Value) {
        match self {
            ListWriter::Tree { open, .. } => {
                if let Some((_, map)) = open.last_mut() {
                    map.insert(key.clone(), value);
                }
            }
            ListWriter::Json { out, written } => {
                Self::key(out, written, key);
                write(out, &value);
            }
        }
    }

    /// Ends the open object.
    pub fn close(&mut self) {
        match self {
            ListWriter::Tree { list, open } => {
                let Some((key, map)) = open.pop() else {
                    return;
                };
                let object = Value::Object(map);
                match (key, open.last_mut()) {
                    (Some(key), Some((_, parent))) => {
                        parent.insert(key, object);
                    }
                    _ => list.push(object),
                }
            }
            ListWriter::Json { out, written } => {
                out.push(b'}');
                written.pop();
            }
        }
    }

    /// The list's answer.
    pub fn finish(self) -> Value {
        match self {
            ListWriter::Tree { list, .. } => Value::List(list),
            ListWriter::Json { mut out, .. } => {
                out.push(b']');
                Value::Binary(Bytes::from(out))
            }
        }
    }

    fn map(fields: usize) -> async_graphql::indexmap::IndexMap<Name, Value> {
        async_graphql::indexmap::IndexMap::with_capacity(fields)
    }

    fn separate(out: &mut Vec<u8>, written: &mut [bool]) {
        if let Some(last) = written.last_mut() {
            if *last {
                out.push(b',');
            }
            *last = true;
        }
    }

    fn key(out: &mut Vec<u8>, written: &mut [bool], key: &Name) {
        Self::separate(out, written);
        string(out, key);
        out.push(b':');
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::value;

    use super::*;

    /// The same list written both ways; the JSON text is what serde_json writes
    /// for the value tree.
    fn both(build: impl Fn(&mut ListWriter)) -> (Value, String) {
        let mut tree = ListWriter::new(false, 2);
        build(&mut tree);
        let tree = tree.finish();
        let mut json = ListWriter::new(true, 2);
        build(&mut json);
        let Value::Binary(text) = json.finish() else {
            panic!("prewritten lists are JSON text")
        };
        (tree, String::from_utf8(text.to_vec()).expect("UTF-8"))
    }

    #[test]
    fn a_list_written_as_json_is_the_value_tree_serialised() {
        let (tree, json) = both(|list| {
            for n in 0..2 {
                list.item(3);
                list.leaf(&Name::new("id"), Value::from(n));
                list.object(&Name::new("commune"), 1);
                list.leaf(&Name::new("name"), Value::from("Xã \"Đông\"\n\u{1}"));
                list.close();
                list.leaf(&Name::new("status"), Value::Enum(Name::new("PLEDGED")));
                list.leaf(&Name::new("dueOn"), Value::Null);
                list.leaf(&Name::new("on"), Value::Boolean(n == 0));
                list.leaf(&Name::new("x"), Value::from(1.5));
                list.close();
            }
        });
        assert_eq!(
            json,
            serde_json::to_string(&tree).expect("serialises"),
            "{json}"
        );
        assert_eq!(
            json,
            r#"[{"id":0,"commune":{"name":"Xã \"Đông\"\n\u0001"},"status":"PLEDGED","dueOn":null,"on":true,"x":1.5},{"id":1,"commune":{"name":"Xã \"Đông\"\n\u0001"},"status":"PLEDGED","dueOn":null,"on":false,"x":1.5}]"#
        );
        let (tree, json) = both(|_| {});
        assert_eq!((tree, json.as_str()), (Value::List(Vec::new()), "[]"));
    }

    #[test]
    fn prewritten_text_is_copied_into_the_document() {
        let mut page = value!({ "totalCount": 1, "more": false, "name": "ư" });
        if let Value::Object(map) = &mut page {
            let nodes = Value::Binary(Bytes::from_static(br#"[{"a":1}]"#));
            map.insert_before(0, Name::new("nodes"), nodes);
        }
        let mut document = async_graphql::indexmap::IndexMap::new();
        document.insert(Name::new("page"), page);
        let mut out = Vec::new();
        write(&mut out, &Value::Object(document));
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            r#"{"page":{"nodes":[{"a":1}],"totalCount":1,"more":false,"name":"ư"}}"#
        );
    }
}
