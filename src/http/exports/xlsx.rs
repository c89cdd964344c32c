//! XLSX (`rust_xlsxwriter`): typed cells (amounts and counts as numbers with
//! thousands separators, days and instants as dates), a frozen, filterable header
//! row, and column widths. Excel holds numbers as doubles, exact to 2^53: every
//! single amount is (at most 10^15 đồng); a total beyond that is written as text,
//! so it is never rounded.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

use crate::{
    graphql::ids,
    reports::exports::{Cell, Column},
};

/// The largest integer a spreadsheet number holds exactly.
const EXACT: i128 = 1 << 53;
/// Excel's longest text in a cell.
const MAX_TEXT: usize = 32_767;

/// The formats a sheet's cells use.
pub struct Formats {
    pub header: Format,
    pub money: Format,
    pub integer: Format,
    pub date: Format,
    pub instant: Format,
    pub percent: Format,
    pub decimal: Format,
    pub text: Format,
    pub title: Format,
    pub section: Format,
}

impl Formats {
    pub fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border(FormatBorder::Thin),
            money: Format::new().set_num_format("#,##0"),
            integer: Format::new().set_num_format("0"),
            date: Format::new().set_num_format("dd/mm/yyyy"),
            instant: Format::new().set_num_format("dd/mm/yyyy hh:mm"),
            percent: Format::new().set_num_format("0.0%"),
            decimal: Format::new().set_num_format("0.0"),
            text: Format::new(),
            title: Format::new().set_bold().set_font_size(14),
            section: Format::new().set_bold().set_font_size(12),
        }
    }
}

impl Default for Formats {
    fn default() -> Self {
        Formats::new()
    }
}

/// A sheet being written: the header row is in place, rows follow.
pub struct Sheet<'a> {
    sheet: &'a mut Worksheet,
    formats: &'a Formats,
    next_row: u32,
    columns: u16,
}

impl<'a> Sheet<'a> {
    /// Names the sheet, writes and freezes the header row, sets the widths.
    pub fn start(
        sheet: &'a mut Worksheet,
        formats: &'a Formats,
        name: &str,
        columns: &[Column],
    ) -> Result<Sheet<'a>, XlsxError> {
        sheet.set_name(name)?;
        for (at, column) in columns.iter().enumerate() {
            let at = at as u16;
            sheet.set_column_width(at, column.width)?;
            sheet.write_string_with_format(0, at, column.header, &formats.header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(Sheet {
            sheet,
            formats,
            next_row: 1,
            columns: columns.len() as u16,
        })
    }

    pub fn row(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        let row = self.next_row;
        for (at, cell) in cells.iter().enumerate() {
            write(self.sheet, self.formats, row, at as u16, cell)?;
        }
        self.next_row += 1;
        Ok(())
    }

    /// Turns on the header row's filters over the rows written.
    pub fn finish(self) -> Result<(), XlsxError> {
        if self.columns > 0 {
            self.sheet
                .autofilter(0, 0, self.next_row.saturating_sub(1), self.columns - 1)?;
        }
        Ok(())
    }
}

/// Writes one typed cell.
pub fn write(
    sheet: &mut Worksheet,
    formats: &Formats,
    row: u32,
    col: u16,
    cell: &Cell,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => {
            let text: String = text.chars().take(MAX_TEXT).collect();
            sheet.write_string_with_format(row, col, text, &formats.text)?;
        }
        Cell::Integer(n) => {
            sheet.write_number_with_format(row, col, *n as f64, &formats.integer)?;
        }
        Cell::Money(n) => money(sheet, formats, row, col, i128::from(*n))?,
        Cell::Total(total) => money(sheet, formats, row, col, total.get())?,
        Cell::Ratio(ratio) => {
            sheet.write_number_with_format(row, col, *ratio, &formats.percent)?;
        }
        Cell::Decimal(value) => {
            sheet.write_number_with_format(row, col, *value, &formats.decimal)?;
        }
        Cell::Date(day) => {
            sheet.write_date_with_format(row, col, day, &formats.date)?;
        }
        Cell::Instant(at) => {
            sheet.write_datetime_with_format(row, col, at, &formats.instant)?;
        }
        Cell::YesNo(yes) => {
            sheet.write_string(row, col, if *yes { "Có" } else { "Không" })?;
        }
        Cell::Object(reference) => {
            sheet.write_string(row, col, ids::encode_reference(*reference).0)?;
        }
    }
    Ok(())
}

/// An amount of đồng: a number while a spreadsheet holds it exactly, else text.
pub fn money(
    sheet: &mut Worksheet,
    formats: &Formats,
    row: u32,
    col: u16,
    amount: i128,
) -> Result<(), XlsxError> {
    if amount.abs() <= EXACT {
        sheet.write_number_with_format(row, col, amount as f64, &formats.money)?;
    } else {
        sheet.write_string(row, col, amount.to_string())?;
    }
    Ok(())
}
