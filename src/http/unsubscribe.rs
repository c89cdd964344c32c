//! The unsubscribe page that notification e-mail links to: no sign-in, a signed
//! token in the address. A GET (a person clicking the link, or a mail scanner
//! fetching it) changes nothing: it shows what the link does and a button. The
//! POST (that button, or a mail client's RFC 8058 one-click request,
//! `List-Unsubscribe=One-Click`) turns off e-mail for the token's account and
//! category; doing it twice is harmless. The page runs under its own
//! Content-Security-Policy, which admits its one form and nothing else.

use actix_web::{
    HttpResponse,
    http::{StatusCode, header},
    web,
};
use serde::Deserialize;

use super::HttpState;
use crate::{notifications::rules, text::escape_html as escape};

/// No script, style or image; the form may post back here only.
const POLICY: &str =
    "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

#[derive(Deserialize)]
pub struct Params {
    token: Option<String>,
}

fn page(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(format!(
            "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>",
            title = escape(title),
        ))
}

fn invalid() -> HttpResponse {
    page(
        StatusCode::BAD_REQUEST,
        "Liên kết không hợp lệ",
        "<p>Liên kết hủy đăng ký này không hợp lệ hoặc đã hết hiệu lực.</p>",
    )
}

/// GET: what the link does, and the button that does it.
pub async fn confirm(state: web::Data<HttpState>, params: web::Query<Params>) -> HttpResponse {
    let token = params.token.as_deref().unwrap_or_default();
    let Some(unsubscribe) = state.app.notifier.signer.verify(token) else {
        return invalid();
    };
    page(
        StatusCode::OK,
        "Hủy nhận thư thông báo",
        &format!(
            "<p>Ngừng gửi thư điện tử về {category} đến tài khoản này? Thông báo vẫn hiển thị trong ứng dụng Đồng Hành.</p>\
             <form method=\"post\" action=\"?token={token}\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
             <button type=\"submit\">Hủy nhận thư</button></form>",
            category = escape(unsubscribe.category.label()),
            token = escape(token),
        ),
    )
}

/// POST: turns the e-mail off.
pub async fn unsubscribe(state: web::Data<HttpState>, params: web::Query<Params>) -> HttpResponse {
    let token = params.token.as_deref().unwrap_or_default();
    match rules::unsubscribe(&state.app, token).await {
        Ok(Some(done)) => page(
            StatusCode::OK,
            "Đã hủy đăng ký",
            &format!(
                "<p>Bạn sẽ không nhận thư điện tử về {} nữa. Thông báo vẫn hiển thị trong ứng dụng Đồng Hành; bạn có thể bật lại thư trong phần cài đặt thông báo.</p>",
                escape(done.category.label())
            ),
        ),
        Ok(None) => invalid(),
        Err(error) => {
            tracing::error!(%error, "unsubscribing");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Tạm thời không thực hiện được",
                "<p>Xin thử lại sau ít phút.</p>",
            )
        }
    }
}
