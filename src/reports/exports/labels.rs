//! Vietnamese words for the domain's enumerations, as a spreadsheet shows them.

use crate::{
    agenda::entity::{AgendaCategory, AgendaItemStatus, SubmissionChannel},
    auth::Role,
    communes::entity::{AdministrativeUnitType, NewRuralLevel},
    contributions::entity::{ContributionKind, ContributionStatus},
    dialogues::entity::DialogueStatus,
};

pub fn contribution_kind(kind: ContributionKind) -> &'static str {
    match kind {
        ContributionKind::Cash => "Tiền mặt",
        ContributionKind::InKind => "Hiện vật",
        ContributionKind::Infrastructure => "Công trình hạ tầng",
        ContributionKind::SocialWelfare => "An sinh xã hội",
        ContributionKind::Other => "Khác",
    }
}

pub fn contribution_status(status: ContributionStatus) -> &'static str {
    match status {
        ContributionStatus::Pledged => "Đã cam kết",
        ContributionStatus::Confirmed => "Đã xác nhận",
        ContributionStatus::Fulfilled => "Đã hoàn thành",
        ContributionStatus::Cancelled => "Đã hủy",
    }
}

pub fn unit_type(unit: AdministrativeUnitType) -> &'static str {
    match unit {
        AdministrativeUnitType::Commune => "Xã",
        AdministrativeUnitType::Ward => "Phường",
        AdministrativeUnitType::Township => "Thị trấn",
    }
}

pub fn new_rural_level(level: NewRuralLevel) -> &'static str {
    match level {
        NewRuralLevel::NotYet => "Chưa đạt chuẩn",
        NewRuralLevel::Standard => "Đạt chuẩn nông thôn mới",
        NewRuralLevel::Advanced => "Nông thôn mới nâng cao",
        NewRuralLevel::Model => "Nông thôn mới kiểu mẫu",
    }
}

pub fn agenda_status(status: AgendaItemStatus) -> &'static str {
    match status {
        AgendaItemStatus::Submitted => "Đã gửi",
        AgendaItemStatus::Accepted => "Đưa vào chương trình",
        AgendaItemStatus::Assigned => "Đã giao xử lý",
        AgendaItemStatus::Answered => "Đã trả lời",
        AgendaItemStatus::Resolved => "Đã giải quyết",
        AgendaItemStatus::Rejected => "Không tiếp nhận",
    }
}

pub fn agenda_category(category: AgendaCategory) -> &'static str {
    match category {
        AgendaCategory::Land => "Đất đai",
        AgendaCategory::Tax => "Thuế",
        AgendaCategory::Investment => "Đầu tư",
        AgendaCategory::Construction => "Xây dựng",
        AgendaCategory::Environment => "Môi trường",
        AgendaCategory::Labour => "Lao động",
        AgendaCategory::Credit => "Tín dụng",
        AgendaCategory::Infrastructure => "Hạ tầng",
        AgendaCategory::AdministrativeProcedure => "Thủ tục hành chính",
        AgendaCategory::Other => "Khác",
    }
}

pub fn channel(channel: SubmissionChannel) -> &'static str {
    match channel {
        SubmissionChannel::Dialogue => "Hội nghị đối thoại",
        SubmissionChannel::Hotline => "Đường dây nóng",
        SubmissionChannel::Written => "Văn bản",
        SubmissionChannel::CitizenReception => "Tiếp công dân",
    }
}

pub fn dialogue_status(status: DialogueStatus) -> &'static str {
    match status {
        DialogueStatus::Scheduled => "Đã lên lịch",
        DialogueStatus::Held => "Đã tổ chức",
        DialogueStatus::Cancelled => "Đã hủy",
    }
}

pub fn role(role: Role) -> &'static str {
    match role {
        Role::Admin => "Quản trị",
        Role::Official => "Cán bộ",
        Role::Firm => "Doanh nghiệp",
    }
}
