//! Vietnamese tax codes (mã số thuế). Spaces, dots and dashes are stripped; then 10
//! digits, or 13 for a branch (the parent's 10 and a 3-digit suffix). Digits 3–9
//! may not all be zero, a branch suffix may not be `000`, and the tenth digit is a
//! check digit: with weights 31, 29, 23, 19, 17, 13, 7, 5, 3 over the first nine,
//! it equals 10 − (sum mod 11), and a result of 10 is never valid. Shown as
//! `NNNNNNNNNN` or `NNNNNNNNNN-NNN`.

use std::fmt;

use crate::error::Message;

const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// A valid, normalised tax code. The only way to get one is [`TaxCode::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaxCode(String);

/// Why a text is not a tax code (its [`TaxCodeError::message`] says it to a person).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxCodeError {
    #[error("a tax code has 10 digits, or 13 for a branch")]
    Length,
    #[error("a tax code holds only digits (spaces, dots and dashes are ignored)")]
    NotDigits,
    #[error("digits 3 to 9 of a tax code cannot all be zero")]
    ZeroSerial,
    #[error("a branch suffix cannot be 000")]
    ZeroBranch,
    #[error("the check digit does not match")]
    CheckDigit,
}

impl TaxCodeError {
    pub fn message(&self) -> Message {
        match self {
            TaxCodeError::Length => crate::msg!(
                "mã số thuế có 10 chữ số, hoặc 13 chữ số với chi nhánh",
                "a tax code has 10 digits, or 13 for a branch"
            ),
            TaxCodeError::NotDigits => crate::msg!(
                "mã số thuế chỉ gồm chữ số (bỏ qua dấu cách, dấu chấm và gạch ngang)",
                "a tax code holds only digits (spaces, dots and dashes are ignored)"
            ),
            TaxCodeError::ZeroSerial => crate::msg!(
                "chữ số thứ 3 đến 9 của mã số thuế không được đều bằng 0",
                "digits 3 to 9 of a tax code cannot all be zero"
            ),
            TaxCodeError::ZeroBranch => crate::msg!(
                "mã chi nhánh không được là 000",
                "a branch suffix cannot be 000"
            ),
            TaxCodeError::CheckDigit => crate::msg!(
                "chữ số kiểm tra không khớp",
                "the check digit does not match"
            ),
        }
    }
}

impl serde::Serialize for TaxCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl TaxCode {
    pub fn parse(raw: &str) -> Result<TaxCode, TaxCodeError> {
        let mut digits = Vec::with_capacity(13);
        for c in raw.chars() {
            match c {
                ' ' | '.' | '-' => {}
                '0'..='9' => digits.push(c as u32 - '0' as u32),
                _ => return Err(TaxCodeError::NotDigits),
            }
        }
        if digits.len() != 10 && digits.len() != 13 {
            return Err(TaxCodeError::Length);
        }
        if digits[2..9].iter().all(|d| *d == 0) {
            return Err(TaxCodeError::ZeroSerial);
        }
        if digits.len() == 13 && digits[10..].iter().all(|d| *d == 0) {
            return Err(TaxCodeError::ZeroBranch);
        }
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        let check = 10 - sum % 11;
        if check == 10 || digits[9] != check {
            return Err(TaxCodeError::CheckDigit);
        }
        let text: String = digits
            .iter()
            .filter_map(|d| char::from_digit(*d, 10))
            .collect();
        Ok(TaxCode(if text.len() == 13 {
            format!("{}-{}", &text[..10], &text[10..])
        } else {
            text
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> Option<String> {
        TaxCode::parse(raw).ok().map(|code| code.to_string())
    }

    #[test]
    fn valid_codes_are_normalised() {
        assert_eq!(ok("0100233488"), Some("0100233488".into()));
        assert_eq!(ok("0314409058-002"), Some("0314409058-002".into()));
        assert_eq!(ok("0314409058002"), Some("0314409058-002".into()));
        assert_eq!(ok(" 0100 233 488 "), Some("0100233488".into()));
        assert_eq!(ok("01.00.233.488"), Some("0100233488".into()));
        assert_eq!(ok("0314-409-058-002"), Some("0314409058-002".into()));
        assert_eq!(ok("0314.409.058 - 002"), Some("0314409058-002".into()));
    }

    #[test]
    fn invalid_codes_say_why() {
        assert_eq!(TaxCode::parse("0100233480"), Err(TaxCodeError::CheckDigit));
        assert_eq!(TaxCode::parse("0100233487"), Err(TaxCodeError::CheckDigit));
        assert_eq!(
            TaxCode::parse("0314409058-000"),
            Err(TaxCodeError::ZeroBranch)
        );
        assert_eq!(TaxCode::parse("010023348"), Err(TaxCodeError::Length));
        assert_eq!(TaxCode::parse("01002334881"), Err(TaxCodeError::Length));
        assert_eq!(TaxCode::parse(""), Err(TaxCodeError::Length));
        assert_eq!(TaxCode::parse("01002334A8"), Err(TaxCodeError::NotDigits));
        assert_eq!(
            TaxCode::parse("０１００２３３４８８"),
            Err(TaxCodeError::NotDigits)
        );
        assert_eq!(TaxCode::parse("0100000000"), Err(TaxCodeError::ZeroSerial));
        assert_eq!(
            TaxCode::parse("0100233488/001"),
            Err(TaxCodeError::NotDigits)
        );
    }

    #[test]
    fn a_check_result_of_ten_is_never_valid() {
        // A weighted sum ≡ 0 (mod 11) asks for check digit 10, which no digit is:
        // find such a nine-digit prefix and show that every tenth digit fails.
        let prefix = (0..1_000_000u32)
            .map(|n| format!("01{n:07}"))
            .find(|p| {
                let sum: u32 = p
                    .chars()
                    .zip(WEIGHTS)
                    .map(|(c, w)| (c as u32 - '0' as u32) * w)
                    .sum();
                sum.is_multiple_of(11) && p[2..].chars().any(|c| c != '0')
            })
            .expect("bug: some prefix has a weighted sum divisible by 11");
        for last in 0..10 {
            assert!(
                TaxCode::parse(&format!("{prefix}{last}")).is_err(),
                "{prefix}{last}"
            );
        }
    }
}
