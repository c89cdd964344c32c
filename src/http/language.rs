//! The language of a response's messages for people (a `userError`'s `message`):
//! Vietnamese, the programme's language, unless the request's `Accept-Language`
//! (RFC 9110 §12.5.4) prefers English. Codes never change with the language.

use actix_web::http::header::{self, HeaderMap, HeaderValue};

use crate::error::Language;

/// The best of the languages we speak for an `Accept-Language` value: the highest
/// quality among the ranges naming Vietnamese or English (the first on a tie);
/// Vietnamese when none does, or for `*`.
pub fn negotiate(accept_language: Option<&str>) -> Language {
    let mut best: Option<(Language, u16)> = None;
    for range in accept_language.unwrap_or_default().split(',') {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let Some(quality) = quality(parts) else {
            continue;
        };
        let primary = tag.split('-').next().unwrap_or_default();
        let language = if primary.eq_ignore_ascii_case("vi") || tag == "*" {
            Language::Vietnamese
        } else if primary.eq_ignore_ascii_case("en") {
            Language::English
        } else {
            continue;
        };
        if quality > 0 && best.is_none_or(|(_, q)| quality > q) {
            best = Some((language, quality));
        }
    }
    best.map(|(language, _)| language).unwrap_or_default()
}

/// A range's weight in thousandths (`q=0.5` is 500; absent is 1000); `None` when
/// malformed, so the range is ignored.
fn quality<'a>(parameters: impl Iterator<Item = &'a str>) -> Option<u16> {
    let mut quality = 1000;
    for parameter in parameters {
        let (name, value) = parameter.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("q") {
            continue;
        }
        let value = value.trim();
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        if !matches!(whole, "0" | "1")
            || fraction.len() > 3
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
        quality = match whole {
            "0" => thousandths,
            _ if thousandths == 0 => 1000,
            _ => return None,
        };
    }
    Some(quality)
}

/// Says which language the response is in, and that it depends on the header.
pub fn mark(headers: &mut HeaderMap, language: Language) {
    let tag = match language {
        Language::Vietnamese => "vi",
        Language::English => "en",
    };
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(tag));
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_unless_english_is_preferred() {
        use Language::{English, Vietnamese};
        for (header, expected) in [
            (None, Vietnamese),
            (Some(""), Vietnamese),
            (Some("vi"), Vietnamese),
            (Some("vi-VN,vi;q=0.9"), Vietnamese),
            (Some("en"), English),
            (Some("EN-us"), English),
            (Some("en-GB,en;q=0.9,vi;q=0.8"), English),
            (Some("vi;q=0.5, en;q=0.8"), English),
            (Some("en;q=0.5, vi;q=0.5"), English),
            (Some("fr-FR, en;q=0.3"), English),
            (Some("fr, de"), Vietnamese),
            (Some("*"), Vietnamese),
            (Some("en;q=0"), Vietnamese),
            (Some("en;q=0.000, vi;q=0.001"), Vietnamese),
            (Some("en;q=1.0"), English),
            (Some("en;q=2"), Vietnamese),
            (Some("en;q=0.1234"), Vietnamese),
            (Some("en;q=abc"), Vietnamese),
            (Some("en;level=1;q=0.7"), English),
            (Some("english"), Vietnamese),
            (Some(";;;,,,=,"), Vietnamese),
        ] {
            assert_eq!(negotiate(header), expected, "{header:?}");
        }
    }
}
