"""The Vietnamese texts people read about findings: what each one is and what to do about it.

One table per kind of finding, to be read and edited by a person of the field without reading any
numpy code: :data:`CATEGORIES` for the differences between vnEdu and CSDL ngành (discrepancies.csv,
outputs.md) and :data:`RULES` for the data-entry checks of one system (checks.csv, checks.md).

Templates use ``{name}`` placeholders that the code fills: ``{noun}`` the kind of record (học sinh,
cán bộ, lớp, cơ sở vật chất), ``{field}`` a field's Vietnamese label, and the values each entry
names. Keep the placeholders when rewording; a test checks that every template is filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The records of each list kind, as the actions name them.
NOUNS: dict[str, str] = {"students": "học sinh", "staff": "cán bộ", "classes": "lớp",
                         "facilities": "cơ sở vật chất"}


@dataclass(frozen=True)
class CategoryText:
    """A category of discrepancies.csv: its name, its action, the action of particular cases
    (``cases``: instead of the action) and notes added to the action in others (``notes``)."""

    label: str
    action: str
    cases: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


CATEGORIES: dict[str, CategoryText] = {
    "only_in_vnedu": CategoryText(
        "Chỉ có trên vnEdu (chưa đồng bộ)",
        "Đồng bộ {noun} từ vnEdu lên CSDL ngành",
        notes={"no_moet_id": " (chưa có mã định danh: đồng bộ để được cấp mã)"}),
    "only_in_csdl": CategoryText(
        "Chỉ có trên CSDL ngành",
        "Không nhập trực tiếp trên CSDL ngành: xóa bản ghi {noun} thừa rồi đồng bộ lại từ vnEdu "
        "(nếu có thật, nhập vào vnEdu trước)"),
    "field_mismatch": CategoryText(
        "Thông tin khác nhau",
        "Kiểm tra {field} trên vnEdu (sửa nếu sai), rồi đồng bộ lại từ vnEdu; không sửa tay trên "
        "CSDL ngành",
        cases={"blank_in_vnedu": "Bổ sung {field} trên vnEdu rồi đồng bộ lại lên CSDL ngành"},
        notes={"same_last_digits": " (hai số khác nhau ở các chữ số đầu)"}),
    "duplicate_in_vnedu": CategoryText(
        "Trùng lặp trên vnEdu",
        "Hồ sơ trùng trên vnEdu ({n} bản): giữ một, xóa bản thừa, rồi đồng bộ lại lên CSDL ngành"),
    "duplicate_in_csdl": CategoryText(
        "Trùng lặp trên CSDL ngành",
        "Bản ghi trùng trên CSDL ngành ({n} bản): xóa bản thừa rồi đồng bộ lại từ vnEdu"),
    "missing_moet_id": CategoryText(
        "Thiếu mã định danh Bộ GD&ĐT",
        "Hồ sơ trên vnEdu chưa có mã định danh (trên CSDL ngành: {moet_id}): đồng bộ lại từ vnEdu "
        "để nhận mã"),
    "school_code_changed": CategoryText(
        "Trường đổi mã (sáp nhập)",
        "Trường sáp nhập (mã mới {code}, mã cũ {old_codes}): báo Sở GD&ĐT để chuyển dữ liệu từ mã "
        "cũ sang mã mới trên CSDL ngành rồi đồng bộ lại"),
    "school_missing": CategoryText(
        "Trường chưa có dữ liệu xuất",
        "Trường xuất danh sách {noun} từ vnEdu (tệp thiếu hoặc hỏng) và gửi lại Phòng GD&ĐT",
        cases={"csdl": "Trường đồng bộ danh sách {noun} từ vnEdu lên CSDL ngành rồi xuất lại "
                       "(tệp thiếu hoặc hỏng)"}),
}
# Added to any record's action when several records were too alike to link automatically.
AMBIGUOUS = "; có nhiều hồ sơ gần giống (trùng tên/ngày sinh): kiểm tra bằng tay"


@dataclass(frozen=True)
class RuleText:
    """A data-entry check: its title, what is wrong (``message``) and what to do (``action``,
    completed by :data:`FIX_IN` with the system to open)."""

    title: str
    message: str
    action: str


SEVERITY_LABELS: dict[str, str] = {"loi": "Lỗi", "canh_bao": "Cảnh báo"}

# What the school ratios compared with their district's are (bat_thuong_*).
RATIO_LABELS: dict[str, str] = {
    "bat_thuong_hs_moi_lop": "số học sinh bình quân một lớp",
    "bat_thuong_ty_le_nu": "tỉ lệ học sinh nữ",
    "bat_thuong_ty_le_dan_toc": "tỉ lệ học sinh dân tộc thiểu số",
    "bat_thuong_ty_le_luu_ban": "tỉ lệ học sinh lưu ban",
    "bat_thuong_ty_le_bo_hoc": "tỉ lệ học sinh bỏ học",
}

RULES: dict[str, RuleText] = {
    "hs_thieu_thong_tin": RuleText(
        "Học sinh thiếu thông tin", "Học sinh thiếu {field}", "bổ sung {field} của học sinh"),
    "hs_tuoi_khong_hop_ly": RuleText(
        "Tuổi không phù hợp với khối lớp",
        "Học sinh {age} tuổi học khối {grade} (tuổi thường gặp: {low}–{high})",
        "kiểm tra ngày sinh và khối lớp của học sinh"),
    "hs_tuyen_moi_sai_khoi": RuleText(
        "Tuyển mới nhưng không học lớp 1",
        "Học sinh được đánh dấu Tuyển mới nhưng học khối {grade}",
        "bỏ đánh dấu Tuyển mới (chỉ dành cho học sinh vào lớp 1) hoặc sửa khối lớp"),
    "hs_hoan_thanh_sai_khoi": RuleText(
        "Hoàn thành CTTH nhưng không học lớp 5",
        "Học sinh được đánh dấu Hoàn thành chương trình tiểu học nhưng học khối {grade}",
        "bỏ đánh dấu Hoàn thành chương trình tiểu học (chỉ dành cho học sinh lớp 5) hoặc sửa "
        "khối lớp"),
    "hs_thieu_danh_gia": RuleText(
        "Thiếu đánh giá cuối năm", "Học sinh đang học chưa có kết quả đánh giá cuối năm",
        "nhập kết quả đánh giá cuối năm của học sinh"),
    "hs_danh_gia_sai_muc": RuleText(
        "Mức đánh giá không đúng thông tư",
        "Mức đánh giá {level} không dùng cho khối {grade} trong năm học này (TT 27/2020 áp dụng "
        "cho khối {tt27}; các khối khác chỉ có Hoàn thành / Chưa hoàn thành theo TT 22/2016)",
        "sửa mức đánh giá của học sinh theo đúng thông tư áp dụng cho khối lớp"),
    "lop_si_so_vuot": RuleText(
        "Lớp quá 35 học sinh",
        "Lớp có {n} học sinh đang học, quá 35 học sinh (Điều lệ trường tiểu học)",
        "kiểm tra việc xếp lớp và danh sách học sinh của lớp"),
    "lop_khong_co_trong_danh_sach": RuleText(
        "Lớp không có trong danh sách lớp",
        "{n} học sinh đang học thuộc lớp không có trong danh sách lớp học của trường",
        "thêm lớp vào danh sách lớp học hoặc chuyển học sinh về đúng lớp"),
    "lop_khong_co_hoc_sinh": RuleText(
        "Lớp không có học sinh", "Lớp trong danh sách lớp học không có học sinh đang học nào",
        "xóa lớp không sử dụng hoặc xếp học sinh vào lớp"),
    "lop_si_so_khong_khop": RuleText(
        "Sĩ số lớp không khớp danh sách học sinh",
        "Sĩ số khai báo ({declared}) khác số học sinh đang học của lớp ({n})",
        "cập nhật sĩ số lớp theo danh sách học sinh (hoặc bổ sung học sinh còn thiếu)"),
    "cb_thieu_thong_tin": RuleText(
        "Cán bộ thiếu thông tin", "Cán bộ đang làm việc thiếu {field}",
        "bổ sung {field} của cán bộ"),
    "truong_thieu_hieu_truong": RuleText(
        "Trường không có Hiệu trưởng",
        "Không có cán bộ đang làm việc nào giữ chức vụ Hiệu trưởng",
        "cập nhật chức vụ Hiệu trưởng trong hồ sơ cán bộ (nếu trường đang có Hiệu trưởng)"),
    "truong_nhieu_hieu_truong": RuleText(
        "Trường có từ hai Hiệu trưởng", "{n} cán bộ đang làm việc cùng giữ chức vụ Hiệu trưởng",
        "chỉ để một Hiệu trưởng đang làm việc: cập nhật chức vụ hoặc trạng thái (nghỉ hưu, điều "
        "động...) của người không còn giữ chức"),
    "truong_thieu_phong_hoc": RuleText(
        "Số phòng học ít hơn số lớp",
        "Trường có {rooms} phòng học (kiên cố, bán kiên cố, tạm, nhờ/mượn) cho {classes} lớp",
        "kiểm tra số phòng học và danh sách lớp"),
    "hs_mat_khong_ro_ly_do": RuleText(
        "Học sinh mất khỏi danh sách không rõ lý do",
        "Học sinh đang học ở kỳ {before} nay không còn hồ sơ (không có trạng thái chuyển đi hay "
        "thôi học)",
        "khôi phục hồ sơ học sinh và cập nhật trạng thái (Chuyển đi, Thôi học...) thay vì xóa"),
    **{rule: RuleText(
        f"Bất thường: {what}",
        "{what} của trường ({x}) khác xa các trường cùng phòng (trung vị {med}; điểm z hiệu chỉnh "
        "{z})",
        f"kiểm tra lại số liệu {what} của trường (nếu đúng thì không cần sửa)")
       for rule, what in RATIO_LABELS.items()},
    "bat_thuong_si_so_thay_doi": RuleText(
        "Bất thường: số học sinh thay đổi hơn 10% so với kỳ trước",
        "Số học sinh đang học thay đổi {pct} so với kỳ {before} ({b} → {n})",
        "kiểm tra học sinh chuyển đến, chuyển đi, thôi học và hồ sơ bị xóa hoặc nhập thừa"),
}

# A check's action, by the system whose data fails it: errors are fixed in vnEdu, then synced.
FIX_IN: dict[str, str] = {
    "vnedu": "Mở vnEdu: {what}; sau đó đồng bộ lên CSDL ngành.",
    "csdl": "Lỗi trên CSDL ngành: mở vnEdu, {what} (nếu vnEdu đã đúng thì chỉ cần đồng bộ), rồi "
            "đồng bộ lại lên CSDL ngành; không sửa tay trên CSDL ngành.",
}
