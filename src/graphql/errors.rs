//! How the domain's errors ([`crate::error`]) reach a GraphQL client: a
//! [`UserError`] in the payload's `userErrors`, an [`ApiError`] as a top-level
//! error with `extensions.code`. Database and unexpected errors are logged in full
//! by the HTTP layer (the log line carries the request id) and reach the client only
//! as "internal error". The `custom-error-conversion` feature of async-graphql is on, so nothing
//! converts to a client-visible error except through `From<ApiError>` below.

use async_graphql::{Context, Enum, ErrorExtensions, Object};

use crate::error::{ApiError, Language, MutationError, UserError};

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
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "UserErrorCode", remote = "crate::error::UserErrorCode")]
enum UserErrorCodeValue {
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
#[Object]
impl UserError {
    /// Path to the offending input field, e.g. ["input", "taxCode"].
    async fn field(&self) -> Option<&[String]> {
        self.field.as_deref()
    }

    /// What is wrong, for a person to read: in Vietnamese, or in English when the
    /// request's `Accept-Language` prefers it.
    async fn message(&self, ctx: &Context<'_>) -> &str {
        self.message
            .get(ctx.data_opt::<Language>().copied().unwrap_or_default())
    }

    /// What is wrong, for a program: it never changes with the message's language.
    async fn code(&self) -> UserErrorCodeValue {
        self.code.into()
    }
}

/// Splits a rule's outcome into the payload's `userErrors` and top-level errors.
fn payload<T>(
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

/// Implements [`Payload`] for a payload of one changed object,
/// `payload!(CreateCommunePayload { commune: Commune })`, or of several, changed
/// together as a tuple: `payload!(LoginPayload { token: String, viewer: Account })`.
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

            fn failed(user_errors: Vec<$crate::error::UserError>) -> Self {
                $payload {
                    user_errors,
                    ..Default::default()
                }
            }
        }
    };
    ($payload:ident { $($field:ident: $node:ty),+ $(,)? }) => {
        impl $crate::graphql::errors::Payload for $payload {
            type Changed = ($($node,)+);

            fn changed(($($field,)+): Self::Changed) -> Self {
                $payload {
                    $($field: Some($field),)+
                    ..Default::default()
                }
            }

            fn failed(user_errors: Vec<$crate::error::UserError>) -> Self {
                $payload {
                    user_errors,
                    ..Default::default()
                }
            }
        }
    };
}
