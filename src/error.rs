//! The errors the domain returns. A rule fails with a [`MutationError`]: either a
//! business-rule failure ([`UserError`], which a mutation reports in its payload's
//! `userErrors`) or an [`ApiError`], a failure of the request as a whole (not signed
//! in, not allowed, malformed, rate-limited, the database away, a bug). Nothing here
//! knows how an API presents them: the GraphQL layer converts them, and is the only
//! place that does. Database and unexpected errors are logged in full where they are
//! converted and reach a client only as "internal error".

use sea_orm::DbErr;

/// Machine-readable codes of request-level errors (`extensions.code`).
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

/// A failure of the request as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("not allowed")]
    Forbidden,
    #[error("{0}")]
    BadUserInput(String),
    #[error("too many attempts; try again later")]
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

/// Machine-readable reason of a [`UserError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// A language the API speaks to people in. Vietnamese is the programme's language
/// and the default; English is for everyone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    Vietnamese,
    English,
}

/// A message for a person to read, in every [`Language`] the API speaks. Built
/// only by [`msg!`](crate::msg), which takes the Vietnamese and the English text,
/// so a message in one language only does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    vietnamese: String,
    english: String,
}

impl Message {
    #[doc(hidden)]
    pub fn new(vietnamese: String, english: String) -> Message {
        Message {
            vietnamese,
            english,
        }
    }

    /// This message followed by `more`, in each language.
    pub fn then(self, more: Message) -> Message {
        Message {
            vietnamese: self.vietnamese + &more.vietnamese,
            english: self.english + &more.english,
        }
    }

    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Vietnamese => &self.vietnamese,
            Language::English => &self.english,
        }
    }
}

/// The message in the programme's language, for logs and the command line.
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.vietnamese)
    }
}

/// A [`Message`] in Vietnamese and in English, each a format string over the same
/// arguments: `msg!("không tìm thấy xã", "no such commune")`,
/// `msg!("dài {count} ký tự", "is {count} characters long")`.
#[macro_export]
macro_rules! msg {
    ($vietnamese:literal, $english:literal $(,)?) => {
        $crate::error::Message::new(format!($vietnamese), format!($english))
    };
    ($vietnamese:literal, $english:literal, $($argument:tt)+) => {
        $crate::error::Message::new(
            format!($vietnamese, $($argument)+),
            format!($english, $($argument)+),
        )
    };
}

/// A business-rule failure of a mutation, on one input field or on the input as a
/// whole. Requests that are malformed, unauthenticated or forbidden fail with an
/// [`ApiError`] instead.
#[derive(Debug, Clone, PartialEq)]
pub struct UserError {
    /// Path to the offending input field, e.g. ["input", "taxCode"].
    pub field: Option<Vec<String>>,
    pub message: Message,
    pub code: UserErrorCode,
}

impl UserError {
    /// A failure of the input field `input.<name>`.
    pub fn at(name: &str, code: UserErrorCode, message: Message) -> UserError {
        UserError {
            field: Some(vec!["input".to_owned(), name.to_owned()]),
            message,
            code,
        }
    }

    /// A failure of the input as a whole.
    pub fn general(code: UserErrorCode, message: Message) -> UserError {
        UserError {
            field: None,
            message,
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

/// Turns the violation of the database constraint `name` into `error`; any other
/// database error keeps its meaning. The database is the one judge of uniqueness,
/// so a plain duplicate and a lost race take the same path:
/// `insert(..).await.map_err(on_constraint("communes_code_key", taken))?`.
pub fn on_constraint(name: &'static str, error: UserError) -> impl FnOnce(DbErr) -> MutationError {
    move |db_error| {
        if violates(&db_error, name) {
            MutationError::User(error)
        } else {
            db_error.into()
        }
    }
}

/// Whether `error` is a violation of the unique constraint `name`.
pub fn violates(error: &DbErr, name: &str) -> bool {
    use sea_orm::{RuntimeErr, sqlx::error::ErrorKind};
    let (DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error))) =
        error
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(error) = &**error else {
        return false;
    };
    if error.kind() != ErrorKind::UniqueViolation {
        return false;
    }
    // PostgreSQL names the constraint; SQLite lists the columns instead.
    if let Some(constraint) = error.constraint() {
        return constraint == name;
    }
    migration::constraints::unique(name).is_some_and(|unique| {
        error.message().strip_prefix("UNIQUE constraint failed: ")
            == Some(unique.sqlite_columns().as_str())
    })
}
