//! Prometheus metrics at `/metrics`: requests by route, method and status, and their
//! durations. Every label takes a value from a fixed set, whatever clients send:
//! the route is the matched pattern or `unmatched`, the method one of the
//! standard ones or `OTHER`, the status a number below 1000.

use std::time::Instant;

use actix_web::{
    Error, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web,
};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use super::HttpState;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
    /// Subscription sockets being served.
    pub sockets: IntGauge,
    /// Sockets the server closed, by close code (a small, fixed set).
    pub socket_closes: IntCounterVec,
    /// Subscription results executed: once per shared feed, not once per socket.
    pub subscription_results: IntCounter,
    /// GraphQL requests waiting for a place to run (admission).
    pub requests_waiting: IntGauge,
    /// Notification e-mails by delivery status, across instances (from the database).
    notification_emails: IntGaugeVec,
    /// This instance's sending attempts by outcome.
    notification_attempts: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("donghanh".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )?;
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer an HTTP request",
            ),
            &["route"],
        )?;
        let sockets = IntGauge::new("websocket_sockets", "Subscription sockets being served")?;
        let socket_closes = IntCounterVec::new(
            Opts::new(
                "websocket_closes_total",
                "Subscription sockets the server closed, by close code",
            ),
            &["code"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(durations.clone()))?;
        registry.register(Box::new(sockets.clone()))?;
        registry.register(Box::new(socket_closes.clone()))?;
        let subscription_results = IntCounter::new(
            "subscription_results_total",
            "Subscription results executed (once per shared feed, not per socket)",
        )?;
        registry.register(Box::new(subscription_results.clone()))?;
        let requests_waiting = IntGauge::new(
            "graphql_requests_waiting",
            "GraphQL requests waiting for a place to run: as many run at once as the database pool has connections",
        )?;
        registry.register(Box::new(requests_waiting.clone()))?;
        let notification_emails = IntGaugeVec::new(
            Opts::new(
                "notification_emails",
                "Notification e-mails by delivery status (queued, sending, sent, failed)",
            ),
            &["status"],
        )?;
        let notification_attempts = IntCounterVec::new(
            Opts::new(
                "notification_attempts_total",
                "This instance's attempts at sending notification e-mail, by outcome",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(notification_emails.clone()))?;
        registry.register(Box::new(notification_attempts.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            durations,
            sockets,
            socket_closes,
            subscription_results,
            requests_waiting,
            notification_emails,
            notification_attempts,
        })
    }

    /// Adds a collector kept elsewhere (the GraphQL layer's own counters).
    pub fn register(
        &self,
        collector: Box<dyn prometheus::core::Collector>,
    ) -> Result<(), prometheus::Error> {
        self.registry.register(collector)
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.durations.with_label_values(&[route]).observe(seconds);
    }
}

/// Middleware: counts and times every request.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let state = req.app_data::<web::Data<HttpState>>().cloned();
    let response = next.call(req).await?;
    if let Some(state) = state {
        state.metrics.observe(
            method,
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response)
}

/// The method as a label: a client may send any token as a method, so anything
/// but the standard methods is `OTHER`.
fn method_label(method: &Method) -> &'static str {
    static STANDARD: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::PATCH,
        Method::CONNECT,
        Method::TRACE,
    ];
    STANDARD
        .iter()
        .find(|standard| *standard == method)
        .map_or("OTHER", Method::as_str)
}

/// Brings the notification figures up to date before a scrape.
async fn observe_notifications(state: &HttpState) {
    use std::sync::atomic::Ordering;

    use crate::notifications::{entity::DeliveryStatus, rules::delivery_counts};
    let metrics = &state.metrics;
    match delivery_counts(&state.app.db.read).await {
        Ok(counts) => {
            for (status, label) in [
                (DeliveryStatus::Queued, "queued"),
                (DeliveryStatus::Sending, "sending"),
                (DeliveryStatus::Sent, "sent"),
                (DeliveryStatus::Failed, "failed"),
            ] {
                let n = counts
                    .iter()
                    .find(|(found, _)| *found == status)
                    .map_or(0, |(_, n)| *n);
                metrics
                    .notification_emails
                    .with_label_values(&[label])
                    .set(n);
            }
        }
        Err(error) => tracing::warn!(%error, "counting notification e-mails"),
    }
    let counts = &state.app.notifier.counts;
    for (counter, label) in [
        (&counts.sent, "sent"),
        (&counts.retried, "retried"),
        (&counts.failed, "failed"),
    ] {
        let exported = metrics.notification_attempts.with_label_values(&[label]);
        let now = counter.load(Ordering::Relaxed);
        exported.inc_by(now.saturating_sub(exported.get()));
    }
}

pub async fn export(state: web::Data<HttpState>) -> HttpResponse {
    observe_notifications(&state).await;
    let mut buffer = Vec::new();
    match TextEncoder::new().encode(&state.metrics.registry.gather(), &mut buffer) {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(buffer),
        Err(error) => {
            tracing::error!(%error, "encoding metrics");
            HttpResponse::InternalServerError().finish()
        }
    }
}
