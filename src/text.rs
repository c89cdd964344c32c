//! Text inputs: trimmed; required ones non-empty after trimming; no control
//! characters (newline and tab allowed in long texts) and no invisible or
//! direction-changing characters; names and titles at most 200 characters,
//! purposes, reasons and notes 1,000, bodies and minutes 20,000. A breach is a
//! `userError` INVALID on that input field.
//!
//! [`Name`], [`Note`] and [`Body`] are the checked forms: a value of one of them
//! has passed these rules, so the rules layer takes them instead of strings.

use std::ops::Deref;

use serde::Serialize;

use crate::error::{UserError, UserErrorCode};

/// Characters that print nothing or change the direction of the text around
/// them: zero-width spaces and joiners, direction marks, embeddings, overrides
/// and isolates, line and paragraph separators, the byte-order mark. In a name
/// they hide what it says (a name of nothing but them looks empty; an override
/// shows `gpj.exe` as `exe.jpg`), and no name needs one.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{061C}'
            | '\u{FEFF}'
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Names, titles, codes, references: one line, 200 characters.
    Name,
    /// Purposes, reasons, notes: 1,000 characters, newlines allowed.
    Note,
    /// Bodies and minutes: 20,000 characters, newlines allowed.
    Body,
}

impl TextKind {
    pub fn max_chars(self) -> usize {
        match self {
            TextKind::Name => 200,
            TextKind::Note => 1_000,
            TextKind::Body => 20_000,
        }
    }

    fn allows(self, c: char) -> bool {
        !c.is_control() || (self != TextKind::Name && (c == '\n' || c == '\t'))
    }
}

fn checked(field: &str, trimmed: &str, kind: TextKind) -> Result<String, UserError> {
    if let Some(bad) = trimmed.chars().find(|&c| !kind.allows(c)) {
        return Err(UserError::at(
            field,
            UserErrorCode::Invalid,
            crate::msg!(
                "chứa ký tự điều khiển (U+{:04X})",
                "contains a control character (U+{:04X})",
                bad as u32
            ),
        ));
    }
    if let Some(bad) = trimmed.chars().find(|&c| is_invisible(c)) {
        return Err(UserError::at(
            field,
            UserErrorCode::Invalid,
            crate::msg!(
                "chứa ký tự ẩn hoặc ký tự đổi hướng chữ (U+{:04X})",
                "contains an invisible or direction-changing character (U+{:04X})",
                bad as u32
            ),
        ));
    }
    let count = trimmed.chars().count();
    if count > kind.max_chars() {
        return Err(UserError::at(
            field,
            UserErrorCode::Invalid,
            crate::msg!(
                "dài {count} ký tự; tối đa {} ký tự",
                "is {count} characters long; at most {} are allowed",
                kind.max_chars()
            ),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A required text: trimmed, non-empty, within its limits.
pub fn required(field: &str, raw: &str, kind: TextKind) -> Result<String, UserError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(UserError::at(
            field,
            UserErrorCode::Invalid,
            crate::msg!("không được để trống", "must not be empty"),
        ));
    }
    checked(field, trimmed, kind)
}

/// An optional text: trimmed; empty means absent.
pub fn optional(
    field: &str,
    raw: Option<&str>,
    kind: TextKind,
) -> Result<Option<String>, UserError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(trimmed) => checked(field, trimmed, kind).map(Some),
    }
}

macro_rules! checked_text {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A required text of this kind, or INVALID on `field`.
            pub fn parse(field: &str, raw: &str) -> Result<$name, UserError> {
                required(field, raw, $kind).map($name)
            }

            /// An optional text of this kind: absent or blank is `None`.
            pub fn parse_optional(field: &str, raw: Option<&str>) -> Result<Option<$name>, UserError> {
                Ok(optional(field, raw, $kind)?.map($name))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(text: $name) -> String {
                text.0
            }
        }
    };
}

checked_text!(
    /// A name, title, code or reference: one line, at most 200 characters.
    Name,
    TextKind::Name
);
checked_text!(
    /// A purpose, reason or note: at most 1,000 characters, newlines allowed.
    Note,
    TextKind::Note
);
checked_text!(
    /// A body or minutes: at most 20,000 characters, newlines allowed.
    Body,
    TextKind::Body
);

/// The search form of a text: lower case, Vietnamese diacritics removed, `đ` as
/// `d`, runs of whitespace as one space. Stored beside names and applied to search
/// input, so `dong son` finds `Đông Sơn` on every engine.
///
/// Recomposed (NFC) once the marks are gone, so a letter that decomposes into
/// several letters (a Hangul syllable into its jamo) stays one character: the
/// folded text is no longer than the text, and fits the column beside it.
pub fn fold(text: &str) -> String {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    let stripped: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .nfc()
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A `LIKE` pattern matching `needle` anywhere, with `%`, `_` and `\` in it taken
/// literally (the query says `ESCAPE '\'`). Quotes need nothing: values are bound.
pub fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// An e-mail address: trimmed, lower-cased, one `@` between a local part and a
/// dotted domain, no spaces, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Email, UserError> {
        let email = raw.trim().to_lowercase();
        let invalid = || {
            UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!("không phải địa chỉ e-mail", "is not an e-mail address"),
            )
        };
        if email.len() > 254
            || email
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
        {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Text made safe inside HTML elements and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_limits() {
        assert_eq!(
            required("name", "  Sở Tài chính  ", TextKind::Name),
            Ok("Sở Tài chính".into())
        );
        assert_eq!(
            required("name", "   ", TextKind::Name).unwrap_err().code,
            UserErrorCode::Invalid
        );
        assert!(required("name", &"x".repeat(200), TextKind::Name).is_ok());
        assert!(required("name", &"ư".repeat(201), TextKind::Name).is_err());
        assert!(required("name", "a\u{0}b", TextKind::Name).is_err());
        assert!(required("name", "a\nb", TextKind::Name).is_err());
        assert_eq!(
            required("body", "a\n\tb", TextKind::Body),
            Ok("a\n\tb".into())
        );
        assert_eq!(optional("sector", Some("  "), TextKind::Name), Ok(None));
        assert_eq!(optional("sector", None, TextKind::Name), Ok(None));
    }

    #[test]
    fn invisible_and_direction_changing_characters_are_refused() {
        for bad in [
            "\u{200B}", "\u{200C}", "\u{200D}", "\u{200E}", "\u{200F}", "\u{202A}", "\u{202B}",
            "\u{202C}", "\u{202D}", "\u{202E}", "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{2066}",
            "\u{2069}", "\u{2060}",
        ] {
            // Alone (where trimming would once leave it as a "non-empty" name) and
            // inside a name.
            assert!(required("name", bad, TextKind::Name).is_err(), "{bad:?}");
            let inside = format!("Sở{bad}Tài chính");
            let error = required("name", &inside, TextKind::Note).unwrap_err();
            assert_eq!(error.code, UserErrorCode::Invalid);
            assert!(Name::parse("name", &inside).is_err());
        }
        assert_eq!(
            Name::parse("name", " Sở Tài chính ").map(Name::into_inner),
            Ok("Sở Tài chính".into())
        );
    }

    #[test]
    fn folding_ignores_case_and_vietnamese_diacritics() {
        assert_eq!(fold("Đông Sơn"), "dong son");
        assert_eq!(fold("  HÒA   Bình "), "hoa binh");
        assert_eq!(fold("Ninh Bình"), fold("ninh binh"));
        assert_eq!(fold("Nguyễn Thị Định"), "nguyen thi dinh");
        assert_eq!(fold("Phường Đồng Xuân"), "phuong dong xuan");
    }

    #[test]
    fn folding_never_lengthens_a_name() {
        assert_eq!(fold("Công ty 삼성 Việt Nam"), "cong ty 삼성 viet nam");
        assert_eq!(fold("İSTANBUL"), "istanbul");
        for name in ["한".repeat(200), "Ữ".repeat(200), "İ".repeat(200)] {
            assert!(
                fold(&name).chars().count() <= name.chars().count(),
                "{name}"
            );
        }
    }

    #[test]
    fn patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(contains_pattern("o'brien"), "%o'brien%");
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("email", " An@Example.VN ").map(Email::into_inner),
            Ok("an@example.vn".into())
        );
        for bad in [
            "",
            "a",
            "a@b",
            "@b.vn",
            "a@@b.vn",
            "a b@c.vn",
            "a@b..vn",
            "a@.vn",
            "a\u{200B}@b.vn",
            "a@b.vn\u{0}",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
    }
}
