"""Controlled vocabularies: periods, statuses, ethnic groups, list kinds, header aliases, findings.

Everything here is data. Spellings are NFC Unicode with the "modern" tone placement (Hòa, Thủy);
lookups go through :mod:`eduwb.text` keys, never through raw string equality.
"""

from __future__ import annotations

from eduwb import texts

# --- systems, periods, list kinds -------------------------------------------------------------

SYSTEMS: tuple[str, ...] = ("vnedu", "csdl")
SYSTEM_LABELS: dict[str, str] = {"vnedu": "vnEdu", "csdl": "CSDL ngành"}

PERIODS: tuple[str, ...] = ("dau_nam", "cuoi_hk1", "cuoi_nam")
PERIOD_LABELS: dict[str, str] = {
    "dau_nam": "Đầu năm",
    "cuoi_hk1": "Cuối học kì I",
    "cuoi_nam": "Cuối năm",
}

LIST_KINDS: tuple[str, ...] = ("students", "staff", "classes", "facilities")
LIST_KIND_LABELS: dict[str, str] = {
    "students": "Học sinh",
    "staff": "Cán bộ, giáo viên, nhân viên",
    "classes": "Lớp học",
    "facilities": "Cơ sở vật chất",
}
UNKNOWN_KIND = "unknown"

# --- findings (outputs.md) ---------------------------------------------------------------------

ENTITIES: tuple[str, ...] = ("student", "staff", "class", "facility", "school")
KIND_ENTITY: dict[str, str] = {
    "students": "student",
    "staff": "staff",
    "classes": "class",
    "facilities": "facility",
}

CATEGORIES: tuple[str, ...] = (
    "only_in_vnedu",
    "only_in_csdl",
    "field_mismatch",
    "duplicate_in_vnedu",
    "duplicate_in_csdl",
    "missing_moet_id",
    "school_code_changed",
    "school_missing",
)
# Their Vietnamese names and actions: eduwb.texts (one table for a person of the field to edit).
CATEGORY_LABELS: dict[str, str] = {c: texts.CATEGORIES[c].label for c in CATEGORIES}

DISCREPANCY_COLUMNS: tuple[str, ...] = (
    "year",
    "period",
    "district_code",
    "school_code",
    "entity",
    "category",
    "field",
    "vnedu_id",
    "moet_id",
    "full_name",
    "vnedu_value",
    "csdl_value",
    "action",
)
LOAD_REPORT_COLUMNS: tuple[str, ...] = (
    "system",
    "file",
    "sheet",
    "kind",
    "school_code",
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "message",
    "export_date",  # added at the end (outputs.md allows it): "Ngày xuất" title line, else mtime
)
# checks.csv of spec/checks.md, in order (eduwb.checks writes it; the history identifies its rows).
CHECK_COLUMNS: tuple[str, ...] = (
    "year", "period", "district_code", "school_code", "system", "entity", "rule", "severity",
    "field", "record_key", "moet_id", "full_name", "class_name", "value", "message", "action",
)
REJECTED_ROW_COLUMNS: tuple[str, ...] = (
    "system",
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "reason",
)

# --- students ------------------------------------------------------------------------------------

STUDENT_STATUSES: tuple[str, ...] = (
    "Đang học",
    "Chuyển đến kỳ 1",
    "Nghỉ học xin học lại kỳ 1",
    "Chuyển đi kỳ 1",
    "Thôi học kỳ 1",
    "Chuyển đến kỳ 2",
    "Nghỉ học xin học lại kỳ 2",
    "Chuyển đi kỳ 2",
    "Thôi học kỳ 2",
    "Chuyển đến trong hè",
    "Chuyển đi trong hè",
    "Thôi học trong hè",
)
STATUS_PRESENT = "Đang học"


def is_present(status: str | None) -> bool | None:
    """A pupil is counted unless the status is a Chuyển đi or Thôi học value; None if unknown."""
    if status is None:
        return None
    return not (status.startswith("Chuyển đi") or status.startswith("Thôi học"))


def is_dropout(status: str | None) -> bool | None:
    """Thôi học = dropout; None if the status is unknown."""
    if status is None:
        return None
    return status.startswith("Thôi học")


def is_transfer_out(status: str | None) -> bool:
    """A Chuyển đi status (the pupil left for another school)."""
    return bool(status) and status.startswith("Chuyển đi")


SEXES: dict[str, str] = {"F": "Nữ", "M": "Nam"}

# Canonical evaluation codes (outputs.md `hs_danh_gia` levels) and their labels.
EVALUATIONS: dict[str, str] = {
    "htxs": "Hoàn thành xuất sắc",
    "htt": "Hoàn thành tốt",
    "ht": "Hoàn thành",
    "cht": "Chưa hoàn thành",
}
EVALUATIONS_BY_GRADE: dict[int, tuple[str, ...]] = {
    1: ("htxs", "htt", "ht", "cht"),  # TT 27/2020
    2: ("htxs", "htt", "ht", "cht"),
    3: ("ht", "cht"),  # TT 22/2016
    4: ("ht", "cht"),
    5: ("ht", "cht"),
}

# Disability: canonical values are "khong" (none), "co" (disabled, type not given) or a type code.
DISABILITY_NONE = "khong"
DISABILITY_YES = "co"
DISABILITY_TYPES: dict[str, str] = {
    "01": "Khuyết tật vận động",
    "02": "Khuyết tật nghe, nói",
    "03": "Khuyết tật nhìn",
    "04": "Khuyết tật thần kinh, tâm thần",
    "05": "Khuyết tật trí tuệ",
    "06": "Khuyết tật khác",
}

# --- ethnic groups ---------------------------------------------------------------------------------

# The 54 groups as the GSO lists them (canonical spelling first), with spelling variants seen in
# exports. Lookups fold case, spaces, hyphens and apostrophes (text.vocab_key).
ETHNIC_GROUPS: dict[str, tuple[str, ...]] = {
    "Kinh": ("Việt",),
    "Tày": (),
    "Thái": (),
    "Mường": (),
    "Khmer": ("Khơ-me", "Khơ me", "Khơme", "Khmer Krôm"),
    "Hoa": ("Hán",),
    "Nùng": (),
    "Mông": ("H'Mông", "Hmông", "Mèo"),
    "Dao": (),
    "Gia Rai": ("Gia-rai", "Jrai"),
    "Ngái": (),
    "Ê Đê": ("Ê-đê", "Êđê", "Rhađê"),
    "Ba Na": ("Ba-na", "Bahnar"),
    "Xơ Đăng": ("Xơ-đăng", "Sê Đăng"),
    "Sán Chay": ("Cao Lan", "Sán Chỉ"),
    "Cơ Ho": ("Cơ-ho", "K'Ho", "Kơ Ho"),
    "Chăm": ("Chàm",),
    "Sán Dìu": (),
    "Hrê": ("H're",),
    "Mnông": ("M'nông", "M'Nông", "Mơ Nông"),
    "Ra Glai": ("Raglai", "Ra-glai"),
    "Xtiêng": ("S'tiêng", "Stiêng", "X'tiêng", "Xa Điêng"),
    "Bru Vân Kiều": ("Bru-Vân Kiều", "Vân Kiều", "Bru"),
    "Thổ": (),
    "Giáy": (),
    "Cơ Tu": ("Cơ-tu", "Ca Tu"),
    "Gié Triêng": ("Gié-Triêng", "Giẻ Triêng"),
    "Mạ": ("Châu Mạ",),
    "Khơ Mú": ("Khơ-mú", "Khmu"),
    "Co": ("Cor",),
    "Tà Ôi": ("Tà-ôi", "Pa Cô"),
    "Chơ Ro": ("Chơ-ro", "Châu Ro"),
    "Kháng": (),
    "Xinh Mun": (),
    "Hà Nhì": (),
    "Chu Ru": ("Chu-ru",),
    "Lào": (),
    "La Chí": (),
    "La Ha": (),
    "Phù Lá": (),
    "La Hủ": (),
    "Lự": (),
    "Lô Lô": (),
    "Chứt": (),
    "Mảng": (),
    "Pà Thẻn": (),
    "Cơ Lao": (),
    "Cống": (),
    "Bố Y": (),
    "Si La": (),
    "Pu Péo": (),
    "Brâu": (),
    "Ơ Đu": (),
    "Rơ Măm": (),
}
MAJORITY_ETHNICITY = "Kinh"

# --- staff -----------------------------------------------------------------------------------------

STAFF_GROUPS: dict[str, str] = {"cbql": "Cán bộ quản lý", "gv": "Giáo viên", "nv": "Nhân viên"}
STAFF_STATUSES: tuple[str, ...] = (
    "Đang làm việc",
    "Chuyển đến",
    "Đã chuyển đi",
    "Đã điều động",
    "Chờ nghỉ hưu",
    "Đã nghỉ hưu",
    "Đã biệt phái",
    "Thôi việc",
)
# Staff counted as "at work" (cb_tong).
STAFF_AT_WORK: tuple[str, ...] = ("Đang làm việc", "Chuyển đến", "Chờ nghỉ hưu")
POSITIONS: tuple[str, ...] = (
    "Hiệu trưởng",
    "Phó hiệu trưởng",
    "Giáo viên",
    "Tổng phụ trách Đội",
    "Kế toán",
    "Văn thư",
    "Y tế",
    "Thư viện",
    "Thiết bị",
    "Bảo vệ",
    "Phục vụ",
)
SUBJECTS: tuple[str, ...] = (
    "Văn hóa",
    "Tiếng Anh",
    "Tin học",
    "Âm nhạc",
    "Mĩ thuật",
    "Giáo dục thể chất",
)
QUALIFICATIONS: tuple[str, ...] = ("Trung cấp", "Cao đẳng", "Đại học", "Thạc sĩ", "Tiến sĩ")
QUALIFICATION_STANDARD = "Đại học"  # Luật Giáo dục 2019: the standard for primary teachers
CONTRACTS: tuple[str, ...] = ("Biên chế", "Hợp đồng")

# --- facilities --------------------------------------------------------------------------------------

FACILITY_ITEMS: dict[str, tuple[str, ...]] = {
    "phong_hoc_kien_co": ("Phòng học kiên cố",),
    "phong_hoc_ban_kien_co": ("Phòng học bán kiên cố",),
    "phong_hoc_tam": ("Phòng học tạm",),
    "phong_hoc_nho_muon": ("Phòng học nhờ, mượn", "Phòng học nhờ/mượn", "Phòng học nhờ mượn"),
    "phong_hoc_bo_mon": ("Phòng học bộ môn",),
    "thu_vien": ("Thư viện",),
    "nha_ve_sinh": ("Nhà vệ sinh",),
}
CLASSROOM_TYPES: dict[str, str] = {
    "phong_hoc_kien_co": "kien_co",
    "phong_hoc_ban_kien_co": "ban_kien_co",
    "phong_hoc_tam": "tam",
    "phong_hoc_nho_muon": "nho_muon",
}

# --- registry ------------------------------------------------------------------------------------------

PROVINCE_CODE = "70"
PROVINCE_NAME = "Bình Phước"
DISTRICTS: dict[str, str] = {
    "688": "Thị xã Phước Long",
    "689": "Thành phố Đồng Xoài",
    "690": "Thị xã Bình Long",
    "691": "Huyện Bù Gia Mập",
    "692": "Huyện Lộc Ninh",
    "693": "Huyện Bù Đốp",
    "694": "Huyện Hớn Quản",
    "695": "Huyện Đồng Phú",
    "696": "Huyện Bù Đăng",
    "697": "Huyện Chơn Thành",
    "698": "Huyện Phú Riềng",
}
SCHOOL_TYPES: tuple[str, ...] = ("TH", "TH&THCS")
OWNERSHIPS: tuple[str, ...] = ("Công lập", "Tư thục")

# Title-line and footer markers (compared on accent-folded, case-folded text).
FOOTER_MARKERS: tuple[str, ...] = (
    "Tổng cộng",
    "Tổng số",
    "Cộng",
    "Người lập biểu",
    "Người lập",
    "Hiệu trưởng",
    "Thủ trưởng đơn vị",
    "Ký tên",
    "ngày ... tháng",
)
