"""Vocabulary of the synthetic programme: plausible Vietnamese names, each built
from parts whose search form (see `fold`) is computed here once, so the bulk SQL
can concatenate a name and its `search_text` side by side."""

import unicodedata


def fold(text: str) -> str:
    """The server's search form (src/text.rs `fold`): decomposed, combining marks
    dropped, đ as d, lower case, recomposed, whitespace runs as one space."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    kept = kept.replace("đ", "d").replace("Đ", "d").lower()
    return " ".join(unicodedata.normalize("NFC", kept).split())


# First and second syllables of place names: 40 x 40 = 1,600 names, so a national
# scale repeats names a few times, as real communes in different provinces do.
PLACE_FIRST = [
    "Đông", "Tân", "Hòa", "Thành", "Quang", "Phú", "Yên", "Đồng", "Xuân", "Thạch",
    "Cẩm", "Mường", "Trung", "Tam", "Sơn", "Lâm", "Giao", "Văn", "Lũng", "Điền",
    "Lương", "Hạ", "Ái", "Kỳ", "Bình", "Vạn", "Thượng", "Cát", "Phượng", "Thanh",
    "Hải", "Mậu", "Minh", "Vĩnh", "Định", "An", "Nghĩa", "Long", "Phước", "Hưng",
]
PLACE_SECOND = [
    "Sơn", "Lập", "Bình", "Công", "Trung", "Lộc", "Thịnh", "Tâm", "Thủy", "Chung",
    "Xuân", "Hà", "Phú", "Thanh", "Khương", "Thắng", "Thiện", "Nghiêm", "Nho", "Niêm",
    "Cao", "Quang", "Thượng", "Nội", "Tân", "Lương", "Vân", "Du", "Nghi", "Kỳ",
    "Khê", "Lâm", "Nhuận", "Khang", "Lạc", "Long", "Đường", "Phong", "Thành", "Hùng",
]


def places():
    return [f"{a} {b}" for a in PLACE_FIRST for b in PLACE_SECOND if a != b]


# (unit type, the word before the name)
UNIT_TYPES = [("COMMUNE", "Xã"), ("WARD", "Phường"), ("TOWNSHIP", "Thị trấn")]

# (code, name, kind): the province's departments, boards and mass organisations.
AGENCIES = [
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "DEPARTMENT"),
    ("STC", "Sở Tài chính", "DEPARTMENT"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "DEPARTMENT"),
    ("SXD", "Sở Xây dựng", "DEPARTMENT"),
    ("SCT", "Sở Công Thương", "DEPARTMENT"),
    ("SYT", "Sở Y tế", "DEPARTMENT"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "DEPARTMENT"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "DEPARTMENT"),
    ("SNV", "Sở Nội vụ", "DEPARTMENT"),
    ("STP", "Sở Tư pháp", "DEPARTMENT"),
    ("BDTTG", "Ban Dân tộc và Tôn giáo tỉnh", "BOARD"),
    ("BQLKKT", "Ban Quản lý Khu kinh tế và các khu công nghiệp", "BOARD"),
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "MASS_ORGANIZATION"),
    ("HND", "Hội Nông dân tỉnh", "MASS_ORGANIZATION"),
    ("HLHPN", "Hội Liên hiệp Phụ nữ tỉnh", "MASS_ORGANIZATION"),
    ("UBND", "Ủy ban nhân dân tỉnh", "PEOPLES_COMMITTEE"),
]

LEGAL_FORMS = ["Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân", "Hợp tác xã"]

# (word in the enterprise's name, its sector)
TRADES = [
    ("Xây dựng", "Xây dựng"),
    ("Nông sản", "Nông nghiệp"),
    ("Thương mại", "Thương mại"),
    ("Dệt may", "Dệt may"),
    ("Vật liệu xây dựng", "Vật liệu xây dựng"),
    ("Thủy điện", "Năng lượng"),
    ("Chế biến gỗ", "Chế biến gỗ"),
    ("Dược phẩm", "Y tế"),
    ("Vận tải", "Logistics"),
    ("Du lịch", "Du lịch"),
    ("Thực phẩm", "Chế biến thực phẩm"),
    ("Khoáng sản", "Khai khoáng"),
    ("Điện tử", "Điện tử"),
    ("Phân bón", "Nông nghiệp"),
    ("Nước sạch", "Cấp nước"),
    ("Viễn thông", "Viễn thông"),
]

STREETS = ["Lê Lợi", "Trần Phú", "Nguyễn Huệ", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt",
           "Phan Chu Trinh", "Bà Triệu"]

PURPOSES = [
    "Xây dựng nhà văn hóa thôn",
    "Bê tông hóa đường giao thông nông thôn",
    "Xây dựng nhà tình nghĩa",
    "Học bổng cho học sinh nghèo vượt khó",
    "Hỗ trợ giống cây trồng, vật nuôi",
    "Xây dựng công trình nước sạch",
    "Sửa chữa trường mầm non",
    "Hỗ trợ xây nhà ở cho hộ nghèo",
    "Lắp đèn chiếu sáng đường thôn",
    "Trang thiết bị cho trạm y tế xã",
    "Kiên cố hóa kênh mương nội đồng",
    "Hỗ trợ sinh kế cho đồng bào dân tộc thiểu số",
]

# (title, category, index into AGENCIES of the agency that answers)
CONCERNS = [
    ("Chậm cấp giấy chứng nhận quyền sử dụng đất cho dự án", "LAND", 2),
    ("Thủ tục hoàn thuế giá trị gia tăng kéo dài", "TAX", 1),
    ("Vướng mắc giải phóng mặt bằng khu công nghiệp", "LAND", 11),
    ("Thời gian thẩm định dự án đầu tư còn dài", "INVESTMENT", 0),
    ("Cấp phép xây dựng nhà xưởng chậm", "CONSTRUCTION", 3),
    ("Đánh giá tác động môi trường phải làm lại nhiều lần", "ENVIRONMENT", 2),
    ("Thiếu lao động có tay nghề tại địa phương", "LABOUR", 8),
    ("Khó tiếp cận vốn vay ưu đãi", "CREDIT", 1),
    ("Đường vào cụm công nghiệp xuống cấp", "INFRASTRUCTURE", 3),
    ("Hồ sơ thủ tục hành chính trực tuyến bị trả lại", "ADMINISTRATIVE_PROCEDURE", 9),
    ("Điện ba pha chưa đến vùng nguyên liệu", "INFRASTRUCTURE", 4),
    ("Chi phí kiểm định an toàn thực phẩm cao", "OTHER", 5),
]

VENUES = [
    "Hội trường Trung tâm Hội nghị tỉnh",
    "Hội trường Ủy ban nhân dân tỉnh",
    "Hội trường Sở Kế hoạch và Đầu tư",
    "Nhà văn hóa trung tâm",
    "Hội trường Ban Quản lý Khu kinh tế",
    "Trung tâm Phục vụ hành chính công tỉnh",
]

CHAIRS = [
    "Chủ tịch Ủy ban nhân dân tỉnh",
    "Phó Chủ tịch Ủy ban nhân dân tỉnh",
    "Bí thư Tỉnh ủy",
    "Chủ tịch Ủy ban nhân dân xã",
]

# (format, title prefix)
DIALOGUE_FORMATS = [
    ("BUSINESS_DIALOGUE", "Hội nghị đối thoại với doanh nghiệp"),
    ("CITIZEN_DIALOGUE", "Đối thoại với Nhân dân"),
    ("CLUSTER_BRIEFING", "Giao ban cụm xã"),
    ("VOTER_MEETING", "Tiếp xúc cử tri"),
]


def check_digit(nine: str) -> int | None:
    """The tenth digit of a tax code (DESIGN.md §2), or None when there is none."""
    weights = [31, 29, 23, 19, 17, 13, 7, 5, 3]
    check = 10 - sum(w * int(d) for w, d in zip(weights, nine)) % 11
    return None if check == 10 else check


def tax_code(serial: int) -> str | None:
    """The tax code `28` + a seven-digit serial (not zero) + its check digit, or
    None when that serial has no valid check digit."""
    base = f"28{serial:07d}"
    check = check_digit(base)
    return None if check is None or serial == 0 else base + str(check)


def tax_codes(count: int) -> list[str]:
    codes, serial = [], 1
    while len(codes) < count:
        code = tax_code(serial)
        if code:
            codes.append(code)
        serial += 1
    return codes


if __name__ == "__main__":
    # The codes DESIGN.md gives: 0100233488 and 0314409058 valid, 0100233480 not.
    assert check_digit("010023348") == 8 and check_digit("031440905") == 8
    assert fold("Xã Đông Sơn") == "xa dong son"
    assert fold("  Ủy ban   nhân dân ") == "uy ban nhan dan"
    print("ok")
