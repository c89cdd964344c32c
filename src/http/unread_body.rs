//! Middleware: the connection of a chunked request whose body was not read to the
//! end is closed after the response, as it is for a body with a `Content-Length`.
//!
//! actix closes a connection when a response leaves part of a sized body unread,
//! but it keeps reading ("draining") a chunked body whose reader is gone, for as
//! long as the client keeps sending, whatever the response said. A client that
//! trickles a chunked body would hold the connection forever, on any route. So the
//! request's body stays owned by the response until the response is sent: actix
//! then finds a body still being read, and closes.

use std::{
    cell::RefCell,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use actix_web::{
    Error, HttpMessage,
    body::{BodySize, BoxBody, EitherBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    middleware::Next,
    web::Bytes,
};
use futures_util::{Stream, StreamExt};

pub async fn close_after_response<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B, KeepsBody>>, Error> {
    if !req.chunked().unwrap_or(false) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let body = Rc::new(RefCell::new(req.take_payload()));
    req.set_payload(Payload::Stream {
        payload: Box::pin(SharedBody(body.clone())),
    });
    let response = next.call(req).await?;
    Ok(response.map_body(|_, response_body| {
        EitherBody::right(KeepsBody {
            response_body: response_body.boxed(),
            _request_body: body,
        })
    }))
}

/// The request body as the handler reads it; the middleware holds it too.
struct SharedBody(Rc<RefCell<Payload>>);

impl Stream for SharedBody {
    type Item = Result<Bytes, actix_web::error::PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.borrow_mut().poll_next_unpin(cx)
    }
}

/// A response body that keeps the request body alive until it is sent.
pub struct KeepsBody {
    response_body: BoxBody,
    _request_body: Rc<RefCell<Payload>>,
}

impl MessageBody for KeepsBody {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.response_body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().response_body).poll_next(cx)
    }
}
