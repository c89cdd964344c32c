//! A change to an optional field: keep it, clear it, or set it. Updates take this
//! instead of a bare `Option`, which cannot tell "leave as it is" from "clear".

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }

    /// The new value, or `None` when the field is kept.
    pub fn change(self) -> Option<Option<T>> {
        match self {
            Patch::Keep => None,
            Patch::Clear => Some(None),
            Patch::Set(value) => Some(Some(value)),
        }
    }

    /// The field's value after the patch, given its value before.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        self.change().unwrap_or(current)
    }

    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Patch<U>, E> {
        Ok(match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(value) => Patch::Set(f(value)?),
        })
    }
}

impl<T> Patch<Option<T>> {
    /// Setting "nothing" clears.
    pub fn flatten(self) -> Patch<T> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear | Patch::Set(None) => Patch::Clear,
            Patch::Set(Some(value)) => Patch::Set(value),
        }
    }
}

/// Kept fields are left out with `#[serde(skip_serializing_if = "Patch::is_keep")]`;
/// a cleared one is `null`.
impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Keep | Patch::Clear => serializer.serialize_none(),
            Patch::Set(value) => value.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_keep_clear_or_set() {
        assert_eq!(Patch::<i32>::Keep.apply(Some(1)), Some(1));
        assert_eq!(Patch::<i32>::Clear.apply(Some(1)), None);
        assert_eq!(Patch::Set(2).apply(Some(1)), Some(2));
        assert_eq!(
            Patch::Set("7").try_map(str::parse::<i32>),
            Ok(Patch::Set(7))
        );
    }
}
