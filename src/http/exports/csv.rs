//! CSV as a spreadsheet opens it: UTF-8 with a byte-order mark (so Excel reads
//! Vietnamese correctly), CRLF line ends, fields quoted when they must be (RFC
//! 4180); amounts as exact whole đồng, days as `2026-11-26`, instants as the
//! programme's wall-clock `2026-11-26 08:30:00`, yes/no as `Có`/`Không`, objects
//! by their global ID. A text that a spreadsheet would run as a formula (it starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading
//! apostrophe, so a title cannot become a formula in an official's spreadsheet.

use std::fmt::Write as _;

use crate::{
    graphql::ids,
    reports::exports::{Cell, Column},
};

/// The byte-order mark and the header row.
pub fn header(columns: &[Column]) -> String {
    let mut out = String::from("\u{feff}");
    let headers: Vec<Cell> = columns
        .iter()
        .map(|c| Cell::Text(c.header.to_owned()))
        .collect();
    row(&mut out, &headers);
    out
}

/// Appends one row.
pub fn row(out: &mut String, cells: &[Cell]) {
    for (at, cell) in cells.iter().enumerate() {
        if at > 0 {
            out.push(',');
        }
        field(out, cell);
    }
    out.push_str("\r\n");
}

fn field(out: &mut String, cell: &Cell) {
    // Writing to a String cannot fail.
    let _ = match cell {
        Cell::Empty => Ok(()),
        Cell::Text(text) => {
            text_field(out, text);
            Ok(())
        }
        Cell::Integer(n) | Cell::Money(n) => write!(out, "{n}"),
        Cell::Total(total) => write!(out, "{}", total.get()),
        Cell::Ratio(ratio) => write!(out, "{ratio:.4}"),
        Cell::Decimal(value) => write!(out, "{value:.2}"),
        Cell::Date(day) => write!(out, "{}", day.format("%Y-%m-%d")),
        Cell::Instant(at) => write!(out, "{}", at.format("%Y-%m-%d %H:%M:%S")),
        Cell::YesNo(yes) => {
            out.push_str(if *yes { "Có" } else { "Không" });
            Ok(())
        }
        Cell::Object(reference) => {
            out.push_str(ids::encode_reference(*reference).as_str());
            Ok(())
        }
    };
}

fn text_field(out: &mut String, text: &str) {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = formula
        || text.contains([',', '"', '\n', '\r'])
        || text.starts_with(' ')
        || text.ends_with(' ');
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in text.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quoted {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{ObjectKind, Reference};
    use chrono::NaiveDate;

    #[test]
    fn fields_are_quoted_and_typed() {
        let mut out = String::new();
        row(
            &mut out,
            &[
                Cell::Text("Xã Đông Sơn, \"mẫu\"".into()),
                Cell::Money(70_300_000_000),
                Cell::Date(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()),
                Cell::YesNo(false),
                Cell::Empty,
                Cell::Text("=HYPERLINK(\"x\")".into()),
                Cell::Object(Reference::new(ObjectKind::Account, 42)),
            ],
        );
        assert_eq!(
            out,
            "\"Xã Đông Sơn, \"\"mẫu\"\"\",70300000000,2026-11-26,Không,,\"'=HYPERLINK(\"\"x\"\")\",QWNjb3VudDo0Mg\r\n"
        );
    }

    #[test]
    fn the_header_starts_with_a_byte_order_mark() {
        let header = header(&[Column {
            header: "Mã xã",
            width: 9.0,
        }]);
        assert_eq!(header.as_bytes()[..3], [0xef, 0xbb, 0xbf]);
        assert!(header.ends_with("Mã xã\r\n"));
    }
}
