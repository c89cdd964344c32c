//! GraphQL over HTTP, following the GraphQL-over-HTTP specification: POST with
//! `application/json`; GET for queries only (a mutation is 405); `Accept`
//! negotiated between `application/graphql-response+json` (request errors are 4xx
//! without `data`) and `application/json` (always 200); no batching; bodies over
//! 1 MiB are 413; `text/plain` and form bodies are refused, which also shuts out
//! cross-site form posts.
//!
//! One deadline, `DONGHANH_REQUEST_TIMEOUT` after the handler starts, covers
//! reading the body and executing the operation: a client that trickles its body,
//! or stops sending it, is answered 408 and disconnected when it passes.
//!
//! Failures of the server rather than the request (the database unreachable, the
//! deadline passed during execution) answer 200 under `application/json`, as the
//! specification asks for every well-formed request; under
//! `application/graphql-response+json` a response without `data` is 503, which the
//! specification allows there, and one with `data` (a resolver failed) is 200.

use actix_web::{
    HttpRequest, HttpResponse,
    http::{
        ConnectionType, Method, StatusCode,
        header::{self, HeaderValue},
    },
    web,
};
use async_graphql::{
    ErrorExtensions, Request, Response, ServerError, Variables, parser::types::OperationType,
};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use tokio::time::Instant;
use tracing_actix_web::RequestId;

use super::{HttpState, graphiql, language, session_for};
use crate::{
    error::{ErrorCode, Language},
    graphql::{
        is_request_error,
        json::{self, Prewritten},
        limits::{Refusal, nesting},
        operation_type,
        order::ResponseOrder,
    },
};

pub const MAX_BODY_BYTES: usize = 1024 * 1024;
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The media type a response is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: request errors are 4xx, without `data`.
    GraphQlResponse,
    /// `application/json`: always 200.
    Json,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphQlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }

    /// The status of a well-formed request that the server could not answer.
    fn unavailable(self) -> StatusCode {
        match self {
            MediaType::GraphQlResponse => StatusCode::SERVICE_UNAVAILABLE,
            MediaType::Json => StatusCode::OK,
        }
    }
}

/// What the client prefers, by `Accept` and its q-values. No header means
/// `application/json`, as the specification asks of servers; `*/*` too, for
/// clients that predate the new media type.
pub fn negotiate(accept: Option<&str>) -> Option<MediaType> {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Some(MediaType::Json);
    };
    let mut best: Option<(f32, u8, MediaType)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let mut q = 1.0_f32;
        let mut charset_ok = true;
        for param in parts {
            if let Some((name, value)) = param.split_once('=') {
                let value = value.trim().trim_matches('"');
                match name.trim().to_ascii_lowercase().as_str() {
                    "q" => q = value.parse().unwrap_or(0.0),
                    "charset" => charset_ok = value.eq_ignore_ascii_case("utf-8"),
                    _ => {}
                }
            }
        }
        if q <= 0.0 || !charset_ok {
            continue;
        }
        // Higher specificity wins among equal q-values.
        let candidate = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => (q, 3, MediaType::GraphQlResponse),
            "application/json" => (q, 2, MediaType::Json),
            "application/*" | "*/*" => (q, 1, MediaType::Json),
            _ => continue,
        };
        if best
            .is_none_or(|(bq, bs, _)| candidate.0 > bq || (candidate.0 == bq && candidate.1 > bs))
        {
            best = Some(candidate);
        }
    }
    best.map(|(_, _, media)| media)
}

fn prefers_html(accept: Option<&str>) -> bool {
    accept.is_some_and(|accept| {
        accept
            .split(',')
            .next()
            .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("text/html"))
    })
}

fn header(req: &HttpRequest, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A response with one top-level error and no `data`, for a request refused before
/// any GraphQL ran (malformed body or parameters, media types, credentials): the
/// HTTP status says why under either media type.
fn request_error(
    media: MediaType,
    status: StatusCode,
    code: ErrorCode,
    message: &str,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(media.content_type())
        .json(
            json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] }),
        )
}

fn plain_error(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json; charset=utf-8")
        .json(json!({ "errors": [{ "message": message }] }))
}

/// The parameters of a GraphQL request, from a JSON body, a query string or a
/// socket's `subscribe` message.
pub(super) struct Params {
    pub query: String,
    pub operation_name: Option<String>,
    pub variables: Option<Map<String, Value>>,
}

/// Checks each parameter's type; the message names what is wrong.
pub(super) fn params_from_json(mut object: Map<String, Value>) -> Result<Params, String> {
    let query = match object.remove("query") {
        Some(Value::String(query)) => query,
        Some(_) => return Err("`query` must be a string".into()),
        None => return Err("`query` is missing".into()),
    };
    let operation_name = match object.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => return Err("`operationName` must be a string or null".into()),
    };
    let variables = match object.remove("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(map),
        Some(_) => return Err("`variables` must be an object or null".into()),
    };
    match object.remove("extensions") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => return Err("`extensions` must be an object or null".into()),
    }
    Ok(Params {
        query,
        operation_name,
        variables,
    })
}

fn is_json_content_type(value: &str) -> Result<bool, ()> {
    let mut parts = value.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default().to_ascii_lowercase();
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
            && !value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return Err(());
        }
    }
    Ok(media == "application/json" || media == GRAPHQL_RESPONSE_JSON)
}

/// Why a body was not read.
enum BodyError {
    TooLarge,
    Unreadable,
    TooSlow,
}

impl BodyError {
    fn respond(self, media: MediaType, request_id: &RequestId) -> HttpResponse {
        match self {
            BodyError::TooLarge => request_error(
                media,
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BadUserInput,
                "the request body exceeds 1 MiB",
            ),
            BodyError::Unreadable => request_error(
                media,
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "the request body could not be read",
            ),
            BodyError::TooSlow => {
                tracing::warn!(request_id = %request_id, "the request body arrived too slowly");
                let mut response = request_error(
                    media,
                    StatusCode::REQUEST_TIMEOUT,
                    ErrorCode::Timeout,
                    "the request body arrived too slowly",
                );
                // The rest of the body may never come: the connection cannot
                // carry another request.
                response
                    .head_mut()
                    .set_connection_type(ConnectionType::Close);
                response
            }
        }
    }
}

/// Reads the whole body by `deadline`, refusing more than 1 MiB as soon as the
/// client announces it or sends it.
async fn read_body(
    req: &HttpRequest,
    mut body: web::Payload,
    deadline: Instant,
) -> Result<web::BytesMut, BodyError> {
    let announced = header(req, header::CONTENT_LENGTH).and_then(|n| n.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(BodyError::TooLarge);
    }
    let reading = async {
        let mut bytes = web::BytesMut::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|_| BodyError::Unreadable)?;
            if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(BodyError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    };
    tokio::time::timeout_at(deadline, reading)
        .await
        .unwrap_or(Err(BodyError::TooSlow))
}

pub async fn post(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<HttpState>,
    request_id: RequestId,
) -> HttpResponse {
    let deadline = Instant::now() + state.app.settings.request_timeout;
    let Some(media) = negotiate(header(&req, header::ACCEPT)) else {
        return plain_error(
            StatusCode::NOT_ACCEPTABLE,
            "accept application/graphql-response+json or application/json",
        );
    };
    match header(&req, header::CONTENT_TYPE).map(is_json_content_type) {
        Some(Ok(true)) => {}
        Some(Err(())) => {
            return request_error(
                media,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadUserInput,
                "only UTF-8 bodies are accepted",
            );
        }
        _ => {
            return request_error(
                media,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadUserInput,
                "send the request as application/json",
            );
        }
    }
    let bytes = match read_body(&req, body, deadline).await {
        Ok(bytes) => bytes,
        Err(error) => return error.respond(media, &request_id),
    };
    if let Err(breach) = nesting::check_json(&bytes) {
        return request_error(
            media,
            StatusCode::BAD_REQUEST,
            ErrorCode::QueryTooComplex,
            &breach.message,
        );
    }
    let object = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => object,
        Ok(Value::Array(_)) => {
            return request_error(
                media,
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "batched requests are not supported",
            );
        }
        Ok(_) => {
            return request_error(
                media,
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "the body must be a JSON object",
            );
        }
        Err(_) => {
            return request_error(
                media,
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "the body is not valid JSON",
            );
        }
    };
    match params_from_json(object) {
        Ok(params) => execute(&req, &state, media, params, request_id, deadline).await,
        Err(message) => request_error(
            media,
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            &message,
        ),
    }
}

pub async fn get(
    req: HttpRequest,
    state: web::Data<HttpState>,
    request_id: RequestId,
) -> HttpResponse {
    let deadline = Instant::now() + state.app.settings.request_timeout;
    let accept = header(&req, header::ACCEPT);
    if prefers_html(accept) && state.app.settings.graphiql_enabled() {
        return graphiql::serve_page().await;
    }
    let Some(media) = negotiate(accept) else {
        return plain_error(
            StatusCode::NOT_ACCEPTABLE,
            "accept application/graphql-response+json or application/json",
        );
    };
    let Ok(pairs) = web::Query::<Vec<(String, String)>>::from_query(req.query_string()) else {
        return request_error(
            media,
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "the query string is malformed",
        );
    };
    let mut object = Map::new();
    for (name, value) in pairs.into_inner() {
        let value = match name.as_str() {
            "variables" | "extensions" => match json_parameter(&name, &value) {
                Ok(parsed) => parsed,
                Err((code, message)) => {
                    return request_error(media, StatusCode::BAD_REQUEST, code, &message);
                }
            },
            _ => Value::String(value),
        };
        object.insert(name, value);
    }
    let params = match params_from_json(object) {
        Ok(params) => params,
        Err(message) => {
            return request_error(
                media,
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                &message,
            );
        }
    };
    execute(&req, &state, media, params, request_id, deadline).await
}

/// A JSON-valued query parameter, its nesting bounded before it is read.
fn json_parameter(name: &str, value: &str) -> Result<Value, (ErrorCode, String)> {
    nesting::check_json(value.as_bytes())
        .map_err(|breach| (ErrorCode::QueryTooComplex, breach.message))?;
    serde_json::from_str(value).map_err(|_| {
        (
            ErrorCode::BadUserInput,
            format!("`{name}` must be URL-encoded JSON"),
        )
    })
}

pub async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, HeaderValue::from_static("GET, POST")))
        .finish()
}

/// Runs the request, with its messages for people in the language it asks for.
async fn execute(
    req: &HttpRequest,
    state: &HttpState,
    media: MediaType,
    params: Params,
    request_id: RequestId,
    deadline: Instant,
) -> HttpResponse {
    let language = language::negotiate(header(req, header::ACCEPT_LANGUAGE));
    let mut response = run(req, state, media, params, request_id, deadline, language).await;
    language::mark(response.headers_mut(), language);
    response
}

async fn run(
    req: &HttpRequest,
    state: &HttpState,
    media: MediaType,
    params: Params,
    request_id: RequestId,
    deadline: Instant,
    language: Language,
) -> HttpResponse {
    let request_id = request_id.to_string();
    // Held until the response is written: reading the session is a statement too.
    let Some(_place) = state.admission.enter(deadline).await else {
        tracing::warn!(request_id, "request timed out waiting for a place to run");
        return request_error(
            media,
            media.unavailable(),
            ErrorCode::Timeout,
            "the server is busy: the request waited too long to run",
        );
    };
    let session = match session_for(
        &state.app,
        header(req, header::AUTHORIZATION),
        request_id.clone(),
        state.proxies.client_addr(req),
    )
    .await
    {
        Ok(session) => session,
        Err(error) => {
            let status = match error.code() {
                ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
                _ => media.unavailable(),
            };
            // Not from a document: no location.
            let mut error = async_graphql::Error::from(error).into_server_error(Default::default());
            error.locations.clear();
            let error = mask_internal(error, &request_id);
            return HttpResponse::build(status)
                .content_type(media.content_type())
                .json(json!({ "errors": [error] }));
        }
    };
    let variables = params
        .variables
        .map(|variables| Variables::from_json(Value::Object(variables)))
        .unwrap_or_default();
    let document = match state.gate.admit(&params.query, &variables) {
        Ok(document) => document,
        // Nesting too deep to be read is refused like an oversized body, whatever
        // the media type.
        Err(Refusal::Nesting(breach)) => {
            return request_error(
                media,
                StatusCode::BAD_REQUEST,
                ErrorCode::QueryTooComplex,
                &breach.message,
            );
        }
        Err(refusal) => {
            let response = Response::from_errors(vec![refusal.into_server_error()]);
            return respond(media, response, None, &request_id);
        }
    };
    let operation_name = params.operation_name.as_deref();
    if req.method() == Method::GET
        && operation_type(&document, operation_name)
            .is_some_and(|kind| kind != OperationType::Query)
    {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, HeaderValue::from_static("POST")))
            .content_type(media.content_type())
            .json(
                json!({ "errors": [{ "message": "only queries may be sent with GET; use POST" }] }),
            );
    }
    let order = ResponseOrder::of(&document, operation_name, state.gate.registry());
    let mut request = Request::new(params.query)
        .variables(variables)
        .data(session)
        .data(language)
        .data(Prewritten);
    request.set_parsed_query(document);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    let response = match tokio::time::timeout_at(deadline, state.schema.execute(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(request_id, "request timed out");
            return request_error(
                media,
                media.unavailable(),
                ErrorCode::Timeout,
                "the request took too long",
            );
        }
    };
    respond(media, response, Some(&order), &request_id)
}

/// Writes a response; `order`, for a request that ran, puts its keys in the order
/// of the selection set. A request error (refused before it ran) has no `data`
/// and, under `application/graphql-response+json`, status 400.
fn respond(
    media: MediaType,
    mut response: Response,
    order: Option<&ResponseOrder>,
    request_id: &str,
) -> HttpResponse {
    let request_failed = is_request_error(&response);
    if let (Some(order), false) = (order, request_failed) {
        order.apply(&mut response.data);
    }
    let errors: Vec<ServerError> = response
        .errors
        .into_iter()
        .map(|error| with_request_id(error, request_id))
        .collect();
    let status = match (request_failed, media) {
        (true, MediaType::GraphQlResponse) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    HttpResponse::build(status)
        .content_type(media.content_type())
        .body(body(
            (!request_failed).then_some(&response.data),
            &errors,
            &response.extensions,
        ))
}

/// The response document: `data` written by [`json::write`], which copies the
/// lists planned as JSON text, then `errors` and `extensions` when there are any.
fn body(
    data: Option<&async_graphql::Value>,
    errors: &[ServerError],
    extensions: &std::collections::BTreeMap<String, async_graphql::Value>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.map_or(0, json::prewritten_len) + 4096);
    let mut separator = b'{';
    let mut member = |out: &mut Vec<u8>, name: &str| {
        out.push(separator);
        separator = b',';
        out.extend_from_slice(b"\"");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
    };
    if let Some(data) = data {
        member(&mut out, "data");
        json::write(&mut out, data);
    }
    // Serialising errors and extensions to a Vec cannot fail.
    if !errors.is_empty() {
        member(&mut out, "errors");
        let _ = serde_json::to_writer(&mut out, errors);
    }
    if !extensions.is_empty() {
        member(&mut out, "extensions");
        let _ = serde_json::to_writer(&mut out, extensions);
    }
    if out.is_empty() {
        out.push(b'{');
    }
    out.push(b'}');
    out
}

/// Every top-level error carries a code. Ours always do; the rest come from
/// async-graphql's parsing, validation and input coercion (a `Vnd` of "1e9", say)
/// and are the client's: BAD_USER_INPUT.
fn with_request_id(mut error: ServerError, request_id: &str) -> ServerError {
    let coded = error
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some());
    if !coded {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", ErrorCode::BadUserInput.as_str());
        return error;
    }
    mask_internal(error, request_id)
}

/// An INTERNAL error says only "internal error" and the request id. Its cause is
/// logged here, with the request id as a field of the event itself: the request's
/// span is at INFO, and absent from the log when only warnings and errors are on.
pub(super) fn mask_internal(error: ServerError, request_id: &str) -> ServerError {
    let internal = async_graphql::Value::from(ErrorCode::Internal.as_str());
    let code = error.extensions.as_ref().and_then(|ext| ext.get("code"));
    if code != Some(&internal) {
        return error;
    }
    match error.source::<anyhow::Error>() {
        Some(cause) => {
            tracing::error!(request_id, path = ?error.path, error = ?cause, "internal error")
        }
        None => {
            tracing::error!(request_id, path = ?error.path, error = %error.message, "internal error")
        }
    }
    let mut masked = async_graphql::Error::new("internal error")
        .extend_with(|_, ext| {
            ext.set("code", ErrorCode::Internal.as_str());
            ext.set("requestId", request_id);
        })
        .into_server_error(error.locations.first().copied().unwrap_or_default());
    masked.locations = error.locations;
    masked.path = error.path;
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_q_values_and_specificity() {
        assert_eq!(negotiate(None), Some(MediaType::Json));
        assert_eq!(negotiate(Some("*/*")), Some(MediaType::Json));
        assert_eq!(
            negotiate(Some("application/graphql-response+json")),
            Some(MediaType::GraphQlResponse)
        );
        assert_eq!(
            negotiate(Some(
                "application/json;q=0.9, application/graphql-response+json"
            )),
            Some(MediaType::GraphQlResponse)
        );
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Some(MediaType::Json)
        );
        assert_eq!(negotiate(Some("text/xml")), None);
        assert_eq!(
            negotiate(Some("application/json; charset=iso-8859-1")),
            None
        );
    }

    #[test]
    fn parameters_are_type_checked() {
        let ok = |v: Value| params_from_json(v.as_object().cloned().unwrap_or_default());
        assert!(
            ok(json!({"query": "{a}", "variables": null, "operationName": null, "extensions": {}}))
                .is_ok()
        );
        assert!(ok(json!({"query": 1})).is_err());
        assert!(ok(json!({})).is_err());
        assert!(ok(json!({"query": "{a}", "variables": "x"})).is_err());
        assert!(ok(json!({"query": "{a}", "operationName": []})).is_err());
        assert!(ok(json!({"query": "{a}", "extensions": 5})).is_err());
    }

    #[test]
    fn only_json_bodies_in_utf8() {
        assert_eq!(is_json_content_type("application/json"), Ok(true));
        assert_eq!(
            is_json_content_type("application/json; charset=UTF-8"),
            Ok(true)
        );
        assert_eq!(is_json_content_type("text/plain"), Ok(false));
        assert_eq!(
            is_json_content_type("application/x-www-form-urlencoded"),
            Ok(false)
        );
        assert_eq!(
            is_json_content_type("application/json; charset=latin1"),
            Err(())
        );
    }
}
