//! The lists' text conditions live in the domain ([`crate::filters`]); re-exported
//! here for the resolvers that build theirs.

pub use crate::filters::{equals_condition, matches_nothing, search_condition};
