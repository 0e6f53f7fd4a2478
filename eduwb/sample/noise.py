"""Noise kinds: every way a file may differ from another without changing its canonical content.

``choose(exports, seed)`` gives each export a :class:`Style` (format and noise set), then forces every
kind onto at least one compatible export so that even the tiny sample contains all of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from eduwb.sample.faults import Export

# kind -> description (Vietnamese-neutral ids; noise_kinds.csv lists them with where they occur)
NOISE_KINDS: dict[str, str] = {
    "format_xlsx": "real .xlsx (xlsxwriter)",
    "html_xls": "HTML table saved with an .xls extension (UTF-8 meta)",
    "real_xls": "real BIFF .xls (xlwt)",
    "csv_utf8_bom": "CSV, UTF-8 with BOM",
    "csv_utf8": "CSV, UTF-8 without BOM",
    "csv_cp1258": "CSV, Windows-1258",
    "title_rows": "0-10 title rows above the header",
    "export_date_line": "title line 'Ngày xuất: dd/mm/yyyy'",
    "merged_header": "2-row header, group label merged above sub-columns",
    "footer": "blank rows then a footer (Tổng cộng, Người lập biểu, HIỆU TRƯỞNG, date line)",
    "category_sheets": "extra category-list sheets (CSDL)",
    "category_sheet_first": "a category sheet before the data sheet",
    "shuffled_columns": "columns in another order",
    "extra_columns": "unknown columns (STT, Ghi chú...)",
    "csdl_parent_columns": "~25 unknown CSDL columns: parents, phones, addresses (fake)",
    "header_alias": "header spelling variants (eduwb.fields aliases)",
    "header_nfd": "headers in NFD",
    "header_linebreak": "headers with a line break",
    "header_suffix": "headers with (*) or (dd/mm/yyyy)",
    "header_case": "upper-case headers",
    "text_nfd": "cell text in NFD",
    "tone_old": "old tone placement (Hoà, Thuỷ)",
    "d_u00d0": "Ð (U+00D0) typed for Đ",
    "value_case": "upper/lower-case values (names in capitals, 'đang học')",
    "repeated_spaces": "repeated, leading and trailing spaces",
    "tcvn3": "whole file in TCVN3 (.VnTime)",
    "date_slash": "dates dd/mm/yyyy",
    "date_dash": "dates dd-mm-yyyy",
    "date_dot": "dates dd.mm.yyyy",
    "date_cell": "dates as real date cells",
    "date_serial": "dates as Excel serial numbers",
    "code_as_float": "MOET codes as floats (7012345678.0)",
    "code_as_int": "MOET codes as integer cells",
    "school_code_column": "school code in a Mã trường column",
    "school_code_title": "school code only in a title line",
    "school_code_filename": "school code only in the file name",
    "split_name": "name split into Họ đệm + Tên",
    "female_mark": "a Nữ column with x instead of Giới tính",
    "grade_khoi_text": "grade as 'Khối 1'",
    "grade_absent": "no grade column (derived from the class)",
    "class_lop_prefix": "class as 'Lớp 1A'",
    "class_l_prefix": "class as 'L1A'",
    "class_spaced_slash": "class as '1 / 1'",
    "sex_variants": "sex as nam, NỮ, nu...",
    "ethnicity_variants": "ethnic group spellings (S'tiêng, Stiêng, Khơ-me, M'nông, Châu Mạ)",
    "flag_variants": "flags as x, X, Có",
    "disability_mark": "disability as a mark (x/Có) in vnEdu",
    "disability_code": "disability as a type code 01-06",
    "facilities_wide": "facilities one row, one column per item",
    "facilities_long": "facilities as Hạng mục / Số lượng rows",
    "sessions_per_day": "classes: Số buổi/ngày 1/2 instead of a flag",
    "bad_value_date": "an impossible date (rejected value)",
    "bad_value_number": "text in a number column (rejected value)",
    "identityless_row": "a row with neither name nor code (rejected row)",
    "corrupt_file": "a truncated, unreadable .xlsx",
}
# Layouts of inputs.md 2.1, drawn after the kinds above with their own random stream (so that the
# files they do not touch stay as they were).
LAYOUT_KINDS: dict[str, str] = {
    "format_ods": "LibreOffice .ods workbook",
    "csv_semicolon": "CSV separated by ;",
    "csv_tab": "CSV separated by tabs",
    "numbering_row": "a column-numbering row under the header (1 2 3, (1) (2) (3), A B C)",
    "header_3_rows": "3-row header: a label over the columns, groups, sub-columns",
    "hidden_sheet": "a hidden sheet with an old copy of the list before the data sheet",
    "merged_data_cells": "the class written once, merged down its pupils' rows",
    "password_protected": "a password-protected .xlsx (unreadable: the list counts as not exported)",
    "district_level_code": "a district-level file: the schools of a district, a Mã trường column",
    "district_level_name": "a district-level file: the schools of a district, a Tên trường column",
    "superseded_reexport": "an export saved again later as '… (1)': the first is superseded",
    "superseded_district_rows": "a school's own later file beside a district-level file: its rows "
                                "there are superseded",
}
PLAN_KINDS = ("district_level_code", "district_level_name", "superseded_reexport",
              "superseded_district_rows")
LAYOUT_PROBS = {"format_ods": 0.04, "csv_semicolon": 0.3, "csv_tab": 0.2, "numbering_row": 0.06,
                "header_3_rows": 0.35, "hidden_sheet": 0.05, "merged_data_cells": 0.1,
                "password_protected": 0.002}
FORMATS = ("format_xlsx", "html_xls", "real_xls", "csv_utf8_bom", "csv_utf8", "csv_cp1258")
PERSON = ("students", "staff")


@dataclass
class Style:
    """How one export is written."""

    fmt: str
    noise: set[str] = field(default_factory=set)
    n_titles: int = 0
    n_categories: int = 0

    @property
    def is_csv(self) -> bool:
        return self.fmt.startswith("csv")

    @property
    def excel(self) -> bool:
        """A workbook with typed cells (numbers and dates are not text)."""
        return self.fmt in ("format_xlsx", "real_xls", "format_ods")


def _compatible(kind: str, e: Export, st: Style, multi_grade: bool, slash: bool) -> bool:
    n = st.noise
    raw = any("_raw" in r for r in e.records)
    rules = {
        "title_rows": not st.is_csv,
        "export_date_line": "title_rows" in n,
        "merged_header": not st.is_csv and "shuffled_columns" not in n,
        "footer": not st.is_csv,
        "category_sheets": st.excel and e.system == "csdl",
        "category_sheet_first": "category_sheets" in n,
        "shuffled_columns": "merged_header" not in n,
        "header_nfd": "tcvn3" not in n,
        "text_nfd": "tcvn3" not in n,
        "tone_old": "tcvn3" not in n,
        "d_u00d0": "tcvn3" not in n and st.fmt != "csv_cp1258",
        "tcvn3": st.excel and not raw and e.kind in ("staff", "classes") and not (
            n & {"header_nfd", "text_nfd", "tone_old", "d_u00d0"}),
        "date_slash": e.kind in PERSON,
        "date_dash": e.kind in PERSON,
        "date_dot": e.kind in PERSON,
        "date_cell": e.kind in PERSON and st.excel,
        "date_serial": e.kind in PERSON and st.excel,
        "code_as_float": e.kind in PERSON,
        "code_as_int": e.kind in PERSON and st.excel,
        "school_code_title": "title_rows" in n,
        "split_name": e.kind in PERSON,
        "female_mark": e.kind in PERSON and all(r["sex"] for r in e.records),  # no blank sex
        "grade_khoi_text": e.kind in ("students", "classes"),
        "grade_absent": e.kind == "students" and not multi_grade,
        "class_lop_prefix": e.kind in ("students", "classes"),
        "class_l_prefix": e.kind in ("students", "classes") and not slash,
        "class_spaced_slash": e.kind in ("students", "classes") and slash,
        "sex_variants": e.kind in PERSON,
        "ethnicity_variants": e.kind in PERSON,
        "value_case": e.kind in PERSON,
        "flag_variants": e.kind in ("students", "classes"),
        "disability_code": e.kind == "students" and e.system == "csdl",
        "sessions_per_day": e.kind == "classes",
    }
    return rules.get(kind, True)


PROBS = {
    "title_rows": 0.8, "export_date_line": 0.7, "merged_header": 0.25, "footer": 0.5,
    "category_sheets": 0.5, "category_sheet_first": 0.15, "shuffled_columns": 0.3,
    "extra_columns": 0.3, "header_alias": 0.5, "header_nfd": 0.08, "header_linebreak": 0.12,
    "header_suffix": 0.2, "header_case": 0.08, "text_nfd": 0.1, "tone_old": 0.2, "d_u00d0": 0.1,
    "value_case": 0.15, "repeated_spaces": 0.15, "tcvn3": 0.01, "code_as_float": 0.1,
    "code_as_int": 0.1, "split_name": 0.25, "female_mark": 0.15, "grade_khoi_text": 0.15,
    "grade_absent": 0.1, "class_lop_prefix": 0.1, "class_l_prefix": 0.1,
    "class_spaced_slash": 0.5, "sex_variants": 0.3, "ethnicity_variants": 0.4,
    "flag_variants": 0.3, "disability_code": 0.3, "sessions_per_day": 0.5,
}
ORDER = tuple(PROBS)
DATE_STYLES = ("date_slash", "date_dash", "date_dot", "date_cell", "date_serial")
CODE_PLACES = ("school_code_column", "school_code_title", "school_code_filename")


def _base(e: Export, rng: random.Random) -> Style:
    x = rng.random()
    if e.corrupt:
        fmt = "format_xlsx"
    elif e.system == "vnedu":
        fmt = ("format_xlsx" if x < 0.7 else "html_xls" if x < 0.9 else "real_xls" if x < 0.95
               else "csv_utf8_bom")
    else:
        fmt = ("format_xlsx" if x < 0.8 else "real_xls" if x < 0.9 else "csv_utf8_bom" if x < 0.96
               else "csv_utf8")
    return Style(fmt)


def _fill(e: Export, st: Style, rng: random.Random, mg: bool, slash: bool,
          forced: set[str] = frozenset()) -> None:
    n = st.noise
    for kind in ORDER:
        draw = kind in forced if forced else rng.random() < PROBS[kind]
        if draw and _compatible(kind, e, st, mg, slash):
            n.add(kind)
    if e.kind in PERSON:
        opts = [d for d in DATE_STYLES if _compatible(d, e, st, mg, slash)]
        want = [d for d in forced if d in opts]
        n.add(want[0] if want else rng.choice(opts))
    places = [p for p in CODE_PLACES if _compatible(p, e, st, mg, slash)]
    want = [p for p in forced if p in places]
    n.add(want[0] if want else rng.choice(places))
    if e.kind == "facilities":
        wide = (e.system == "vnedu") == (rng.random() < 0.6)
        n.add("facilities_wide" if wide else "facilities_long")
    if e.kind == "students" and e.system == "csdl":
        n.add("csdl_parent_columns")
    if e.disability_style == "mark":
        n.add("disability_mark")
    n.add(st.fmt)
    if e.junk_rows:
        n.add("identityless_row")
    if e.corrupt:
        n.add("corrupt_file")
    for r in e.records:
        bad = r.get("_raw", {})
        if "dob" in bad:
            n.add("bad_value_date")
        if "declared_size" in bad:
            n.add("bad_value_number")
    st.n_titles = rng.randint(1, 10) if "title_rows" in n else 0
    if "category_sheets" in n:
        st.n_categories = 16 if rng.random() < 0.05 else rng.randint(2, 6)


def choose(exports: list[Export], seed: int, multi_grade: dict[str, bool],
           slash: dict[str, bool]) -> list[Style]:
    """A style per export (same order), every noise kind used at least once."""
    styles = []
    for e in exports:
        rng = random.Random(f"eduwb-sample:{seed}:style:{e.period}:{e.system}:{e.school}:{e.kind}")
        st = _base(e, rng)
        _fill(e, st, rng, multi_grade[e.school], slash[e.school])
        styles.append(st)
    order = list(range(len(exports)))
    random.Random(f"eduwb-sample:{seed}:force").shuffle(order)
    taken: set[int] = set()
    for kind in NOISE_KINDS:
        if kind in LAYOUT_KINDS:
            continue
        if any(kind in st.noise for st in styles) or kind in ("corrupt_file",):
            continue
        for i in order:
            e, st = exports[i], styles[i]
            if e.corrupt or i in taken or (e.junk_rows and kind == "tcvn3"):
                continue
            rng = random.Random(f"eduwb-sample:{seed}:force:{kind}:{i}")
            if kind in FORMATS:
                if kind == "html_xls" and e.system != "vnedu":
                    continue
                new = Style(kind)
            else:
                new = Style(st.fmt)
            keep = set() if kind in FORMATS else (st.noise & set(ORDER)) - _conflicts(kind)
            new_forced = keep | {kind}
            if kind in ("export_date_line", "school_code_title", "category_sheet_first"):
                new_forced |= {"title_rows", "category_sheets"} & {
                    "export_date_line": {"title_rows"}, "school_code_title": {"title_rows"},
                    "category_sheet_first": {"category_sheets"}}[kind]
            _fill(e, new, rng, multi_grade[e.school], slash[e.school], new_forced)
            if kind in new.noise:
                styles[i] = new
                taken.add(i)
                break
    return styles


def _layout_ok(kind: str, e: Export, st: Style) -> bool:
    n = st.noise
    plain = not e.corrupt and not e.junk_rows and not any("_raw" in r for r in e.records)
    return {
        "format_ods": st.fmt == "format_xlsx" and not e.corrupt,
        "csv_semicolon": st.is_csv and "csv_tab" not in n,
        "csv_tab": st.is_csv and "csv_semicolon" not in n,
        "numbering_row": not e.corrupt,
        "header_3_rows": "merged_header" in n,
        "hidden_sheet": st.fmt in ("format_xlsx", "real_xls", "format_ods") and not e.corrupt,
        "merged_data_cells": e.kind == "students" and not st.is_csv and not e.corrupt,
        "password_protected": st.fmt == "format_xlsx" and plain,
    }.get(kind, False)


def _add_layout(kind: str, st: Style) -> None:
    if kind == "format_ods":
        st.noise.discard(st.fmt)
        st.fmt = "format_ods"
    st.noise.add(kind)


def layouts(exports: list[Export], styles: list[Style], seed: int) -> None:
    """Add the file layouts of inputs.md 2.1 to the styles (in place), each at least once."""
    for e, st in zip(exports, styles, strict=True):
        rng = random.Random(f"eduwb-sample:{seed}:layout:{e.period}:{e.system}:{e.school}:{e.kind}")
        for kind, p in LAYOUT_PROBS.items():
            if rng.random() < p and _layout_ok(kind, e, st):
                _add_layout(kind, st)
    order = list(range(len(exports)))
    random.Random(f"eduwb-sample:{seed}:layout-force").shuffle(order)
    for kind in LAYOUT_PROBS:
        if any(kind in st.noise for st in styles):
            continue
        # preferably a CSDL staff list: its school_missing is then plain to see
        want = [i for i in order if _layout_ok(kind, exports[i], styles[i])]
        pick = next((i for i in want if kind != "password_protected"
                     or (exports[i].kind, exports[i].system) == ("staff", "csdl")), None)
        if pick is None and want:
            pick = want[0]
        if pick is not None:
            _add_layout(kind, styles[pick])


def _conflicts(kind: str) -> set[str]:
    return {
        "tcvn3": {"header_nfd", "text_nfd", "tone_old", "d_u00d0"},
        "merged_header": {"shuffled_columns"},
        "shuffled_columns": {"merged_header"},
    }.get(kind, set())
