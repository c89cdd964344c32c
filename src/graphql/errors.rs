//! Error policy. Domain rules return [`MutationError`]: either a business-rule
//! failure ([`UserError`], reported in the payload's `userErrors`) or an
//! [`ApiError`], reported as a top-level GraphQL error with `extensions.code`.
//! Database and unexpected errors are logged in full by the HTTP layer (the log
//! line carries the request id) and reach the client only as "internal error". The
//! `custom-error-conversion` feature of async-graphql is on, so nothing converts to
//! a client-visible error except through `From<ApiError>` below.

use async_graphql::{Enum, ErrorExtensions, SimpleObject};
use sea_orm::DbErr;

/// Machine-readable codes of top-level errors (`extensions.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    BadUserInput,
    QueryTooComplex,
    RateLimited,
    DatabaseUnavailable,
    Timeout,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::DatabaseUnavailable => "DATABASE_UNAVAILABLE",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// A top-level error.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("not allowed")]
    Forbidden,
    #[error("{0}")]
    BadUserInput(String),
    #[error("too many failed sign-in attempts; try again later")]
    RateLimited,
    #[error("the database is unavailable; try again shortly")]
    DatabaseUnavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::BadUserInput(_) => ErrorCode::BadUserInput,
            ApiError::RateLimited => ErrorCode::RateLimited,
            ApiError::DatabaseUnavailable => ErrorCode::DatabaseUnavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> ApiError {
        ApiError::Internal(error.into())
    }

    /// FORBIDDEN for a signed-in viewer, UNAUTHENTICATED for an anonymous one.
    pub fn denied(signed_in: bool) -> ApiError {
        if signed_in {
            ApiError::Forbidden
        } else {
            ApiError::Unauthenticated("sign in first")
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(error: DbErr) -> Self {
        if crate::db::is_unavailable(&error) {
            tracing::warn!(error = %error, "database unavailable");
            ApiError::DatabaseUnavailable
        } else {
            ApiError::Internal(error.into())
        }
    }
}

/// An INTERNAL error keeps its cause as the error's source: the HTTP layer logs
/// it with the request id when it masks the error for the client.
impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        let code = error.code().as_str();
        let mut converted = async_graphql::Error::new(error.to_string());
        if let ApiError::Internal(source) = error {
            converted.source = Some(std::sync::Arc::new(source));
        }
        converted.extend_with(|_, ext| ext.set("code", code))
    }
}

/// Machine-readable reason of a `UserError`.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserErrorCode {
    /// The input breaks a rule: wrong format, out of range, too long, empty.
    Invalid,
    /// A referenced object does not exist or is not visible to the viewer.
    NotFound,
    /// A value that must be unique is already in use.
    Taken,
    /// The object changed since the viewer read it, or clashes with another.
    Conflict,
    /// The object's lifecycle does not allow this move from its current state.
    InvalidTransition,
    /// A limit would be exceeded (capacity, the pledged amount).
    LimitExceeded,
}

/// A business-rule failure of a mutation. Top-level errors are for requests that
/// are malformed, unauthenticated or forbidden.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct UserError {
    /// Path to the offending input field, e.g. ["input", "taxCode"].
    pub field: Option<Vec<String>>,
    pub message: String,
    pub code: UserErrorCode,
}

impl UserError {
    /// A failure of the input field `input.<name>`.
    pub fn at(name: &str, code: UserErrorCode, message: impl Into<String>) -> UserError {
        UserError {
            field: Some(vec!["input".to_owned(), name.to_owned()]),
            message: message.into(),
            code,
        }
    }

    /// A failure of the input as a whole.
    pub fn general(code: UserErrorCode, message: impl Into<String>) -> UserError {
        UserError {
            field: None,
            message: message.into(),
            code,
        }
    }
}

/// What a domain rule may fail with.
#[derive(Debug, thiserror::Error)]
pub enum MutationError {
    #[error("{}", .0.message)]
    User(UserError),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<UserError> for MutationError {
    fn from(error: UserError) -> Self {
        MutationError::User(error)
    }
}

impl From<DbErr> for MutationError {
    fn from(error: DbErr) -> Self {
        MutationError::Api(error.into())
    }
}

/// Splits a rule's outcome into the payload's `userErrors` and top-level errors.
pub fn payload<T>(
    outcome: Result<T, MutationError>,
) -> async_graphql::Result<Result<T, Vec<UserError>>> {
    match outcome {
        Ok(value) => Ok(Ok(value)),
        Err(MutationError::User(error)) => Ok(Err(vec![error])),
        Err(MutationError::Api(error)) => Err(error.into()),
    }
}

/// A mutation's payload: the changed object, or the user errors.
pub trait Payload: Default {
    type Changed;
    fn changed(changed: Self::Changed) -> Self;
    fn failed(user_errors: Vec<UserError>) -> Self;
}

/// Turns a rule's outcome into the mutation's payload, or a top-level error.
pub fn respond<P: Payload>(outcome: Result<P::Changed, MutationError>) -> async_graphql::Result<P> {
    Ok(match payload(outcome)? {
        Ok(changed) => P::changed(changed),
        Err(user_errors) => P::failed(user_errors),
    })
}

/// Implements [`Payload`] for a payload with one changed object:
/// `payload!(CreateCommunePayload { commune: Commune })`.
#[macro_export]
macro_rules! payload {
    ($payload:ident { $field:ident: $node:ty }) => {
        impl $crate::graphql::errors::Payload for $payload {
            type Changed = $node;

            fn changed(node: $node) -> Self {
                $payload {
                    $field: Some(node),
                    ..Default::default()
                }
            }

            fn failed(user_errors: Vec<$crate::graphql::errors::UserError>) -> Self {
                $payload {
                    user_errors,
                    ..Default::default()
                }
            }
        }
    };
}

/// A unique-constraint violation, for turning a lost race into `TAKEN`.
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
