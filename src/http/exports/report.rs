//! The programme report as a spreadsheet (`/exports/report.xlsx?from=&to=`) and as
//! a printable page (`/reports/programme?from=&to=`). Both come from the one
//! domain function, [`programme::report`], laid out once as [`Section`]s of typed
//! cells and then written by each format. Public, like `programmeReport`.

use std::fmt::Write as _;

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use tracing_actix_web::RequestId;

use super::{HttpState, Refused, XLSX, attachment, params, session, xlsx};
use crate::{
    error::ApiError,
    money::Total,
    reports::{
        exports::{Cell, labels},
        programme::{self, ContributorKind, LedgerFigures, Period, ProgrammeReport},
    },
    text::escape_html as escape,
};

/// A titled table of the report.
struct Section {
    title: &'static str,
    headers: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

fn count(n: i64) -> Cell {
    Cell::Integer(n)
}

fn ratio(part: i64, whole: i64) -> Cell {
    if whole > 0 {
        Cell::Ratio(part as f64 / whole as f64)
    } else {
        Cell::Empty
    }
}

fn ledger_row(label: String, figures: &LedgerFigures) -> Vec<Cell> {
    vec![
        Cell::Text(label),
        count(figures.pledges),
        Cell::Total(figures.pledged),
        Cell::Total(figures.confirmed),
        Cell::Total(figures.disbursed),
    ]
}

const LEDGER_HEADERS: [&str; 5] = [
    "",
    "Số khoản cam kết",
    "Cam kết (đồng)",
    "Đã xác nhận (đồng)",
    "Đã giải ngân (đồng)",
];

/// The report, laid out.
fn sections(report: &ProgrammeReport) -> Vec<Section> {
    let communes = &report.communes;
    let agenda = &report.agenda;
    let figure = |label: &str, value: Cell| vec![Cell::text(label), value];
    vec![
        Section {
            title: "1. Xã đặc thù và nông thôn mới",
            headers: vec!["Chỉ tiêu", "Số xã"],
            rows: vec![
                figure("Xã đặc thù", count(communes.special)),
                figure(
                    "Xã đặc thù đạt chuẩn nông thôn mới trở lên",
                    count(communes.at_standard),
                ),
                figure(
                    "Xã đặc thù có đơn vị kết nghĩa, phụ trách (cuối kỳ)",
                    count(communes.twinned_at_end),
                ),
            ],
        },
        Section {
            title: "2. Xã đặc thù theo mức nông thôn mới",
            headers: vec!["Mức", "Số xã hiện nay", "Được công nhận trong kỳ"],
            rows: communes
                .by_level
                .iter()
                .map(|l| {
                    vec![
                        Cell::text(labels::new_rural_level(l.level)),
                        count(l.communes),
                        count(l.recognised_in_period),
                    ]
                })
                .collect(),
        },
        Section {
            title: "3. Kết nghĩa, phụ trách mới trong kỳ",
            headers: vec!["Chỉ tiêu", "Số lượng"],
            rows: vec![
                figure("Tổng số", count(report.twinnings.started)),
                figure(
                    "Doanh nghiệp kết nghĩa",
                    count(report.twinnings.by_enterprises),
                ),
                figure("Cơ quan phụ trách", count(report.twinnings.by_agencies)),
            ],
        },
        Section {
            title: "4. Kinh phí hỗ trợ theo năm",
            headers: LEDGER_HEADERS.to_vec(),
            rows: report
                .ledger
                .by_year
                .iter()
                .map(|(year, figures)| ledger_row(format!("Năm {year}"), figures))
                .chain([ledger_row("Cả kỳ".into(), &report.ledger.total)])
                .collect(),
        },
        Section {
            title: "5. Kinh phí hỗ trợ theo bên đóng góp",
            headers: LEDGER_HEADERS.to_vec(),
            rows: report
                .ledger
                .by_contributor
                .iter()
                .map(|(kind, figures)| {
                    let label = match kind {
                        ContributorKind::Enterprise => "Doanh nghiệp",
                        ContributorKind::Agency => "Cơ quan, đơn vị",
                    };
                    ledger_row(label.into(), figures)
                })
                .collect(),
        },
        Section {
            title: "6. Đối thoại",
            headers: vec!["Chỉ tiêu", "Số lượng"],
            rows: vec![
                figure(
                    "Hội nghị đối thoại đã tổ chức",
                    count(report.dialogues.held),
                ),
                figure(
                    "Doanh nghiệp đăng ký tham dự",
                    count(report.dialogues.enterprises_attending),
                ),
                figure("Số người tham dự", count(report.dialogues.attendees)),
            ],
        },
        Section {
            title: "7. Kiến nghị của doanh nghiệp",
            headers: vec!["Chỉ tiêu", "Giá trị"],
            rows: vec![
                figure("Kiến nghị tiếp nhận", count(agenda.raised)),
                figure("Kiến nghị được trả lời", count(agenda.answered)),
                figure("Trả lời đúng hạn", count(agenda.answered_on_time)),
                figure(
                    "Tỷ lệ trả lời đúng hạn",
                    ratio(agenda.answered_on_time, agenda.answered),
                ),
                figure("Kiến nghị đã giải quyết", count(agenda.resolved)),
                figure(
                    "Số ngày làm việc trung bình để trả lời",
                    agenda
                        .average_working_days_to_answer
                        .map_or(Cell::Empty, Cell::Decimal),
                ),
                figure("Doanh nghiệp cho ý kiến", count(agenda.feedback_given)),
                figure("Doanh nghiệp hài lòng", count(agenda.satisfied)),
                figure(
                    "Tỷ lệ hài lòng",
                    ratio(agenda.satisfied, agenda.feedback_given),
                ),
            ],
        },
        Section {
            title: "8. Kiến nghị theo kênh tiếp nhận",
            headers: vec!["Kênh", "Số kiến nghị"],
            rows: agenda
                .by_channel
                .iter()
                .map(|(c, n)| vec![Cell::text(labels::channel(*c)), count(*n)])
                .collect(),
        },
        Section {
            title: "9. Kiến nghị theo lĩnh vực",
            headers: vec!["Lĩnh vực", "Số kiến nghị"],
            rows: agenda
                .by_category
                .iter()
                .map(|(c, n)| vec![Cell::text(labels::agenda_category(*c)), count(*n)])
                .collect(),
        },
    ]
}

/// The period the query string names: `from` and `to`, both required.
fn period(req: &HttpRequest) -> Result<Period, Refused> {
    let query = params::Params::parse(req.query_string()).map_err(Refused::bad)?;
    query
        .only("the report", &["from", "to"])
        .map_err(Refused::bad)?;
    let day = |name: &str| -> Result<chrono::NaiveDate, Refused> {
        query
            .one(name)
            .map_err(Refused::bad)?
            .ok_or_else(|| Refused::bad(format!("give `{name}`, a date such as 2026-11-26")))
            .and_then(|value| params::day(name, value).map_err(Refused::bad))
    };
    Ok(Period::new(day("from")?, day("to")?)?)
}

async fn build(
    req: &HttpRequest,
    state: &HttpState,
    request_id: RequestId,
) -> Result<ProgrammeReport, Refused> {
    // Public, but a bad token is still refused, as everywhere.
    session(req, state, request_id).await?;
    let period = period(req)?;
    let app = &state.app;
    Ok(programme::report(
        &app.db.read,
        period,
        app.clock.zone(),
        &app.settings.holidays,
    )
    .await?)
}

fn title(report: &ProgrammeReport) -> String {
    format!(
        "Báo cáo chương trình Đồng Hành từ {} đến {}",
        report.period.from().format("%d/%m/%Y"),
        report.period.to().format("%d/%m/%Y")
    )
}

/// `GET /exports/report.xlsx?from=&to=`.
pub async fn report_xlsx(
    req: HttpRequest,
    state: web::Data<HttpState>,
    request_id: RequestId,
) -> HttpResponse {
    let outcome = async {
        let report = build(&req, &state, request_id).await?;
        let bytes = workbook(&report).map_err(|error| {
            Refused::from(ApiError::internal(anyhow::anyhow!("writing XLSX: {error}")))
        })?;
        let name = format!(
            "bao-cao-{}-{}.xlsx",
            report.period.from(),
            report.period.to()
        );
        Ok::<_, Refused>(attachment(XLSX, &name).body(bytes))
    };
    outcome.await.unwrap_or_else(Refused::response)
}

fn workbook(report: &ProgrammeReport) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let formats = xlsx::Formats::new();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Báo cáo")?;
    sheet.set_column_width(0, 52)?;
    for col in 1..5 {
        sheet.set_column_width(col, 22)?;
    }
    sheet.write_string_with_format(0, 0, title(report), &formats.title)?;
    sheet.write_string(
        1,
        0,
        "Số liệu tính từ cơ sở dữ liệu của chương trình; số tiền tính bằng đồng.",
    )?;
    let mut row = 3;
    for section in sections(report) {
        sheet.write_string_with_format(row, 0, section.title, &formats.section)?;
        row += 1;
        for (col, text) in section.headers.iter().enumerate() {
            sheet.write_string_with_format(row, col as u16, *text, &formats.header)?;
        }
        row += 1;
        for cells in &section.rows {
            for (col, cell) in cells.iter().enumerate() {
                xlsx::write(sheet, &formats, row, col as u16, cell)?;
            }
            row += 1;
        }
        row += 1;
    }
    sheet.set_landscape();
    workbook.save_to_buffer()
}

/// `GET /reports/programme?from=&to=`: the report as a page to read and print.
pub async fn report_page(
    req: HttpRequest,
    state: web::Data<HttpState>,
    request_id: RequestId,
) -> HttpResponse {
    match build(&req, &state, request_id).await {
        Ok(report) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(page(&report)),
        Err(refused) => refused.response(),
    }
}

/// Digits grouped the Vietnamese way: `1.234.567`.
pub fn grouped(value: i128) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (at, c) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if value < 0 {
        out.insert(0, '-');
    }
    out
}

/// A cell as the page shows it.
fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Empty => "—".into(),
        Cell::Text(text) => escape(text),
        Cell::Integer(n) | Cell::Money(n) => grouped(i128::from(*n)),
        Cell::Total(total) => grouped(Total::get(*total)),
        Cell::Ratio(ratio) => format!("{:.1} %", ratio * 100.0).replace('.', ","),
        Cell::Decimal(value) => format!("{value:.1}").replace('.', ","),
        Cell::Date(day) => day.format("%d/%m/%Y").to_string(),
        Cell::Instant(at) => at.format("%d/%m/%Y %H:%M").to_string(),
        Cell::YesNo(yes) => (if *yes { "Có" } else { "Không" }).into(),
        Cell::Object(reference) => escape(&reference.to_string()),
    }
}

fn page(report: &ProgrammeReport) -> String {
    let title = escape(&title(report));
    let mut html = format!(
        "<!doctype html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>{title}</h1>\n<p class=\"note\">Số liệu tính từ cơ sở dữ liệu của chương trình; \
         số tiền tính bằng đồng. <a href=\"/exports/report.xlsx?from={from}&amp;to={to}\">Tải về bảng tính (XLSX)</a> · \
         <a href=\"/dashboard\">Bảng điều khiển</a></p>\n",
        from = report.period.from(),
        to = report.period.to(),
    );
    for section in sections(report) {
        let _ = write!(
            html,
            "<section>\n<h2>{}</h2>\n<table>\n<thead><tr>",
            escape(section.title)
        );
        for header in &section.headers {
            let _ = write!(html, "<th scope=\"col\">{}</th>", escape(header));
        }
        html.push_str("</tr></thead>\n<tbody>\n");
        for cells in &section.rows {
            html.push_str("<tr>");
            for (at, cell) in cells.iter().enumerate() {
                if at == 0 {
                    let _ = write!(html, "<th scope=\"row\">{}</th>", shown(cell));
                } else {
                    let _ = write!(html, "<td>{}</td>", shown(cell));
                }
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody>\n</table>\n</section>\n");
    }
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

const STYLE: &str = "body{font-family:'Times New Roman',Times,serif;color:#111;margin:0;background:#fff}\
main{max-width:60rem;margin:0 auto;padding:1.5rem}h1{font-size:1.5rem;text-align:center}\
h2{font-size:1.1rem;margin-top:1.5rem}.note{text-align:center;color:#444}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #999;padding:.3rem .5rem}\
thead th{background:#eef3f8}td{text-align:right;font-variant-numeric:tabular-nums}\
tbody th{text-align:left;font-weight:normal}a{color:#0b4f8a}\
@media print{.note a{display:none}main{padding:0}section{break-inside:avoid}}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_the_vietnamese_way() {
        assert_eq!(grouped(1_234_567), "1.234.567");
        assert_eq!(grouped(71_480_000_000), "71.480.000.000");
        assert_eq!(grouped(12), "12");
        assert_eq!(escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }
}
