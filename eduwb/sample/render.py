"""Write one export as a messy file and return its canonical rows with provenance.

Provenance conventions (what a correct loader reports):

- ``file``: path relative to DATA with forward slashes;
- ``sheet``: the worksheet name for .xlsx and real .xls; empty for CSV and for HTML-as-.xls;
- ``row``: the 1-based row a person sees: the Excel row; for CSV the line number (header = line 1);
  for HTML-as-.xls the 1-based index of the ``<tr>`` in the file's single table (title rows are
  ``<tr>`` of that table too). A wide facilities file gives all seven items the row of its data row.
"""

from __future__ import annotations

import csv
import html
import io
import os
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from eduwb import fields, vocab
from eduwb.sample.faults import Export
from eduwb.sample.noise import Style
from eduwb.sample.people import School
from eduwb.sample.truth import fmt
from eduwb.schemas import FIELDS_BY_KIND

CREATED = datetime(2021, 9, 10, 8, 0, 0)
EXPORT_DATES = {"dau_nam": date(2021, 9, 10), "cuoi_hk1": date(2022, 1, 12),
                "cuoi_nam": date(2022, 5, 18)}
KIND_TITLES = {"students": "DANH SÁCH HỌC SINH",
               "staff": "DANH SÁCH CÁN BỘ, GIÁO VIÊN, NHÂN VIÊN",
               "classes": "DANH SÁCH LỚP HỌC", "facilities": "THỐNG KÊ CƠ SỞ VẬT CHẤT"}
FILE_KIND = {
    "vnedu": {"students": "DanhSachHocSinh", "staff": "DanhSachCanBo", "classes": "DanhSachLopHoc",
              "facilities": "CoSoVatChat"},
    "csdl": {"students": "HocSinh", "staff": "CanBo_GiaoVien", "classes": "LopHoc",
             "facilities": "CSVC"},
}
DEFAULT_HEADERS = {
    ("vnedu", "vnedu_id"): "Mã học sinh", ("vnedu", "moet_id"): "Mã định danh Bộ GD&ĐT",
    ("csdl", "moet_id"): "Mã học sinh", ("vnedu", "class_name"): "Lớp",
    ("csdl", "class_name"): "Lớp học", ("vnedu", "grade"): "Khối", ("csdl", "grade"): "Khối học",
    ("vnedu", "status"): "Trạng thái", ("csdl", "status"): "Trạng thái HS",
    ("csdl", "disability"): "Loại khuyết tật", ("csdl", "full_name"): "Họ tên",
}
STAFF_DEFAULTS = {("vnedu", "vnedu_id"): "Mã cán bộ", ("csdl", "moet_id"): "Mã cán bộ",
                  ("csdl", "staff_status"): "Trạng thái CB", ("csdl", "position"): "Vị trí việc làm"}
PARENT_COLUMNS = ("Mã tỉnh", "Mã huyện", "Nơi sinh", "Quê quán", "Địa chỉ thường trú",
                  "Địa chỉ tạm trú", "Thôn/xóm", "Họ tên cha", "Năm sinh cha", "Nghề nghiệp cha",
                  "Số điện thoại cha", "Họ tên mẹ", "Năm sinh mẹ", "Nghề nghiệp mẹ",
                  "Số điện thoại mẹ", "Người giám hộ", "Điện thoại liên hệ", "Email liên hệ",
                  "Tôn giáo", "Quốc tịch", "Đối tượng chính sách", "Nhóm máu", "Chiều cao (cm)",
                  "Cân nặng (kg)", "Khu vực")
EXTRA = {"students": ("Ghi chú", "Nơi sinh", "Địa chỉ"), "staff": ("Ngày vào ngành", "Email"),
         "classes": ("Phòng học", "Ghi chú"), "facilities": ("Ghi chú",)}
CATEGORY_SHEETS = ("DM_DanToc", "DM_TrangThai", "DM_KhuyetTat", "DM_GioiTinh", "DM_TonGiao",
                   "DM_QuocTich", "DM_DoiTuongCS", "DM_KhuVuc", "DM_NhomMau", "DM_NgheNghiep",
                   "DM_Tinh", "DM_Huyen", "DM_Xa", "DM_KhoiHoc", "DM_LoaiLop", "DM_HinhThucHT")
_OLD_TONE = {"òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ", "òe": "oè", "óe": "oé",
             "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ", "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ",
             "ụy": "uỵ"}
_OLD_RE = re.compile("(" + "|".join(_OLD_TONE) + r")(?![^\W\d_])")
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class Col:
    """One column: its header as written, its canonical field (None = unknown), its cell."""

    header: str
    field: str | None
    cell: Callable[[dict, int], object]
    group: str | None = None


def slug(s: str) -> str:
    """ASCII file-name part of a school name."""
    s = unicodedata.normalize("NFD", s.replace("Đ", "D").replace("đ", "d"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")


class _Text:
    """Cell-text noise of one file."""

    def __init__(self, noise: set[str], rng: random.Random) -> None:
        self.n = noise
        self.rng = rng

    def __call__(self, s: str | None, *, name: bool = False, plain: bool = False) -> str | None:
        """Noisy spelling of ``s``; names go all-capital file-wide, plain text keeps its case."""
        if not s:
            return s
        n, r = self.n, self.rng
        if "tone_old" in n and r.random() < 0.7:
            s = _OLD_RE.sub(lambda m: _OLD_TONE[m.group(1)], s)
        if "d_u00d0" in n and r.random() < 0.7:
            s = s.replace("Đ", "Ð")
        if "value_case" in n and name:
            s = s.upper()
        elif "value_case" in n and not plain and r.random() < 0.5:
            s = s.upper() if r.random() < 0.5 else s.lower()
        if "repeated_spaces" in n and r.random() < 0.5:
            s = s.replace(" ", "  ", 1) + (" " if r.random() < 0.5 else "")
        if "text_nfd" in n and r.random() < 0.7:
            s = unicodedata.normalize("NFD", s)
        return s


def _header(e: Export, st: Style, rng: random.Random, field: str, default: str) -> str:
    n = st.noise
    h = default
    if "header_alias" in n and rng.random() < 0.6:
        pool = list(fields.aliases(field, e.kind))
        sys_alias = fields.system_aliases(field, e.kind, e.system)
        if sys_alias:
            pool = list(sys_alias)
        elif field == "moet_id" and e.system == "vnedu":
            pool = [p for p in pool if p != "Mã học sinh"]
        if field in ("class_name",) and e.system == "csdl":
            pool = ["Lớp học", "Mã lớp", "Lớp"]
        if pool:
            h = rng.choice(pool)
    if "header_suffix" in n and rng.random() < 0.4:
        h += " (dd/mm/yyyy)" if field in ("dob", "status_date") else " (*)"
    if "header_linebreak" in n and " " in h and rng.random() < 0.5:
        h = h.replace(" ", "\n", 1)
    if "header_case" in n and rng.random() < 0.6:
        h = h.upper()
    if "header_nfd" in n and rng.random() < 0.6:
        h = unicodedata.normalize("NFD", h)
    return h


class _Cells:
    """Canonical value → cell value for one file."""

    def __init__(self, e: Export, st: Style, rng: random.Random) -> None:
        self.e, self.st, self.rng, self.n = e, st, rng, st.noise
        self.text = _Text(st.noise, rng)
        self.date_style = next((d for d in ("date_dash", "date_dot", "date_cell", "date_serial")
                                if d in st.noise), "date_slash")

    def raw(self, r: dict, field: str) -> object:
        return r.get("_raw", {}).get(field)

    def date(self, d: date | None) -> object:
        if d is None:
            return None
        s = self.date_style
        if s == "date_cell":
            return d
        if s == "date_serial":
            return (d - _EXCEL_EPOCH).days
        sep = {"date_dash": "-", "date_dot": "."}.get(s, "/")
        return f"{d.day:02d}{sep}{d.month:02d}{sep}{d.year}"

    def code(self, m: str | None) -> object:
        if m is None:
            return None
        if "code_as_float" in self.n:
            return f"{m}.0" if not self.st.excel else float(m)
        if "code_as_int" in self.n:
            return int(m)
        return m

    def flag(self, v: bool | None) -> object:
        if not v:
            return None
        if "flag_variants" in self.n:
            return self.rng.choice(("x", "X", "Có", "x"))
        return "x"

    def sex(self, s: str | None) -> object:
        if s is None:
            return None
        if "sex_variants" in self.n and self.rng.random() < 0.6:
            return self.rng.choice({"M": ("nam", "NAM", "Nam"), "F": ("nữ", "NỮ", "nu", "Nu")}[s])
        return vocab.SEXES[s]

    def ethnicity(self, s: str | None) -> object:
        if s is None:
            return None
        if "ethnicity_variants" in self.n and s != "Kinh":
            return self.text(self.rng.choice((s, *vocab.ETHNIC_GROUPS[s])))
        return self.text(s)

    def class_name(self, c: str | None) -> object:
        if c is None:
            return None
        if "class_spaced_slash" in self.n and "/" in c:
            c = c.replace("/", " / ")
        if "class_lop_prefix" in self.n:
            return f"Lớp {c}"
        if "class_l_prefix" in self.n:
            return f"L{c}"
        return c

    def grade(self, g: int | None) -> object:
        if g is None:
            return None
        if "grade_khoi_text" in self.n:
            return f"Khối {g}"
        return g if not self.st.is_csv else str(g)

    def disability(self, d: str | None) -> object:
        if d is None or d == "khong":
            return "Không" if d == "khong" and self.rng.random() < 0.1 else None
        if d == "co":
            return self.rng.choice(("x", "Có"))
        if "disability_code" in self.n and self.rng.random() < 0.7:
            return d
        return self.text(vocab.DISABILITY_TYPES[d])


def _person_cols(e: Export, st: Style, rng: random.Random, cv: _Cells,
                 school_col: bool) -> list[Col]:
    f = set(e.fields)
    n = st.noise
    t = cv.text
    defaults = dict(DEFAULT_HEADERS)
    if e.kind == "staff":
        defaults.update(STAFF_DEFAULTS)

    def col(field: str, cell, default: str | None = None, group: str | None = None) -> Col:
        d = default or defaults.get((e.system, field)) or fields.aliases(field, e.kind)[0]
        return Col(_header(e, st, rng, field, d), field, cell, group)

    cols = [Col("STT", None, lambda r, i: i)]
    if school_col:
        cols.append(col("school_code", _school_code_cell(e)))
    if "vnedu_id" in f:
        cols.append(col("vnedu_id", lambda r, i: r["vnedu_id"]))
    cols.append(col("moet_id", lambda r, i: cv.code(r["moet_id"])))
    if "personal_id" in f:
        cols.append(col("personal_id", lambda r, i: r["personal_id"]))
    if "split_name" in n:
        grp = "Họ và tên"
        cols.append(col("middle_name", lambda r, i: t(r["full_name"].rsplit(" ", 1)[0], name=True)
                         if r["full_name"] else None, group=grp))
        cols.append(col("given_name", lambda r, i: t(r["full_name"].rsplit(" ", 1)[1], name=True)
                         if r["full_name"] else None, group=grp))
    else:
        cols.append(col("full_name", lambda r, i: t(r["full_name"], name=True)))
    info = "Thông tin chung" if "merged_header" in n else None
    cols.append(col("dob", lambda r, i: cv.raw(r, "dob") or cv.date(r["dob"]), group=info))
    if "female_mark" in n:
        cols.append(col("female_mark", lambda r, i: "x" if r["sex"] == "F" else None, group=info))
    else:
        cols.append(col("sex", lambda r, i: cv.sex(r["sex"]), group=info))
    cols.append(col("ethnicity", lambda r, i: cv.ethnicity(r["ethnicity"]), group=info))
    if e.kind == "staff":
        cols.append(col("staff_group", lambda r, i: t(vocab.STAFF_GROUPS[r["staff_group"]])))
        for fld in ("position", "subject", "qualification", "contract", "staff_status"):
            cols.append(col(fld, lambda r, i, fld=fld: t(r[fld])))
        return cols
    cols.append(col("class_name", lambda r, i: cv.class_name(r["class_name"])))
    if "grade_absent" not in n:
        cols.append(col("grade", lambda r, i: cv.grade(r["grade"])))
    cols.append(col("status", lambda r, i: t(r["status"])))
    if "status_date" in f:
        cols.append(col("status_date", lambda r, i: cv.date(r["status_date"])))
    cols.append(col("disability", lambda r, i: cv.disability(r["disability"])))
    for fld in ("two_sessions", "boarding", "repeater", "new_entrant"):
        if fld in f:
            cols.append(col(fld, lambda r, i, fld=fld: cv.flag(r[fld])))
    if "evaluation" in f:
        cols.append(col("evaluation", lambda r, i: t(vocab.EVALUATIONS[r["evaluation"]])
                        if r["evaluation"] else None))
        cols.append(col("completed_primary", lambda r, i: cv.flag(r["completed_primary"])))
    return cols


def _class_cols(e: Export, st: Style, rng: random.Random, cv: _Cells, school_col: bool):
    def col(field, cell, default=None):
        d = default or fields.aliases(field, "classes")[0]
        return Col(_header(e, st, rng, field, d), field, cell)

    cols = [Col("STT", None, lambda r, i: i)]
    if school_col:
        cols.append(col("school_code", _school_code_cell(e)))
    cols.append(col("class_name", lambda r, i: cv.class_name(r["class_name"])))
    cols.append(col("grade", lambda r, i: cv.grade(r["grade"])))
    if "sessions_per_day" in st.noise:
        cols.append(col("sessions_per_day", lambda r, i: 2 if r["two_sessions"] else 1))
    else:
        cols.append(col("two_sessions", lambda r, i: cv.flag(r["two_sessions"])))
    cols.append(col("multi_grade", lambda r, i: cv.flag(r["multi_grade"])))
    cols.append(col("homeroom_teacher", lambda r, i: cv.text(r["homeroom_teacher"], plain=True)))
    cols.append(col("declared_size", lambda r, i: cv.raw(r, "declared_size") or (
        r["declared_size"] if not st.is_csv else str(r["declared_size"]))))
    return cols


def _extra_cols(e: Export, st: Style, school: School) -> list[Col]:
    cols: list[Col] = []
    if "extra_columns" in st.noise:
        for h in EXTRA[e.kind]:
            cols.append(Col(h, None, lambda r, i: None))
    if "csdl_parent_columns" in st.noise:
        commune = school.short_name.split(" ", 1)[1]
        for j, h in enumerate(PARENT_COLUMNS):
            def cell(r, i, j=j, h=h):
                k = i * 31 + j
                if "điện thoại" in h.lower():
                    return f"0000.000.{k % 1000:03d}"
                if h.startswith("Họ tên") or h == "Người giám hộ":
                    return f"Phụ huynh mẫu {k % 997}"
                if h.startswith("Năm sinh"):
                    return 1980 + k % 15 if not st.is_csv else str(1980 + k % 15)
                if h.startswith("Email"):
                    return f"phuhuynh{k % 9973}@example.invalid"
                if h.startswith("Địa chỉ") or h == "Thôn/xóm":
                    return f"Địa chỉ mẫu số {k % 500}, {commune}"
                if h == "Mã tỉnh":
                    return "70"
                if h == "Mã huyện":
                    return school.district
                if h == "Quốc tịch":
                    return "Việt Nam"
                return None
            cols.append(Col(h, None, cell, "Thông tin gia đình" if j >= 7 and j < 15 and
                            "merged_header" in st.noise else None))
    return cols


def _district_titles(e: Export, st: Style, when: date | None) -> list[list]:
    lines = ["SỞ GIÁO DỤC VÀ ĐÀO TẠO BÌNH PHƯỚC",
             f"PHÒNG GD&ĐT {vocab.DISTRICTS[e.district].upper()}",
             f"{KIND_TITLES[e.kind]} TOÀN {'THÀNH PHỐ' if e.district == '689' else 'HUYỆN'}",
             "Năm học 2021-2022", f"Kỳ báo cáo: {vocab.PERIOD_LABELS[e.period]}"]
    if "export_date_line" in st.noise or when is not None:
        lines.append(f"Ngày xuất: {(when or EXPORT_DATES[e.period]).strftime('%d/%m/%Y')}")
    return [[x] for x in lines]


def _titles(e: Export, st: Style, school: School, code_in_title: bool,
            when: date | None = None) -> list[list]:
    if not st.n_titles:
        return []
    lines = ["SỞ GIÁO DỤC VÀ ĐÀO TẠO BÌNH PHƯỚC",
             f"PHÒNG GD&ĐT {vocab.DISTRICTS[e.district].upper()}"]
    if code_in_title:
        lines.append(f"Trường: {school.short_name} - Mã trường: {e.file_school_code}"
                     if st.n_titles % 2 else f"{school.name.upper()} ({e.file_school_code})")
    else:
        lines.append(f"Trường: {school.short_name}")
    lines += [KIND_TITLES[e.kind], "Năm học 2021-2022",
              f"Kỳ báo cáo: {vocab.PERIOD_LABELS[e.period]}"]
    if "export_date_line" in st.noise:
        lines.append(f"Ngày xuất: {(when or EXPORT_DATES[e.period]).strftime('%d/%m/%Y')}")
    must = 3 + ("export_date_line" in st.noise)
    keep = lines[:max(st.n_titles, must)]
    if len(keep) < st.n_titles:
        keep += [""] * (st.n_titles - len(keep))
    if code_in_title and not any(e.file_school_code in x for x in keep):
        keep[0] = lines[2]
    if "export_date_line" in st.noise and not any(x.startswith("Ngày xuất") for x in keep):
        keep[-1] = lines[-1]
    return [[x] if x else [] for x in keep]


def _footer(e: Export, n: int, width: int) -> list[list]:
    unit = {"students": "học sinh", "staff": "người", "classes": "lớp", "facilities": "hạng mục"}
    d = EXPORT_DATES[e.period]
    right = max(width - 2, 3)
    sign = [None] * (right + 1)
    sign[1], sign[right] = "Người lập biểu", "HIỆU TRƯỞNG"
    when = [None] * (right + 1)
    when[right] = f"Bình Phước, ngày {d.day} tháng {d.month} năm {d.year}" if n % 2 else \
        "Bình Phước, ngày ... tháng ... năm ..."
    return [[], [f"Tổng cộng: {n} {unit[e.kind]}"], [], when, sign]


def _categories(n: int) -> list[tuple[str, list[list]]]:
    out = []
    for name in CATEGORY_SHEETS[:n]:
        rows: list[list] = [["Mã", "Tên"]]
        rows += [[f"{k:02d}", f"{name[3:]} {k}"] for k in range(1, 8)]
        out.append((name, rows))
    return out


@dataclass
class Job:
    """One file to write: one school's export, or the exports of several schools of a district
    (a district-level file, with a ``Mã trường`` or a ``Tên trường`` column)."""

    exports: list[Export]
    style: Style
    schools: list[School]
    rel_dir: str
    school_column: str | None = None  # "code" | "name" for a district-level file
    export_date: date | None = None  # a later "Ngày xuất" line (a re-export)
    name_suffix: str = ""  # " (1)" for a re-export saved beside the first

    @property
    def district_level(self) -> bool:
        return self.school_column is not None


@dataclass
class Rendered:
    """What writing one file produced: its files.csv row, and per school code as written, its
    canonical rows, rejections and (rows read, rows rejected whole)."""

    file: tuple
    canonical: list[tuple]
    rejections: list[tuple]
    schools: dict[str, tuple[int, int]]


def stamp(path: Path, day: date) -> None:
    """Give a file the modification time of its export day (noon UTC: the same date in every
    time zone of the country), so a file without a "Ngày xuất" line is dated as an office's is."""
    saved = datetime.combine(day, time(12), UTC).timestamp()
    os.utime(path, (saved, saved))


def render(job: Job, root: Path, seed: int) -> Rendered:
    """Write the job's file under ``root``; canonical rows, rejections and its files.csv row."""
    e = job.exports[0]
    st, school = job.style, job.schools[0]
    tag = f"{e.school}" if not job.district_level else f"district-{e.district}"
    rng = random.Random(f"eduwb-sample:{seed}:render:{e.period}:{e.system}:{tag}:{e.kind}"
                        f"{job.name_suffix}")
    n = st.noise
    code_col = "school_code_column" in n or job.school_column == "code"
    cv = _Cells(e, st, rng)
    if e.kind in ("students", "staff"):
        cols = _person_cols(e, st, rng, cv, code_col)
    elif e.kind == "classes":
        cols = _class_cols(e, st, rng, cv, code_col)
    else:
        cols = _facility_cols(e, st, rng, cv, code_col)
    if job.school_column == "name":
        cols.insert(1, Col(_header(e, st, rng, "school_name", "Tên trường"), "school_name",
                           lambda r, i: _rec(r)["_sname"]))
    cols += _extra_cols(e, st, school)
    if "shuffled_columns" in n:
        head, rest = cols[:1], cols[1:]
        rng.shuffle(rest)
        cols = head + rest
    grid: list[list] = []
    merges: list[tuple] = []
    if job.district_level:
        grid += _district_titles(e, st, job.export_date)
    else:
        grid += _titles(e, st, school, "school_code_title" in n, job.export_date)
    if grid and rng.random() < 0.5:
        grid.append([])
    top = len(grid)
    if "header_3_rows" in n:
        merges = _three_row_header(grid, cols, top, e.kind)
    elif "merged_header" in n:
        merges = _two_row_header(grid, cols, top)
    else:
        grid.append([c.header for c in cols])
    header_map = {c.field: c.header for c in cols if c.field}
    if "numbering_row" in n:
        grid.append(_numbering(len(cols), st, rng))
    parts = []  # (export, records in file order, first data index, rows)
    rows_data: list[list] = []
    positions: dict[int, list[int]] = {}
    junk_rows: dict[int, int] = {}
    i = 0
    for k, ex in enumerate(job.exports):
        records = sorted(ex.records, key=_sort_key(ex, rng))
        if job.district_level:
            sname = job.schools[k].short_name if k % 2 else job.schools[k].name
            records = [{**r, "_fsc": ex.file_school_code, "_sname": sname} for r in records]
        pos: list[int] = []
        if ex.kind == "facilities" and "facilities_wide" in n:
            rows_data.append([c.cell(records, k + 1) for c in cols])
            pos = [len(grid) + len(rows_data)] * len(records)
        else:
            junk_at = min(3, len(records)) if ex.junk_rows else -1
            for j, r in enumerate(records):
                if j == junk_at:
                    i += 1
                    rows_data.append([c.cell(_junk(r), i) if c.field in (
                        None, "class_name", "grade", "dob", "sex", "female_mark", "ethnicity",
                        "school_code", "school_name") else None for c in cols])
                    junk_rows[k] = len(grid) + len(rows_data)
                i += 1
                rows_data.append([c.cell(r, i) for c in cols])
                pos.append(len(grid) + len(rows_data))
        positions[k] = pos
        parts.append((ex, records))
    first_data = len(grid) + 1
    end_header = len(grid)
    if "merged_data_cells" in n:
        merges += _merge_down(rows_data, cols, first_data - 1)
    grid += rows_data
    if "footer" in n:
        grid += _footer(e, sum(len(ex.records) for ex in job.exports), len(cols))
    fname = _file_name(job, st, school)
    rel = f"{job.rel_dir}/{fname}"
    sheet = "" if st.fmt == "html_xls" or st.is_csv else _sheet_name(e, rng)
    shift = 0
    if st.is_csv:
        # CSV: header + numbering row + data only; row = line number
        shift = top
        keep = 1 + ("numbering_row" in n)
        grid = grid[top:top + keep] + rows_data
        merges = []
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    cats = _categories(st.n_categories)
    hidden = _old_copy(grid, top, end_header) if "hidden_sheet" in n else None
    if "tcvn3" in n:
        from eduwb.text import encode_tcvn3

        grid = [[encode_tcvn3(v) if isinstance(v, str) else v for v in row] for row in grid]
        merges = [(*m[:4], encode_tcvn3(m[4]) if isinstance(m[4], str) else m[4])
                  for m in merges]
        header_map = {k: encode_tcvn3(v) for k, v in header_map.items()}
    _write(path, st, grid, merges, sheet, cats, "category_sheet_first" in n, hidden)
    readable = not e.corrupt and "password_protected" not in n
    if e.corrupt:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    if "password_protected" in n:
        _protect(path, seed)
    stamp(path, job.export_date or EXPORT_DATES[e.period])
    canonical, rejections = [], []
    schools: dict[str, tuple[int, int]] = {}
    rows_read = 0
    for k, (ex, records) in enumerate(parts):
        pos = [p - shift for p in positions[k]]
        wide = ex.kind == "facilities" and "facilities_wide" in n
        read_k = (1 if records else 0) if wide else len(records) + ex.junk_rows
        rows_read += read_k
        schools[ex.file_school_code] = (read_k, ex.junk_rows)
        if not readable:
            continue
        for r, row in zip(records, pos, strict=True):
            prov = (ex.system, rel, sheet, str(row), ex.file_school_code, ex.school)
            canonical.append((*prov, *(fmt(r[f]) for f in FIELDS_BY_KIND[ex.kind]),
                              r["person_key"]))
            for field, raw in r.get("_raw", {}).items():
                reason = "Ngày không hợp lệ" if field == "dob" else "Không phải số"
                rejections.append((ex.system, rel, sheet, str(row), header_map[field], raw,
                                   reason, ex.file_school_code))
        if k in junk_rows:
            rejections.append((ex.system, rel, sheet, str(junk_rows[k] - shift), "", "",
                               "Dòng không có họ tên và mã", ex.file_school_code))
    fmt_name = {"format_xlsx": "xlsx", "real_xls": "xls", "html_xls": "html",
                "format_ods": "ods"}.get(st.fmt, "csv")
    junk = sum(ex.junk_rows for ex in job.exports)
    loaded = 0 if not readable else (rows_read - junk)
    code = "" if job.district_level else e.school
    file_code = "" if job.district_level else e.file_school_code
    file_row = (e.system, rel, fmt_name, e.kind, code, file_code,
                str(rows_read if readable else 0), str(loaded), str(junk if readable else 0),
                str(readable), sheet, ";".join(sorted(n)), ";".join(e.fields), "")
    return Rendered(file_row, canonical, rejections, schools)


def _rec(r: dict | list[dict]) -> dict:
    """The record a cell belongs to (a wide facilities row holds a school's records)."""
    return r[0] if isinstance(r, list) else r


def _school_code_cell(e: Export):
    return lambda r, i: _rec(r).get("_fsc", e.file_school_code)


def _two_row_header(grid: list[list], cols: list[Col], top: int) -> list[tuple]:
    """A group label merged above its sub-columns; other headers merged over both rows."""
    merges: list[tuple] = []
    grid.append([None] * len(cols))
    grid.append([None] * len(cols))
    c = 0
    while c < len(cols):
        g = cols[c].group
        if g is None:
            merges.append((top, c, top + 1, c, cols[c].header))
            c += 1
            continue
        end = c
        while end + 1 < len(cols) and cols[end + 1].group == g:
            end += 1
        merges.append((top, c, top, end, g))
        for k in range(c, end + 1):
            grid[top + 1][k] = cols[k].header
        c = end + 1
    for r1, c1, _r2, _c2, v in merges:
        grid[r1][c1] = v
    return [m for m in merges if m[0] != m[2] or m[1] != m[3]]


def _three_row_header(grid: list[list], cols: list[Col], top: int, kind: str) -> list[tuple]:
    """A 3-row header: one label over every column but the first, then the 2-row header."""
    grid.append([None] * len(cols))
    label = {"students": "THÔNG TIN HỌC SINH", "staff": "THÔNG TIN CÁN BỘ, GIÁO VIÊN",
             "classes": "THÔNG TIN LỚP HỌC", "facilities": "CƠ SỞ VẬT CHẤT"}[kind]
    merges = _two_row_header(grid, cols, top + 1)
    grid[top][0] = cols[0].header
    grid[top + 1][0] = None
    merges = [m for m in merges if (m[0], m[1]) != (top + 1, 0)]
    merges.append((top, 0, top + 2, 0, cols[0].header))
    grid[top][1] = label
    merges.append((top, 1, top, len(cols) - 1, label))
    return merges


def _numbering(width: int, st: Style, rng: random.Random) -> list:
    style = rng.choice(("digits", "parens", "letters"))
    if style == "letters":
        return [chr(65 + k) if k < 26 else "A" + chr(65 + k - 26) for k in range(width)]
    if style == "parens":
        return [f"({k})" for k in range(1, width + 1)]
    return [k if st.excel else str(k) for k in range(1, width + 1)]


def _merge_down(rows: list[list], cols: list[Col], first: int) -> list[tuple]:
    """Merge the class column's runs of equal cells down the data rows (a class written once)."""
    at = next((c for c, col in enumerate(cols) if col.field == "class_name"), None)
    if at is None:
        return []
    merges = []
    i = 0
    while i < len(rows):
        v = rows[i][at]
        j = i
        while j + 1 < len(rows) and rows[j + 1][at] == v and v is not None:
            j += 1
        if j > i:
            merges.append((first + i, at, first + j, at, v))
            for k in range(i + 1, j + 1):
                rows[k][at] = None
        i = j + 1
    return merges


def _old_copy(grid: list[list], top: int, end_header: int) -> list[list]:
    """A hidden sheet's old copy of the list: the header and two rows with other names."""
    out = [list(r) for r in grid[top:end_header]]
    data = [list(r) for r in grid[end_header:end_header + 2]]
    for row in data:
        for c, v in enumerate(row):
            if isinstance(v, str) and " " in v and not any(ch.isdigit() for ch in v):
                row[c] = "Bản cũ " + v
    return out + data


def _protect(path: Path, seed: int) -> None:
    """Encrypt an .xlsx with a password (deterministically: seeded salts, a fixed clock)."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.method import ecma376_agile
    from msoffcrypto.method.container import ecma376_encrypted

    class FixedNow(datetime):
        @classmethod
        def now(cls, tz=None):  # msoffcrypto's signature
            return cls(2021, 9, 10, 8, 0, 0)

    rng = random.Random(f"eduwb-sample:{seed}:protect:{path.name}")
    saved = ecma376_agile._random_buffer, ecma376_encrypted.datetime
    ecma376_agile._random_buffer = lambda n: rng.randbytes(n)
    ecma376_encrypted.datetime = FixedNow
    try:
        out = io.BytesIO()
        with path.open("rb") as fh:
            OOXMLFile(fh).encrypt("matkhau", out)
    finally:
        ecma376_agile._random_buffer, ecma376_encrypted.datetime = saved
    path.write_bytes(out.getvalue())


def _junk(r: dict) -> dict:
    j = {k: None for k in r}
    for k in ("class_name", "grade", "dob", "sex", "ethnicity", "_fsc", "_sname"):
        j[k] = r.get(k)
    j["_raw"] = {}
    return j


def _sort_key(e: Export, rng: random.Random):
    if e.kind == "students":
        if e.system == "vnedu":
            return lambda r: (r["class_name"] or "", (r["full_name"] or "").rsplit(" ", 1)[-1],
                              r["full_name"] or "", r["person_key"], r.get("vnedu_id") or "")
        return lambda r: (r["grade"] or 0, r["class_name"] or "", r["moet_id"] or "",
                          r["person_key"])
    if e.kind == "staff":
        order = {"cbql": 0, "gv": 1, "nv": 2}
        return lambda r: (order[r["staff_group"]], r["person_key"], r.get("moet_id") or "")
    if e.kind == "classes":
        return lambda r: (r["grade"], r["class_name"])
    items = list(vocab.FACILITY_ITEMS)
    return lambda r: items.index(r["item"])


def _facility_cols(e: Export, st: Style, rng: random.Random, cv: _Cells, school_col: bool):
    cols = [Col("STT", None, lambda r, i: i)]
    if school_col:
        cols.append(Col("Mã trường", "school_code", _school_code_cell(e)))
    if "facilities_wide" in st.noise:
        for item, labels in vocab.FACILITY_ITEMS.items():
            label = rng.choice(labels) if "header_alias" in st.noise else labels[0]
            grp = "Phòng học" if "merged_header" in st.noise and item in \
                vocab.CLASSROOM_TYPES else None
            cols.append(Col(label, item, lambda rs, i, item=item: next(
                r["count"] for r in rs if r["item"] == item), grp))
        return cols
    cols.append(Col(_header(e, st, rng, "item", "Hạng mục"), "item",
                    lambda r, i: cv.text(rng.choice(vocab.FACILITY_ITEMS[r["item"]]))))
    cols.append(Col(_header(e, st, rng, "count", "Số lượng"), "count",
                    lambda r, i: r["count"] if not st.is_csv else str(r["count"])))
    cols.append(Col("Đơn vị tính", None, lambda r, i: "phòng"))
    return cols


def _sheet_name(e: Export, rng: random.Random) -> str:
    if e.system == "csdl":
        return rng.choice(("Danh sách", "DanhSach", "Sheet1", FILE_KIND["csdl"][e.kind]))
    return rng.choice(("Sheet1", FILE_KIND["vnedu"][e.kind], "Danh sách"))


def _file_name(job: Job, st: Style, school: School) -> str:
    e = job.exports[0]
    ext = (".csv" if st.is_csv else ".xlsx" if st.fmt == "format_xlsx" else
           ".ods" if st.fmt == "format_ods" else ".xls")
    kind = FILE_KIND[e.system][e.kind]
    period = {"dau_nam": "DauNam", "cuoi_hk1": "HK1", "cuoi_nam": "CuoiNam"}[e.period]
    if job.district_level:
        return f"{kind}_ToanHuyen_{e.district}_{period}{job.name_suffix}{ext}"
    with_code = "school_code_filename" in st.noise or (len(school.name) % 3 != 0)
    if e.system == "vnedu":
        base = f"{e.file_school_code}_{kind}" if with_code else f"{kind}_{slug(school.short_name)}"
        if st.fmt == "html_xls":
            base += f"_{period}"
    else:
        base = f"{kind}_{e.file_school_code}" if with_code else f"{kind}_{slug(school.short_name)}"
    return base + job.name_suffix + ext


def _write(path: Path, st: Style, grid, merges, sheet, cats, cats_first: bool,
           hidden: list[list] | None = None) -> None:
    if hidden is not None:  # an old copy of the list on a hidden sheet before the data
        cats = [("Ban cu", hidden, True), *[(n, r, False) for n, r in cats]]
        cats_first = True
    else:
        cats = [(n, r, False) for n, r in cats]
    if st.fmt == "format_xlsx":
        _write_xlsx(path, grid, merges, sheet, cats, cats_first)
    elif st.fmt == "real_xls":
        _write_xls(path, grid, merges, sheet, cats, cats_first)
    elif st.fmt == "format_ods":
        _write_ods(path, grid, merges, sheet, cats, cats_first)
    elif st.fmt == "html_xls":
        _write_html(path, grid, merges)
    else:
        delim = ";" if "csv_semicolon" in st.noise else "\t" if "csv_tab" in st.noise else ","
        _write_csv(path, st.fmt, grid, delim)


def _sheets(grid, sheet, cats, cats_first) -> list[tuple[str, list[list] | None, bool]]:
    """(name, rows, hidden) in workbook order; rows None = the data sheet."""
    return [*cats, (sheet, None, False)] if cats_first else [(sheet, None, False), *cats]


def _write_xlsx(path: Path, grid, merges, sheet, cats, cats_first) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": CREATED, "author": "vnEdu" if "DanhSach" in path.name else ""})
    dfmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    hide = []
    for name, rows, hidden in _sheets(grid, sheet, cats, cats_first):
        ws = wb.add_worksheet(name)
        if hidden:
            hide.append(ws)
        if rows is not None:
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    if v is None:
                        continue
                    if isinstance(v, date):
                        ws.write_datetime(r, c, datetime(v.year, v.month, v.day), dfmt)
                    else:
                        ws.write(r, c, v)
            continue
        if any(h for _, _, h in cats):
            ws.activate()  # a hidden sheet must not be the one Excel opens on
        mstart = {(m[0], m[1]): m for m in merges}
        covered = {(r, c) for r1, c1, r2, c2, _ in merges for r in range(r1, r2 + 1)
                   for c in range(c1, c2 + 1)}
        ws_ws, ws_wn, ws_wd = ws.write_string, ws.write_number, ws.write_datetime
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if (r, c) in mstart:
                    m = mstart[(r, c)]
                    ws.merge_range(m[0], m[1], m[2], m[3], m[4])
                    continue
                if v is None or (r, c) in covered:
                    continue
                if isinstance(v, str):
                    ws_ws(r, c, v)
                elif isinstance(v, date):
                    ws_wd(r, c, datetime(v.year, v.month, v.day), dfmt)
                else:
                    ws_wn(r, c, v)
    for ws in hide:
        ws.hide()
    wb.close()


def _write_xls(path: Path, grid, merges, sheet, cats, cats_first) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    dstyle = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for index, (name, rows, hidden) in enumerate(_sheets(grid, sheet, cats, cats_first)):
        ws = wb.add_sheet(name)
        if hidden:
            ws.visibility = 1
        if rows is not None:
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    if isinstance(v, date):
                        ws.write(r, c, datetime(v.year, v.month, v.day), dstyle)
                    elif v is not None:
                        ws.write(r, c, v)
            continue
        if any(h for _, _, h in cats):
            wb.active_sheet = index
            ws.set_selected(True)
        mstart = {(m[0], m[1]): m for m in merges}
        covered = {(r, c) for r1, c1, r2, c2, _ in merges for r in range(r1, r2 + 1)
                   for c in range(c1, c2 + 1)}
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if (r, c) in mstart:
                    m = mstart[(r, c)]
                    ws.write_merge(m[0], m[2], m[1], m[3], m[4])
                    continue
                if v is None or (r, c) in covered:
                    continue
                if isinstance(v, date):
                    ws.write(r, c, datetime(v.year, v.month, v.day), dstyle)
                else:
                    ws.write(r, c, v)
    wb.save(str(path))


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, date):
        return v.strftime("%d/%m/%Y")
    return str(v)


def _write_html(path: Path, grid, merges) -> None:
    width = max((len(r) for r in grid), default=1)
    mstart = {(m[0], m[1]): m for m in merges}
    covered = {(r, c) for r1, c1, r2, c2, _ in merges for r in range(r1, r2 + 1)
               for c in range(c1, c2 + 1)} - set(mstart)
    out = ['<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
           "</head><body><table border=\"1\">"]
    for r, row in enumerate(grid):
        if len(row) == 1 and width > 1:
            out.append(f'<tr><td colspan="{width}">{html.escape(_text(row[0]))}</td></tr>')
            continue
        cells = []
        for c in range(len(row)):
            if (r, c) in covered:
                continue
            v = html.escape(_text(row[c])).replace("\n", "<br>")
            if (r, c) in mstart:
                m = mstart[(r, c)]
                cells.append(f'<td rowspan="{m[2] - m[0] + 1}" colspan="{m[3] - m[1] + 1}">'
                             f"{html.escape(_text(m[4])).replace(chr(10), '<br>')}</td>")
            else:
                cells.append(f"<td>{v}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table></body></html>\n")
    path.write_text("\n".join(out), encoding="utf-8")


def _write_ods(path: Path, grid, merges, sheet, cats, cats_first) -> None:
    """A LibreOffice .ods: content.xml with typed cells, spans and covered cells, hidden sheets
    as a table style with display=false; fixed zip dates (deterministic bytes)."""
    import zipfile
    from xml.sax.saxutils import escape, quoteattr

    def cell(v: object, span: str = "") -> str:
        if v is None:
            return f"<table:table-cell{span}/>"
        if isinstance(v, date):
            return (f'<table:table-cell{span} office:value-type="date" office:date-value='
                    f'"{v.isoformat()}"><text:p>{v:%d/%m/%Y}</text:p></table:table-cell>')
        if isinstance(v, int | float) and not isinstance(v, bool):
            return (f'<table:table-cell{span} office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>")
        paras = "".join(f"<text:p>{escape(line)}</text:p>" for line in str(v).split("\n"))
        return f'<table:table-cell{span} office:value-type="string">{paras}</table:table-cell>'

    body = []
    for name, rows, hidden in _sheets(grid, sheet, cats, cats_first):
        style = ' table:style-name="hidden"' if hidden else ""
        body.append(f"<table:table table:name={quoteattr(name)}{style}>")
        data = rows if rows is not None else grid
        starts = {} if rows is not None else {(m[0], m[1]): m for m in merges}
        covered = set() if rows is not None else {
            (r, c) for r1, c1, r2, c2, _ in merges for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)} - set(starts)
        for r, row in enumerate(data):
            cells = []
            for c, v in enumerate(row):
                if (r, c) in covered:
                    cells.append("<table:covered-table-cell/>")
                elif (r, c) in starts:
                    m = starts[(r, c)]
                    cells.append(cell(m[4], f' table:number-rows-spanned="{m[2] - m[0] + 1}"'
                                            f' table:number-columns-spanned="{m[3] - m[1] + 1}"'))
                else:
                    cells.append(cell(v))
            body.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        body.append("</table:table>")
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ns} '
               'office:version="1.2"><office:automatic-styles><style:style style:name="hidden" '
               'style:family="table"><style:table-properties table:display="false"/>'
               "</style:style></office:automatic-styles><office:body><office:spreadsheet>"
               + "".join(body) + "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:'
                'oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
                '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    when = (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype", when),
                    "application/vnd.oasis.opendocument.spreadsheet")
        for name, text in (("META-INF/manifest.xml", manifest), ("content.xml", content)):
            info = zipfile.ZipInfo(name, when)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)


def _write_csv(path: Path, fmt_name: str, grid, delim: str = ",") -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", delimiter=delim)
    for row in grid:
        w.writerow([_text(v) for v in row])
    s = buf.getvalue()
    if fmt_name == "csv_cp1258":
        from eduwb.text import encode_cp1258

        path.write_bytes(encode_cp1258(unicodedata.normalize("NFC", s)))
    elif fmt_name == "csv_utf8_bom":
        path.write_bytes(b"\xef\xbb\xbf" + s.encode("utf-8"))
    else:
        path.write_bytes(s.encode("utf-8"))
