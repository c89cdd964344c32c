//! The examples of docs/examples cannot rot: each one is valid against
//! `schema.graphql` (graphql-inspector, installed by `scripts/contract-check` and
//! `scripts/test` in tests/contract) and runs on the demo data without an error,
//! as the account its header names. A header says who runs it (`# as:`) and its
//! variables (`# variables:`); `@specialCommune` and `@assignedItem` stand for IDs
//! of the demo data, as a reader would look them up first.

use std::path::Path;

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    helpers::TestApp,
    reports::demo_app,
    ws::{self, connect, init, next_message},
};

struct Example {
    name: String,
    document: String,
    viewer: String,
    variables: Value,
}

fn examples() -> Vec<Example> {
    let mut files: Vec<_> = std::fs::read_dir("docs/examples")
        .expect("docs/examples exists")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "graphql"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let document = std::fs::read_to_string(&path).expect("readable");
            let header = |key: &str| -> String {
                document
                    .lines()
                    .find_map(|line| line.strip_prefix(&format!("# {key}:")))
                    .unwrap_or_else(|| panic!("{}: no `# {key}:` line", path.display()))
                    .trim()
                    .to_owned()
            };
            Example {
                name: path.display().to_string(),
                viewer: header("as"),
                variables: serde_json::from_str(&header("variables"))
                    .unwrap_or_else(|e| panic!("{}: variables: {e}", path.display())),
                document,
            }
        })
        .collect()
}

async fn token(app: &TestApp, viewer: &str) -> Option<String> {
    let email = match viewer {
        "anonymous" => return None,
        "firm" => donghanh::demo::FIRM_EMAIL,
        "official" => donghanh::demo::OFFICIAL_EMAIL,
        "admin" => donghanh::demo::ADMIN_EMAIL,
        other => panic!("unknown viewer {other}"),
    };
    let body = app.login(email, donghanh::demo::DEMO_PASSWORD).await;
    body["data"]["login"]["token"].as_str().map(str::to_owned)
}

/// The first ID at `pointer` of a query's answer.
async fn first_id(app: &TestApp, token: Option<&str>, query: &str, pointer: &str) -> String {
    let body = app.graphql(token, query, json!({})).await;
    body.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{query}: {body}"))
        .to_owned()
}

/// Replaces the placeholders with IDs of the demo data.
async fn resolve(app: &TestApp, value: &mut Value, admin: Option<&str>) {
    match value {
        Value::String(text) if text == "@specialCommune" => {
            *text = first_id(
                app,
                None,
                "{ communes(first: 1, filter: {special: true}, orderBy: {field: CODE, direction: ASC}) { nodes { id } } }",
                "/data/communes/nodes/0/id",
            )
            .await;
        }
        Value::String(text) if text == "@assignedItem" => {
            *text = first_id(
                app,
                admin,
                "{ agendaItems(first: 1, filter: {statuses: [ASSIGNED]}) { nodes { id } } }",
                "/data/agendaItems/nodes/0/id",
            )
            .await;
        }
        Value::Object(map) => {
            for inner in map.values_mut() {
                Box::pin(resolve(app, inner, admin)).await;
            }
        }
        _ => {}
    }
}

/// Every `userErrors` list in an answer.
fn user_errors(value: &Value, found: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "userErrors" {
                    found.extend(inner.as_array().cloned().unwrap_or_default());
                } else {
                    user_errors(inner, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| user_errors(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn every_example_is_valid_and_runs_on_the_demo_data() {
    let inspector = Path::new("tests/contract/node_modules/.bin/graphql-inspector");
    assert!(
        inspector.exists(),
        "run `npm ci` in tests/contract first (scripts/test and scripts/contract-check do)"
    );
    let output = std::process::Command::new(inspector)
        .args(["validate", "docs/examples/*.graphql", "schema.graphql"])
        .output()
        .expect("graphql-inspector runs");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("All documents are valid"),
        "{said}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let app = demo_app().await;
    let admin = token(&app, "admin").await;
    let examples = examples();
    assert!(examples.len() >= 8, "{} examples", examples.len());
    for mut example in examples {
        let token = token(&app, &example.viewer).await;
        resolve(&app, &mut example.variables, admin.as_deref()).await;
        let body = if example.document.contains("subscription ") {
            subscribe(&app, &example, token.as_deref(), admin.as_deref()).await
        } else {
            app.graphql(
                token.as_deref(),
                &example.document,
                example.variables.clone(),
            )
            .await
        };
        assert!(body.get("errors").is_none(), "{}: {body}", example.name);
        assert!(
            body["data"]
                .as_object()
                .is_some_and(|data| !data.is_empty()),
            "{}: {body}",
            example.name
        );
        let mut errors = Vec::new();
        user_errors(&body["data"], &mut errors);
        assert!(errors.is_empty(), "{}: {body}", example.name);
    }
}

/// Runs a subscription over the socket, makes a change it reports (an official
/// accepts the submitted item onto the upcoming dialogue), and returns the event.
async fn subscribe(
    app: &TestApp,
    example: &Example,
    token: Option<&str>,
    admin: Option<&str>,
) -> Value {
    let mut socket = connect(app).await;
    let payload = token.map(|token| json!({ "Authorization": format!("Bearer {token}") }));
    init(&mut socket, payload).await;
    ws::subscribe(
        &mut socket,
        "1",
        &example.document,
        example.variables.clone(),
    )
    .await;
    // The change must come after the subscription listens: the server answers a
    // ping only after every message sent before it.
    ws::settle(&mut socket).await;
    let item = first_id(
        app,
        admin,
        "{ agendaItems(first: 1, filter: {statuses: [SUBMITTED]}) { nodes { id } } }",
        "/data/agendaItems/nodes/0/id",
    )
    .await;
    let dialogue = first_id(
        app,
        None,
        "{ dialogues(first: 1, filter: {statuses: [SCHEDULED]}) { nodes { id } } }",
        "/data/dialogues/nodes/0/id",
    )
    .await;
    let accepted = app
        .graphql(
            admin,
            "mutation($input: AcceptAgendaItemInput!) { acceptAgendaItem(input: $input) { userErrors { message } } }",
            json!({ "input": { "agendaItemId": item, "dialogueId": dialogue } }),
        )
        .await;
    assert_eq!(
        accepted["data"]["acceptAgendaItem"]["userErrors"],
        json!([]),
        "{accepted}"
    );
    let Message::Text(text) = next_message(&mut socket).await else {
        panic!("a text frame")
    };
    let next: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(next["type"], json!("next"), "{next}");
    next["payload"].clone()
}
