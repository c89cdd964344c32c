//! Vietnamese first: every `userError` message exists in Vietnamese and English,
//! chosen by `Accept-Language` (Vietnamese by default); codes and fields never
//! change with the language.

use std::path::Path;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use crate::{
    architecture::rust_files,
    helpers::{TestApp, spawn_app, tax_code},
};

/// Letters only Vietnamese writes; a Vietnamese message has at least one.
const VIETNAMESE_LETTERS: &str =
    "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ";

fn is_vietnamese(text: &str) -> bool {
    text.to_lowercase()
        .chars()
        .any(|c| VIETNAMESE_LETTERS.contains(c))
}

/// The string literals of every `msg!(…)` in `source`: (Vietnamese, English).
fn messages(source: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("msg!(") {
        rest = &rest[at + "msg!(".len()..];
        let mut literals = Vec::new();
        let mut chars = rest.char_indices();
        while literals.len() < 2 {
            let Some((_, c)) = chars.next() else { break };
            match c {
                '"' => {
                    let mut literal = String::new();
                    let mut escaped = false;
                    for (_, c) in chars.by_ref() {
                        match (escaped, c) {
                            (false, '\\') => escaped = true,
                            (false, '"') => break,
                            _ => {
                                escaped = false;
                                literal.push(c);
                            }
                        }
                    }
                    literals.push(literal);
                }
                // Anything but a literal before the two: not a message.
                ',' | ' ' | '\n' => {}
                _ => break,
            }
        }
        if let [vietnamese, english] = literals.as_slice() {
            found.push((vietnamese.clone(), english.clone()));
        } else {
            found.push((String::new(), String::new()));
        }
    }
    found
}

/// What is wrong with a message: empty, the same in both, or not Vietnamese.
fn faults(vietnamese: &str, english: &str) -> Option<&'static str> {
    if vietnamese.trim().is_empty() || english.trim().is_empty() {
        Some("a language is missing")
    } else if vietnamese == english {
        Some("the same text in both languages")
    } else if !is_vietnamese(vietnamese) {
        Some("the first text is not Vietnamese")
    } else if is_vietnamese(&english.replace("đồng", "")) {
        Some("the second text is not English")
    } else {
        None
    }
}

/// Every message the server can put in a `userError` is a `Message`, which only
/// `msg!` builds, from a Vietnamese and an English text; this reads each one.
#[test]
fn every_message_is_written_in_both_languages() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut count = 0;
    let mut offences = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("readable");
        for (vietnamese, english) in messages(&source) {
            count += 1;
            if let Some(fault) = faults(&vietnamese, &english) {
                offences.push(format!(
                    "{}: {fault}: {vietnamese:?} / {english:?}",
                    file.display()
                ));
            }
        }
    }
    assert!(count >= 80, "only {count} messages found");
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn the_check_sees_a_message_in_one_language() {
    let source = r#"
        crate::msg!("không tìm thấy xã", "no such commune");
        crate::msg!("no such commune", "no such commune");
        crate::msg!("", "no such commune");
        crate::msg!("no such commune", "không tìm thấy xã");
        crate::msg!(
            "phải từ 1 đến {}",
            "must be between 1 and {}",
            limit
        );
    "#;
    let found = messages(source);
    assert_eq!(found.len(), 5);
    let judged: Vec<_> = found.iter().map(|(vi, en)| faults(vi, en)).collect();
    assert_eq!(
        judged,
        [
            None,
            Some("the same text in both languages"),
            Some("a language is missing"),
            Some("the first text is not Vietnamese"),
            None,
        ]
    );
}

const REGISTER: &str = "mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { enterprise { id } userErrors { field message code } } }";

fn registration(change: Value) -> Value {
    let mut input = json!({
        "taxCode": tax_code(), "name": "Công ty TNHH Hòa Bình",
        "email": format!("firm-{}@example.vn", uuid::Uuid::new_v4().simple()),
        "password": "mot-mat-khau-du-dai", "displayName": "Giám đốc"
    });
    for (key, value) in change.as_object().expect("an object") {
        input[key] = value.clone();
    }
    json!({ "input": input })
}

/// POSTs with the given `Accept-Language` (none when `None`); the body and the
/// response's `Content-Language`.
async fn ask(
    app: &TestApp,
    accept_language: Option<&str>,
    token: Option<&str>,
    query: &str,
    variables: &Value,
) -> (Value, String, String) {
    let mut request = reqwest::Client::new()
        .post(app.url("/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(language) = accept_language {
        request = request.header("Accept-Language", language);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("sent");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (language, vary) = (header("content-language"), header("vary"));
    (response.json().await.expect("JSON"), language, vary)
}

/// The first `userErrors` of the payload under `field`.
fn user_error<'a>(body: &'a Value, field: &str) -> &'a Value {
    let errors = &body["data"][field]["userErrors"];
    assert_eq!(errors.as_array().map(Vec::len), Some(1), "{body}");
    &errors[0]
}

#[tokio::test]
async fn user_errors_speak_the_language_asked_for_vietnamese_by_default() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let firm = app.firm().await;
    let login = "mutation($input: LoginInput!) { login(input: $input) { token userErrors { field message code } } }";
    let pledge = "mutation($input: PledgeContributionInput!) { pledgeContribution(input: $input) { contribution { id } userErrors { field message code } } }";
    let commune = "mutation($input: CreateCommuneInput!) { createCommune(input: $input) { commune { id } userErrors { field message code } } }";
    let taken = json!({ "input": { "code": "LANG1", "name": "Xã Tam Đảo", "unitType": "COMMUNE", "district": "Huyện Tam Đảo", "special": true, "newRuralLevel": "NOT_YET" } });
    let created = app
        .graphql(Some(&admin.token), commune, taken.clone())
        .await;
    assert_eq!(
        created["data"]["createCommune"]["userErrors"],
        json!([]),
        "{created}"
    );

    // (request, token, payload field, English message)
    let cases: Vec<(&str, Option<&str>, Value, &str, &str)> = vec![
        (
            REGISTER,
            None,
            registration(json!({ "taxCode": "123" })),
            "registerEnterprise",
            "a tax code has 10 digits, or 13 for a branch",
        ),
        (
            REGISTER,
            None,
            registration(json!({ "name": " \u{200B} " })),
            "registerEnterprise",
            "contains an invisible or direction-changing character (U+200B)",
        ),
        (
            REGISTER,
            None,
            registration(json!({ "name": "   " })),
            "registerEnterprise",
            "must not be empty",
        ),
        (
            REGISTER,
            None,
            registration(json!({ "email": "not-an-address" })),
            "registerEnterprise",
            "is not an e-mail address",
        ),
        (
            login,
            None,
            json!({ "input": { "email": admin.email, "password": "not-the-password" } }),
            "login",
            "the e-mail or password is incorrect",
        ),
        (
            commune,
            Some(&admin.token),
            taken.clone(),
            "createCommune",
            "a commune with this code already exists",
        ),
        (
            pledge,
            Some(&firm.token),
            json!({ "input": { "communeId": firm.enterprise_id, "kind": "CASH", "purpose": "Đường vào bản", "amount": "1000000" } }),
            "pledgeContribution",
            "not a Commune ID",
        ),
    ];
    for (query, token, variables, field, english) in cases {
        let (default, default_language, vary) = ask(&app, None, token, query, &variables).await;
        let (vietnamese, vi_language, _) = ask(&app, Some("vi-VN"), token, query, &variables).await;
        let (asked_english, en_language, _) = ask(
            &app,
            Some("fr-FR, en;q=0.5, vi;q=0.1"),
            token,
            query,
            &variables,
        )
        .await;
        let (default, vietnamese, asked_english) = (
            user_error(&default, field),
            user_error(&vietnamese, field),
            user_error(&asked_english, field),
        );
        assert_eq!(asked_english["message"], english, "{field}");
        assert_eq!(default, vietnamese, "{field}");
        assert_eq!(
            (&vietnamese["field"], &vietnamese["code"]),
            (&asked_english["field"], &asked_english["code"]),
            "{field}: codes and fields do not change with the language"
        );
        let message = vietnamese["message"].as_str().expect("a message");
        assert!(is_vietnamese(message), "{field}: {message}");
        assert_ne!(message, english, "{field}");
        assert_eq!(
            (
                default_language.as_str(),
                vi_language.as_str(),
                en_language.as_str()
            ),
            ("vi", "vi", "en")
        );
        assert!(vary.contains("Accept-Language"), "{vary}");
    }
    // A mistake in each language for one case, checked word for word.
    let (body, ..) = ask(&app, None, Some(&admin.token), commune, &taken).await;
    assert_eq!(
        body["data"]["createCommune"]["userErrors"],
        json!([{ "field": ["input", "code"], "message": "đã có xã mang mã này", "code": "TAKEN" }])
    );
}

/// A socket's messages are in the language of its upgrade request.
#[tokio::test]
async fn a_socket_speaks_the_language_of_its_upgrade() {
    let app = spawn_app().await;
    let variables = registration(json!({ "taxCode": "123" }));
    let mut said = Vec::new();
    for accept_language in [None, Some("en-GB")] {
        let mut request = format!("ws://127.0.0.1:{}/graphql/ws", app.port)
            .into_client_request()
            .expect("request");
        let headers = request.headers_mut();
        headers.insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        if let Some(language) = accept_language {
            headers.insert(
                "accept-language",
                HeaderValue::from_str(language).expect("header"),
            );
        }
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("upgrade");
        crate::ws::init(&mut socket, None).await;
        let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": REGISTER, "variables": variables } });
        socket
            .send(Message::text(subscribe.to_string()))
            .await
            .expect("sent");
        let next = crate::ws::next_json(&mut socket).await;
        assert_eq!(next["type"], "next", "{next}");
        said.push(
            next["payload"]["data"]["registerEnterprise"]["userErrors"][0]["message"].clone(),
        );
        let _ = socket.close(None).await;
        while socket.next().await.is_some() {}
    }
    assert_eq!(
        said,
        [
            json!("mã số thuế có 10 chữ số, hoặc 13 chữ số với chi nhánh"),
            json!("a tax code has 10 digits, or 13 for a branch")
        ]
    );
}
