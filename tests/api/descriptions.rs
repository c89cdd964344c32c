//! Every type, field, argument, input field and enum value of the schema has a
//! description, as a client reads it by introspection (GraphiQL's docs, code
//! generators); the Vietnamese terms live there.

use serde_json::{Value, json};

use crate::{helpers::spawn_app, limits::INTROSPECTION};

/// What lacks a description, as `Type`, `Type.field`, `Type.field(arg)`, `Enum.VALUE`.
pub fn undescribed(schema: &Value) -> Vec<String> {
    let described = |v: &Value| {
        v["description"]
            .as_str()
            .is_some_and(|d| !d.trim().is_empty())
    };
    let mut missing = Vec::new();
    for ty in schema["types"].as_array().into_iter().flatten() {
        let name = ty["name"].as_str().unwrap_or_default();
        // The introspection types and the specified scalars are GraphQL's own,
        // described by the specification.
        if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        if !described(ty) {
            missing.push(name.to_owned());
        }
        for field in ty["fields"].as_array().into_iter().flatten() {
            let field_name = field["name"].as_str().unwrap_or_default();
            if !described(field) {
                missing.push(format!("{name}.{field_name}"));
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if !described(arg) {
                    missing.push(format!(
                        "{name}.{field_name}({})",
                        arg["name"].as_str().unwrap_or_default()
                    ));
                }
            }
        }
        for field in ty["inputFields"].as_array().into_iter().flatten() {
            if !described(field) {
                missing.push(format!(
                    "{name}.{}",
                    field["name"].as_str().unwrap_or_default()
                ));
            }
        }
        for value in ty["enumValues"].as_array().into_iter().flatten() {
            if !described(value) {
                missing.push(format!(
                    "{name}.{}",
                    value["name"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    missing
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_is_described() {
    let app = spawn_app().await;
    let body = app.graphql(None, INTROSPECTION, json!({})).await;
    let schema = &body["data"]["__schema"];
    assert!(schema["types"].is_array(), "{body}");
    let missing = undescribed(schema);
    assert!(
        missing.is_empty(),
        "{} without a description:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
