//! Downloads: `GET /exports/<list>.csv` and `.xlsx` (the lists of
//! [`crate::reports::exports`]), `GET /exports/report.xlsx?from=&to=` and the
//! printable `GET /reports/programme?from=&to=` (the programme report).
//!
//! Authorised like the API: no `Authorization` header is anonymous, a header
//! without a valid bearer token is 401; a list the viewer may not have is 401 when
//! anonymous and 403 when signed in. Bad parameters are 400 with a message that
//! says what is wrong. Errors are JSON in the shape of GraphQL's
//! (`{"errors":[{"message", "extensions":{"code"}}]}`).
//!
//! CSV streams: rows are read a keyset page at a time and each page is written
//! out before the next is read, so memory stays flat whatever the row count.
//! XLSX is built whole, so it is capped at [`XLSX_MAX_ROWS`] rows, counted by the
//! database before anything is read.

mod csv;
mod params;
mod report;
mod xlsx;

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web::{self, Bytes},
};
use futures_util::{StreamExt, stream};
use serde_json::json;
use tracing_actix_web::RequestId;

use super::{HttpState, session_for};
use crate::{
    auth::Session,
    error::{ApiError, ErrorCode},
    reports::exports::{Export, Page},
};

pub use report::{report_page, report_xlsx};

/// Rows read per page.
const PAGE_ROWS: u64 = 1_000;
/// The most rows an XLSX download may have.
pub const XLSX_MAX_ROWS: u64 = 200_000;

/// A refused download: its status, code and message.
pub struct Refused(StatusCode, ErrorCode, String);

impl Refused {
    fn bad(message: impl Into<String>) -> Refused {
        Refused(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            message.into(),
        )
    }

    fn response(self) -> HttpResponse {
        let Refused(status, code, message) = self;
        HttpResponse::build(status)
            .content_type("application/json; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] }))
    }
}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Refused {
        let status = match error.code() {
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if let ApiError::Internal(source) = &error {
            tracing::error!(error = ?source, "export failed");
        }
        Refused(status, error.code(), error.to_string())
    }
}

impl From<sea_orm::DbErr> for Refused {
    fn from(error: sea_orm::DbErr) -> Refused {
        ApiError::from(error).into()
    }
}

/// The request's session, as the GraphQL handler builds it.
async fn session(
    req: &HttpRequest,
    state: &HttpState,
    request_id: RequestId,
) -> Result<Session, Refused> {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or_default());
    Ok(session_for(
        &state.app,
        authorization,
        request_id.to_string(),
        req.peer_addr().map(|a| a.ip()),
    )
    .await?)
}

/// A file to download, with its name (ASCII) and media type.
fn attachment(content_type: &str, file_name: &str) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    response
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `GET /exports/{file}`: a list as CSV or XLSX.
pub async fn download(
    req: HttpRequest,
    file: web::Path<String>,
    state: web::Data<HttpState>,
    request_id: RequestId,
) -> HttpResponse {
    match serve(&req, &file, &state, request_id).await {
        Ok(response) => response,
        Err(refused) => refused.response(),
    }
}

async fn serve(
    req: &HttpRequest,
    file: &str,
    state: &web::Data<HttpState>,
    request_id: RequestId,
) -> Result<HttpResponse, Refused> {
    let (name, format) = file.rsplit_once('.').ok_or_else(|| {
        Refused::bad("name the file with its format: /exports/<list>.csv or .xlsx")
    })?;
    if format != "csv" && format != "xlsx" {
        return Err(Refused::bad(format!(
            "`.{format}` is not a format: use .csv or .xlsx"
        )));
    }
    let session = session(req, state, request_id).await?;
    let query = params::Params::parse(req.query_string()).map_err(Refused::bad)?;
    let list = params::list(name, &query).map_err(Refused::bad)?;
    let app = &state.app;
    let export = Export::new(list, session.viewer, app.clock.today(), app.clock.zone())?;
    if format == "csv" {
        csv_response(state, export).await
    } else {
        xlsx_response(state, export).await
    }
}

/// Streams the CSV: the first page is read before the response starts, so a
/// database that is away is a 503, not a truncated file; a failure later cuts the
/// download short (and is logged).
async fn csv_response(
    state: &web::Data<HttpState>,
    export: Export,
) -> Result<HttpResponse, Refused> {
    let first = export.page(&state.app.db.read, None, PAGE_ROWS).await?;
    let header = csv::header(export.list.columns());
    let file_name = format!("{}.csv", export.list.file_stem());
    let app = state.app.clone();
    let pages = stream::try_unfold(Some(first), move |pending: Option<Page>| {
        let app = app.clone();
        let export = export.clone();
        async move {
            let Some(page) = pending else {
                return Ok::<_, std::io::Error>(None);
            };
            let mut chunk = String::with_capacity(page.rows.len() * 160);
            for row in &page.rows {
                csv::row(&mut chunk, row);
            }
            let next = match page.next {
                Some(after) => Some(
                    export
                        .page(&app.db.read, Some(after), PAGE_ROWS)
                        .await
                        .map_err(|error| {
                            tracing::error!(%error, "an export stopped part-way");
                            std::io::Error::other("the export stopped part-way")
                        })?,
                ),
                None => None,
            };
            Ok(Some((Bytes::from(chunk), next)))
        }
    });
    let body = stream::once(async move { Ok(Bytes::from(header)) }).chain(pages);
    Ok(attachment("text/csv; charset=utf-8", &file_name).streaming(body))
}

async fn xlsx_response(
    state: &web::Data<HttpState>,
    export: Export,
) -> Result<HttpResponse, Refused> {
    let db = &state.app.db.read;
    let rows = export.count(db).await?;
    if rows > XLSX_MAX_ROWS {
        return Err(Refused::bad(format!(
            "this list has {rows} rows; an XLSX download holds at most {XLSX_MAX_ROWS}: narrow it with filters, or download the CSV, which has no limit"
        )));
    }
    let formats = xlsx::Formats::new();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let failed = |error: rust_xlsxwriter::XlsxError| {
        Refused::from(ApiError::internal(anyhow::anyhow!("writing XLSX: {error}")))
    };
    {
        let mut sheet = xlsx::Sheet::start(
            workbook.add_worksheet(),
            &formats,
            export.list.title(),
            export.list.columns(),
        )
        .map_err(failed)?;
        let mut after = None;
        loop {
            let page = export.page(db, after, PAGE_ROWS).await?;
            for row in &page.rows {
                sheet.row(row).map_err(failed)?;
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        sheet.finish().map_err(failed)?;
    }
    let bytes = workbook.save_to_buffer().map_err(failed)?;
    let file_name = format!("{}.xlsx", export.list.file_stem());
    Ok(attachment(XLSX, &file_name).body(bytes))
}
