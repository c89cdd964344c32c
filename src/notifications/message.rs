//! What notifications say, in Vietnamese: a title (the e-mail's subject), a plain
//! text body and the same as HTML. Pure functions of the domain's objects, so what
//! a message reveals is decided here, once: an item's enterprise is named only to
//! the submitting enterprise's own accounts, and never for a confidential item to
//! anyone else (DESIGN §3).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::entity::NotificationKind;
use crate::{
    agenda::entity as agenda_item,
    dialogues::entity as dialogue,
    keys::{AgendaItemKey, DialogueKey, Key, Reference},
    text::escape_html as escape,
};

/// The programme's name, as e-mail signs it.
pub const PROGRAMME: &str = "Đồng Hành — Chương trình đồng hành cùng doanh nghiệp";

/// One rendered notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub kind: NotificationKind,
    pub subject_id: Option<Reference>,
    pub title: String,
    pub body: String,
    pub html: String,
}

/// Who reads a message about an agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// An account of the enterprise that submitted the item.
    Submitter,
    /// Anyone else: officials of an agency.
    Other,
}

/// What changed on an agenda item, with what the message needs.
pub struct ItemNotice<'a> {
    pub kind: NotificationKind,
    pub item: &'a agenda_item::Model,
    /// The enterprise's name; shown only where [`names_enterprise`] allows.
    pub enterprise: &'a str,
    pub agency: Option<&'a str>,
    /// The reason, the answer or the comment the move carried.
    pub note: Option<&'a str>,
}

/// Whether a message to `reader` may name the item's enterprise.
pub fn names_enterprise(reader: Reader, item: &agenda_item::Model) -> bool {
    reader == Reader::Submitter || !item.confidential
}

fn day(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

fn local_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%H:%M ngày %d/%m/%Y")
        .to_string()
}

pub fn item(notice: &ItemNotice<'_>, reader: Reader, link: &str) -> Message {
    let item = notice.item;
    let title = &item.title;
    let whose = match reader {
        Reader::Submitter => "của doanh nghiệp bạn".to_owned(),
        Reader::Other if names_enterprise(reader, item) => {
            format!("của {}", notice.enterprise)
        }
        Reader::Other => "(kiến nghị bảo mật)".to_owned(),
    };
    let agency = notice.agency.unwrap_or("cơ quan được giao");
    let due = item.response_due_on.map(day).unwrap_or_default();
    let (subject, mut paragraphs) = match notice.kind {
        NotificationKind::ItemAccepted => (
            format!("Kiến nghị đã được tiếp nhận: {title}"),
            vec![format!(
                "Kiến nghị «{title}» {whose} đã được tiếp nhận và đưa vào chương trình buổi đối thoại."
            )],
        ),
        NotificationKind::ItemRejected => (
            format!("Kiến nghị không được tiếp nhận: {title}"),
            vec![format!("Kiến nghị «{title}» {whose} không được tiếp nhận.")],
        ),
        NotificationKind::ItemAssigned => (
            format!("Kiến nghị được giao cho {agency}: {title}"),
            vec![format!(
                "Kiến nghị «{title}» {whose} đã được giao cho {agency} trả lời, hạn trả lời ngày {due}."
            )],
        ),
        NotificationKind::ItemAnswered => (
            format!("Kiến nghị đã được trả lời: {title}"),
            vec![
                format!("{agency} đã trả lời kiến nghị «{title}» {whose}."),
                "Xin doanh nghiệp cho biết câu trả lời đã giải quyết được vướng mắc hay chưa."
                    .into(),
            ],
        ),
        NotificationKind::FeedbackGiven if item.feedback_satisfied == Some(true) => (
            format!("Doanh nghiệp hài lòng với câu trả lời: {title}"),
            vec![format!(
                "Doanh nghiệp đã hài lòng với câu trả lời cho kiến nghị «{title}» {whose}; kiến nghị đã được giải quyết."
            )],
        ),
        NotificationKind::FeedbackGiven => (
            format!("Doanh nghiệp chưa hài lòng với câu trả lời: {title}"),
            vec![format!(
                "Doanh nghiệp chưa hài lòng với câu trả lời cho kiến nghị «{title}» {whose}; kiến nghị được giao lại cho {agency}, hạn trả lời mới ngày {due}."
            )],
        ),
        _ => (
            format!("Kiến nghị đã được giải quyết: {title}"),
            vec![format!("Kiến nghị «{title}» {whose} đã được giải quyết.")],
        ),
    };
    if let Some(note) = notice.note.filter(|n| !n.is_empty()) {
        let label = match notice.kind {
            NotificationKind::ItemRejected => "Lý do",
            NotificationKind::ItemAnswered => "Nội dung trả lời",
            NotificationKind::FeedbackGiven => "Ý kiến của doanh nghiệp",
            _ => "Ghi chú",
        };
        paragraphs.push(format!("{label}: {note}"));
    }
    render(
        notice.kind,
        Some(AgendaItemKey::new(item.id).into()),
        subject,
        &paragraphs,
        link,
    )
}

pub fn dialogue(
    kind: NotificationKind,
    dialogue: &dialogue::Model,
    zone: Tz,
    link: &str,
) -> Message {
    let title = &dialogue.title;
    let when = local_time(dialogue.starts_at, zone);
    let details = format!(
        "Thời gian: {when}. Địa điểm: {}. Chủ trì: {}.",
        dialogue.venue, dialogue.chair
    );
    let (subject, mut paragraphs) = match kind {
        NotificationKind::DialogueScheduled => (
            format!("Lịch đối thoại mới: {title}"),
            vec![
                format!(
                    "Buổi đối thoại «{title}» đã được lên lịch. Doanh nghiệp có thể đăng ký tham dự và gửi kiến nghị."
                ),
                details,
            ],
        ),
        NotificationKind::DialogueChanged => (
            format!("Thay đổi thông tin buổi đối thoại: {title}"),
            vec![
                format!("Buổi đối thoại «{title}» mà doanh nghiệp bạn đã đăng ký có thay đổi."),
                details,
            ],
        ),
        NotificationKind::DialogueCancelled => (
            format!("Hủy buổi đối thoại: {title}"),
            vec![format!(
                "Buổi đối thoại «{title}» mà doanh nghiệp bạn đã đăng ký đã bị hủy."
            )],
        ),
        _ => (
            format!("Nhắc lịch: buổi đối thoại «{title}» diễn ra vào ngày mai"),
            vec![
                format!("Nhắc doanh nghiệp bạn: buổi đối thoại «{title}» diễn ra vào ngày mai."),
                details,
            ],
        ),
    };
    if kind == NotificationKind::DialogueCancelled
        && let Some(reason) = &dialogue.cancellation_reason
    {
        paragraphs.push(format!("Lý do: {reason}"));
    }
    render(
        kind,
        Some(DialogueKey::new(dialogue.id).into()),
        subject,
        &paragraphs,
        link,
    )
}

/// One item in a deadline digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestLine {
    pub item_id: i64,
    pub title: String,
    pub due: NaiveDate,
}

pub fn digest(
    agency: &str,
    today: NaiveDate,
    overdue: &[DigestLine],
    due_soon: &[DigestLine],
    link: &str,
) -> Message {
    let list = |lines: &[DigestLine]| {
        lines
            .iter()
            .map(|line| format!("- {} (hạn {})", line.title, day(line.due)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut paragraphs = vec![format!(
        "Bản tin ngày {} của {agency}: {} kiến nghị quá hạn, {} kiến nghị đến hạn trong 3 ngày làm việc tới.",
        day(today),
        overdue.len(),
        due_soon.len()
    )];
    if !overdue.is_empty() {
        paragraphs.push(format!("Quá hạn:\n{}", list(overdue)));
    }
    if !due_soon.is_empty() {
        paragraphs.push(format!("Sắp đến hạn:\n{}", list(due_soon)));
    }
    render(
        NotificationKind::DeadlineDigest,
        None,
        format!("Kiến nghị quá hạn và sắp đến hạn ngày {}", day(today)),
        &paragraphs,
        link,
    )
}

fn render(
    kind: NotificationKind,
    subject_id: Option<Reference>,
    title: String,
    paragraphs: &[String],
    link: &str,
) -> Message {
    let mut body = paragraphs.join("\n\n");
    body.push_str(&format!("\n\nXem chi tiết: {link}\n\n{PROGRAMME}"));
    let mut html =
        String::from("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>");
    html.push_str(&escape(&title));
    html.push_str("</title></head><body>");
    for paragraph in paragraphs {
        html.push_str("<p>");
        html.push_str(&escape(paragraph).replace('\n', "<br>"));
        html.push_str("</p>");
    }
    html.push_str(&format!(
        "<p><a href=\"{}\">Xem chi tiết</a></p><p>{}</p></body></html>",
        escape(link),
        escape(PROGRAMME)
    ));
    Message {
        kind,
        subject_id,
        title,
        body,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agenda::entity::{AgendaCategory, AgendaItemStatus, SubmissionChannel};

    fn item(confidential: bool) -> agenda_item::Model {
        agenda_item::Model {
            id: 7,
            title: "Mặt bằng <sản xuất>".into(),
            body: "…".into(),
            search_text: String::new(),
            category: AgendaCategory::Land,
            channel: SubmissionChannel::Dialogue,
            status: AgendaItemStatus::Assigned,
            enterprise_id: 3,
            confidential,
            submitted_by: 1,
            submitted_at: Utc::now(),
            dialogue_id: None,
            position: None,
            assigned_agency_id: Some(2),
            assigned_at: None,
            response_due_on: NaiveDate::from_ymd_opt(2026, 12, 21),
            rejection_reason: None,
            feedback_satisfied: None,
            feedback_comment: None,
            feedback_at: None,
            version: 3,
            updated_at: Utc::now(),
        }
    }

    fn assigned(model: &agenda_item::Model, reader: Reader) -> Message {
        super::item(
            &ItemNotice {
                kind: NotificationKind::ItemAssigned,
                item: model,
                enterprise: "Công ty Bí Mật",
                agency: Some("Sở Tài nguyên"),
                note: None,
            },
            reader,
            "https://donghanh.example/x",
        )
    }

    #[test]
    fn a_confidential_item_names_its_enterprise_to_the_submitter_only() {
        let secret = item(true);
        let to_agency = assigned(&secret, Reader::Other);
        assert!(!to_agency.body.contains("Bí Mật"));
        assert!(!to_agency.html.contains("Bí Mật"));
        assert!(to_agency.body.contains("(kiến nghị bảo mật)"));
        let open = assigned(&item(false), Reader::Other);
        assert!(open.body.contains("của Công ty Bí Mật"));
        let to_firm = assigned(&secret, Reader::Submitter);
        assert!(to_firm.body.contains("của doanh nghiệp bạn"));
    }

    #[test]
    fn the_message_is_vietnamese_with_its_link_and_escaped_html() {
        let message = assigned(&item(false), Reader::Other);
        assert_eq!(
            message.title,
            "Kiến nghị được giao cho Sở Tài nguyên: Mặt bằng <sản xuất>"
        );
        assert_eq!(
            message.body,
            format!(
                "Kiến nghị «Mặt bằng <sản xuất>» của Công ty Bí Mật đã được giao cho Sở Tài nguyên trả lời, hạn trả lời ngày 21/12/2026.\n\nXem chi tiết: https://donghanh.example/x\n\n{PROGRAMME}"
            )
        );
        assert!(message.html.contains("«Mặt bằng &lt;sản xuất&gt;»"));
        assert!(
            message
                .html
                .contains("<a href=\"https://donghanh.example/x\">")
        );
    }
}
