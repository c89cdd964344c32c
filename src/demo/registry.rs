//! The demo's registry: agencies, enterprises, communes (55 special among 100, 34
//! of them at the new-rural standard or above) and their twinnings.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};

use super::{OTHER_COMMUNES, SPECIAL_AT_STANDARD, SPECIAL_COMMUNES};
use crate::{
    agencies::entity::{self as agency, AgencyKind},
    communes::entity::{self as commune, AdministrativeUnitType, NewRuralLevel},
    enterprises::{entity as enterprise, tax_code::TaxCode},
    error::MutationError,
    text,
    twinnings::entity::{self as twinning, TwinningKind},
};

pub const AGENCIES: &[(&str, &str, AgencyKind)] = &[
    ("SKHDT", "Sở Kế hoạch và Đầu tư", AgencyKind::Department),
    ("STC", "Sở Tài chính", AgencyKind::Department),
    (
        "SNNMT",
        "Sở Nông nghiệp và Môi trường",
        AgencyKind::Department,
    ),
    ("SXD", "Sở Xây dựng", AgencyKind::Department),
    ("SCT", "Sở Công Thương", AgencyKind::Department),
    ("SYT", "Sở Y tế", AgencyKind::Department),
    ("SGDDT", "Sở Giáo dục và Đào tạo", AgencyKind::Department),
    (
        "SVHTTDL",
        "Sở Văn hóa, Thể thao và Du lịch",
        AgencyKind::Department,
    ),
    ("SNV", "Sở Nội vụ", AgencyKind::Department),
    ("BDT", "Ban Dân tộc tỉnh", AgencyKind::Board),
    ("BQLKKT", "Ban Quản lý các khu kinh tế", AgencyKind::Board),
    (
        "MTTQ",
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
        AgencyKind::MassOrganization,
    ),
    ("TDTN", "Tỉnh đoàn", AgencyKind::MassOrganization),
    ("HND", "Hội Nông dân tỉnh", AgencyKind::MassOrganization),
    (
        "HLHPN",
        "Hội Liên hiệp Phụ nữ tỉnh",
        AgencyKind::MassOrganization,
    ),
    ("UBND", "Ủy ban nhân dân tỉnh", AgencyKind::PeoplesCommittee),
];

const ENTERPRISES: &[(&str, &str)] = &[
    ("Công ty Cổ phần Xi măng Đông Sơn", "Vật liệu xây dựng"),
    ("Công ty TNHH Nông sản Hòa Bình", "Nông nghiệp"),
    (
        "Tổng Công ty Điện lực Miền Trung – Chi nhánh tỉnh",
        "Năng lượng",
    ),
    (
        "Ngân hàng TMCP Phát triển Nông thôn – Chi nhánh tỉnh",
        "Tài chính – ngân hàng",
    ),
    ("Công ty Cổ phần Thủy điện Sông Lam", "Năng lượng"),
    ("Công ty TNHH May mặc Phú Thịnh", "Dệt may"),
    ("Công ty Cổ phần Mía đường Lam Sơn", "Chế biến nông sản"),
    ("Công ty Cổ phần Du lịch Biển Xanh", "Du lịch"),
    ("Công ty TNHH Xây dựng Trường Thành", "Xây dựng"),
    ("Công ty Cổ phần Dược phẩm An Khang", "Y tế"),
    ("Công ty TNHH Thực phẩm Sạch Việt", "Chế biến thực phẩm"),
    ("Công ty Cổ phần Viễn thông Sao Việt", "Viễn thông"),
    ("Công ty Cổ phần Khoáng sản Bắc Trung Bộ", "Khai khoáng"),
    ("Công ty TNHH Thương mại Minh Phát", "Thương mại"),
    ("Công ty Cổ phần Cảng biển Nghi Sơn", "Logistics"),
    ("Công ty TNHH Gỗ Thuận An", "Chế biến gỗ"),
    ("Công ty Cổ phần Nước sạch Miền Tây", "Cấp nước"),
    ("Công ty TNHH Phân bón Bình Điền", "Nông nghiệp"),
    ("Công ty Cổ phần Bê tông Hải Âu", "Vật liệu xây dựng"),
    ("Công ty TNHH Điện tử Quang Minh", "Điện tử"),
];

const PLACE_NAMES: &[&str] = &[
    "Đông Sơn",
    "Hòa Bình",
    "Tân Lập",
    "Thành Công",
    "Quang Trung",
    "Phú Lộc",
    "Yên Thịnh",
    "Đồng Tâm",
    "Xuân Lộc",
    "Thạch Bình",
    "Cẩm Thủy",
    "Bá Thước",
    "Mường Lát",
    "Pù Nhi",
    "Trung Lý",
    "Tam Chung",
    "Quang Chiểu",
    "Nhi Sơn",
    "Mường Chanh",
    "Sơn Thủy",
    "Na Mèo",
    "Sơn Điện",
    "Tam Lư",
    "Trung Hạ",
    "Trung Tiến",
    "Trung Xuân",
    "Sơn Hà",
    "Mường Mìn",
    "Lâm Phú",
    "Tam Thanh",
    "Yên Khương",
    "Yên Thắng",
    "Giao Thiện",
    "Phú Nghiêm",
    "Văn Nho",
    "Thiết Ống",
    "Lũng Niêm",
    "Lũng Cao",
    "Thành Sơn",
    "Cổ Lũng",
    "Điền Quang",
    "Điền Thượng",
    "Lương Nội",
    "Hạ Trung",
    "Ái Thượng",
    "Ban Công",
    "Kỳ Tân",
    "Lương Ngoại",
    "Phú Sơn",
    "Phú Xuân",
    "Thanh Xuân",
    "Xuân Thái",
    "Luận Thành",
    "Tân Thành",
    "Xuân Cao",
    "Bình Lương",
    "Xuân Chinh",
    "Xuân Lẹ",
    "Vạn Xuân",
    "Lương Sơn",
    "Xuân Phúc",
    "Thượng Ninh",
    "Cát Vân",
    "Xuân Du",
    "Phượng Nghi",
    "Thanh Kỳ",
    "Thanh Tân",
    "Cán Khê",
    "Hải Vân",
    "Mậu Lâm",
    "Phú Nhuận",
    "Xuân Khang",
    "Yên Lạc",
    "Hải Long",
    "Phúc Đường",
    "Thanh Phong",
    "Hợp Thành",
    "Minh Sơn",
    "Đồng Lợi",
    "Vĩnh Hùng",
    "Định Tân",
    "Thiệu Vận",
    "Hoằng Xuân",
    "Nga Thạch",
    "Quảng Nhân",
    "Tế Lợi",
    "Hà Lĩnh",
    "Thạch Quảng",
    "Ngọc Liên",
    "Vân Am",
    "Cao Ngọc",
    "Nguyệt Ấn",
    "Kiên Thọ",
    "Phùng Giáo",
    "Mỹ Tân",
    "Lộc Thịnh",
    "Thạch Lập",
    "Xuân Bái",
    "Quảng Phú",
    "Tân Phúc",
];

/// What the registry's rows are, for the rest of the demo to refer to.
pub struct Registry {
    pub agencies: Vec<agency::Model>,
    pub enterprises: Vec<enterprise::Model>,
    /// The special communes, each twinned with an enterprise and an agency.
    pub special: Vec<commune::Model>,
}

/// Inserts the registry.
pub async fn insert(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Registry, MutationError> {
    let mut agencies = Vec::new();
    for (code, name, kind) in AGENCIES {
        let row = agency::ActiveModel {
            code: Set((*code).to_owned()),
            name: Set((*name).to_owned()),
            search_text: Set(text::fold(name)),
            kind: Set(*kind),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        agencies.push(row);
    }

    let mut enterprises = Vec::new();
    for (index, (name, sector)) in ENTERPRISES.iter().enumerate() {
        let code = demo_tax_code(index);
        let row = enterprise::ActiveModel {
            tax_code: Set(code),
            name: Set((*name).to_owned()),
            search_text: Set(text::fold(name)),
            sector: Set(Some((*sector).to_owned())),
            address: Set(Some(format!(
                "Số {} đường Lê Lợi, thành phố tỉnh lỵ (địa chỉ mẫu)",
                index + 1
            ))),
            contact_email: Set(Some(format!("lienhe{}@demo.donghanh.vn", index + 1))),
            contact_phone: Set(Some(format!("0237 385 {:04}", 1000 + index))),
            verified: Set(true),
            verified_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        enterprises.push(row);
    }

    let levels = [
        NewRuralLevel::Standard,
        NewRuralLevel::Advanced,
        NewRuralLevel::Model,
    ];
    let mut special = Vec::new();
    for (index, place) in PLACE_NAMES
        .iter()
        .take(SPECIAL_COMMUNES + OTHER_COMMUNES)
        .enumerate()
    {
        let is_special = index < SPECIAL_COMMUNES;
        let level = if is_special {
            if index < SPECIAL_AT_STANDARD {
                levels[index % 3]
            } else {
                NewRuralLevel::NotYet
            }
        } else if index % 4 == 0 {
            NewRuralLevel::NotYet
        } else {
            levels[index % 3]
        };
        let name = format!("Xã {place}");
        let row = commune::ActiveModel {
            code: Set(format!("{:05}", 15_000 + index * 7)),
            search_text: Set(text::fold(&name)),
            name: Set(name),
            unit_type: Set(AdministrativeUnitType::Commune),
            district: Set(None),
            special: Set(is_special),
            new_rural_level: Set(level),
            new_rural_year: Set(
                (level != NewRuralLevel::NotYet).then_some(2018 + (index % 8) as i32)
            ),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        if is_special {
            special.push(row);
        }
    }

    let started = NaiveDate::from_ymd_opt(today.year() - 4, 1, 15).unwrap_or(today);
    for (index, place) in special.iter().enumerate() {
        for (enterprise_id, agency_id, kind) in [
            (
                Some(enterprises[index % enterprises.len()].id),
                None,
                TwinningKind::Twinned,
            ),
            (
                None,
                Some(agencies[index % agencies.len()].id),
                TwinningKind::InCharge,
            ),
        ] {
            twinning::ActiveModel {
                commune_id: Set(place.id),
                enterprise_id: Set(enterprise_id),
                agency_id: Set(agency_id),
                kind: Set(kind),
                started_on: Set(started),
                ended_on: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }

    Ok(Registry {
        agencies,
        enterprises,
        special,
    })
}

/// A valid, distinct tax code for the n-th demo enterprise.
fn demo_tax_code(index: usize) -> String {
    (0..)
        .map(|step: usize| format!("28{:07}0", 1_000 + index * 37 + step))
        .map(|candidate| {
            // Try each check digit; exactly one can be valid for a given prefix.
            (0..10).find_map(|d| TaxCode::parse(&format!("{}{d}", &candidate[..9])).ok())
        })
        .find_map(|code| code.map(|c| c.to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tax_codes_are_valid_and_distinct() {
        let codes: std::collections::HashSet<String> =
            (0..ENTERPRISES.len()).map(demo_tax_code).collect();
        assert_eq!(codes.len(), ENTERPRISES.len());
        assert!(codes.iter().all(|c| TaxCode::parse(c).is_ok()));
    }

    #[test]
    fn there_are_enough_place_names() {
        assert!(PLACE_NAMES.len() >= SPECIAL_COMMUNES + OTHER_COMMUNES);
        let unique: std::collections::HashSet<&&str> = PLACE_NAMES.iter().collect();
        assert_eq!(unique.len(), PLACE_NAMES.len());
    }
}
