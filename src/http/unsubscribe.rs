//! The one-click unsubscribe page that notification e-mail links to: no sign-in,
//! a signed token in the address. GET (a person clicking the link) and POST (a
//! mail client's RFC 8058 one-click request, `List-Unsubscribe=One-Click`) both
//! turn off e-mail for the token's account and category; doing it twice is harmless.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::HttpState;
use crate::notifications::{message::escape, rules};

#[derive(Deserialize)]
pub struct Params {
    token: Option<String>,
}

fn page(status: actix_web::http::StatusCode, title: &str, text: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{}</title></head><body><h1>{}</h1><p>{}</p></body></html>",
            escape(title),
            escape(title),
            escape(text)
        ))
}

pub async fn unsubscribe(state: web::Data<HttpState>, params: web::Query<Params>) -> HttpResponse {
    use actix_web::http::StatusCode;
    let token = params.token.as_deref().unwrap_or_default();
    match rules::unsubscribe(&state.app, token).await {
        Ok(Some(done)) => page(
            StatusCode::OK,
            "Đã hủy đăng ký",
            &format!(
                "Bạn sẽ không nhận thư điện tử về {} nữa. Thông báo vẫn hiển thị trong ứng dụng Đồng Hành; bạn có thể bật lại thư trong phần cài đặt thông báo.",
                done.category.label()
            ),
        ),
        Ok(None) => page(
            StatusCode::BAD_REQUEST,
            "Liên kết không hợp lệ",
            "Liên kết hủy đăng ký này không hợp lệ hoặc đã hết hiệu lực.",
        ),
        Err(error) => {
            tracing::error!(%error, "unsubscribing");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Tạm thời không thực hiện được",
                "Xin thử lại sau ít phút.",
            )
        }
    }
}
