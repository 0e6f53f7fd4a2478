"""The province's registry: schools with their code history, and the district offices.

Read from ``DATA/danh_muc/truong.xlsx`` and ``phong_gd.xlsx`` (inputs.md section 4). A record filed
under an old code of a merged school is placed at the current school through :meth:`Registry.current`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from eduwb import text, values
from eduwb.errors import EduwbError, ParameterError, RegistryError

log = logging.getLogger(__name__)

REGISTRY_FOLDER = "danh_muc"

_SCHOOL_HEADERS: dict[str, tuple[str, ...]] = {
    "school_code": ("Mã trường",),
    "name": ("Tên trường",),
    "school_type": ("Loại trường",),
    "district_code": ("Mã phòng GD", "Mã phòng GD&ĐT", "Mã phòng", "Mã huyện"),
    "commune_code": ("Mã xã",),
    "ownership": ("Loại hình",),
    "old_codes": ("Mã trường cũ",),
    "merged_on": ("Ngày sáp nhập",),
}
_DISTRICT_HEADERS: dict[str, tuple[str, ...]] = {
    "district_code": ("Mã phòng GD", "Mã phòng GD&ĐT", "Mã phòng", "Mã huyện"),
    "name": ("Tên đơn vị", "Tên phòng GD&ĐT", "Tên phòng"),
    "specialist": ("Chuyên viên phụ trách tiểu học", "Chuyên viên phụ trách"),
    "phone": ("Điện thoại",),
    "email": ("Email", "Thư điện tử"),
}


@dataclass(frozen=True)
class Registry:
    """Schools and district offices of a province, as DataFrames with documented columns.

    ``schools``: school_code, name, school_type, district_code, commune_code, ownership,
    old_codes (tuple of str), merged_on (date or None).
    ``districts``: district_code, name, specialist (None = nobody assigned), phone, email.
    """

    schools: pd.DataFrame
    districts: pd.DataFrame
    _current: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _district: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # cells left out when the registry was read (each names file, row and column)
    problems: tuple[EduwbError, ...] = field(default=(), repr=False, compare=False)
    _names: dict[str, dict[str, set[str]]] = field(default_factory=dict, repr=False,
                                                   compare=False)

    @classmethod
    def from_frames(cls, schools: pd.DataFrame, districts: pd.DataFrame,
                    problems: tuple[EduwbError, ...] = ()) -> Registry:
        current = {code: code for code in schools["school_code"]}
        for code, olds in zip(schools["school_code"], schools["old_codes"], strict=True):
            for old in olds:
                current[old] = code
        district = dict(zip(schools["school_code"], schools["district_code"], strict=True))
        names: dict[str, dict[str, set[str]]] = {"full": {}, "place": {}, "folded": {}}
        for code, name in zip(schools["school_code"], schools["name"], strict=True):
            if not name:
                continue
            kind, place = text.school_name_parts(name)
            names["full"].setdefault(f"{kind}|{place}", set()).add(code)
            names["place"].setdefault(place, set()).add(code)
            names["folded"].setdefault(text.fold_accents(place), set()).add(code)
        return cls(schools, districts, current, district, tuple(problems), names)

    def resolve_name(self, name: str,
                     districts: set[str] | frozenset[str] | None = None) -> tuple[str | None, str]:
        """The code of the school a name means ("TH Tân Phú", "Trường Tiểu học Tân Phú", any
        case, accents or Unicode form), and "" — or None and the reason it cannot be resolved.

        The type and place must match one school ("Tân Phú" alone must be one school's place);
        diacritics count (Lộc Thạnh is not Lộc Thành) unless the name is typed without them.
        ``districts`` narrows a name several districts share.
        """
        kind, place = text.school_name_parts(name)
        if not place:
            return None, f"'{name}' is not a school name"
        index = self._names
        found = index.get("full", {}).get(f"{kind}|{place}", set()) if kind else set()
        found = found or index.get("place", {}).get(place, set())
        if not found and place.isascii():
            found = index.get("folded", {}).get(place, set())
        if len(found) > 1 and districts:
            narrowed = {c for c in found if self._district.get(c) in districts}
            found = narrowed or found
        if len(found) == 1:
            return next(iter(found)), ""
        if not found:
            return None, (f"no school named '{name}' in the registry (danh_muc/truong.xlsx): "
                          "write the school code in a 'Mã trường' column")
        names = dict(zip(self.schools["school_code"], self.schools["name"], strict=True))
        which = ", ".join(f"{names.get(c)} ({c})" for c in sorted(found))
        return None, (f"the name '{name}' fits several schools ({which}): write the school code "
                      "in a 'Mã trường' column")

    def current(self, code: str | None) -> str | None:
        """The school's current code for any of its codes; unknown codes are returned as given."""
        if code is None:
            return None
        return self._current.get(code, code)

    def knows(self, code: str | None) -> bool:
        """Whether a code (current or old) belongs to a registry school."""
        return code in self._current

    def is_old_code(self, code: str | None) -> bool:
        """Whether ``code`` is the old code of a merged school."""
        return code is not None and self._current.get(code, code) != code

    def district_of(self, code: str | None) -> str | None:
        """The district office of a school (by any of its codes)."""
        return self._district.get(self.current(code))

    def district_codes(self) -> list[str]:
        """The district offices of the registry: phong_gd.xlsx's, and any a school names."""
        return sorted(set(self.districts["district_code"].dropna())
                      | set(self.schools["district_code"].dropna()))

    def check_district(self, district: str) -> None:
        """Raise ParameterError unless ``district`` is a district office of the registry (the
        one check of a ``--district`` or a report's district)."""
        if district not in self.district_codes():
            raise ParameterError(f"district {district!r} is not in danh_muc/phong_gd.xlsx "
                                 f"(known: {', '.join(self.district_codes())})")

    def schools_of(self, district: str | None = None) -> pd.DataFrame:
        """The schools of one district office, or all of them."""
        if district is None:
            return self.schools
        return self.schools[self.schools["district_code"] == district]

    def merged_schools(self) -> pd.DataFrame:
        """Schools that carry old codes (merged TH&THCS schools)."""
        return self.schools[self.schools["old_codes"].map(len) > 0]


def load_registry(data: Path | str) -> Registry:
    """Read ``DATA/danh_muc``; raises :class:`RegistryError` naming the file, row and column when
    the registry cannot be trusted (missing, no schools, a school code twice). A malformed code is
    left out with a problem (``Registry.problems``, also logged) and the run goes on."""
    folder = Path(data) / REGISTRY_FOLDER
    schools_path = folder / "truong.xlsx"
    districts_path = folder / "phong_gd.xlsx"
    for path in (schools_path, districts_path):
        if not path.is_file():
            raise RegistryError(
                f"registry sheet missing: put {path.name} in {folder} (inputs.md section 4)",
                file=str(path),
            )
    problems: list[EduwbError] = []
    school_sheet = registry_sheet(schools_path, _SCHOOL_HEADERS, ("school_code", "district_code"))
    schools = _schools(school_sheet, _rel(schools_path, data), problems)
    district_sheet = registry_sheet(districts_path, _DISTRICT_HEADERS, ("district_code",))
    districts = _districts(district_sheet, _rel(districts_path, data))
    for problem in problems:
        log.warning("%s", problem)
    return Registry.from_frames(schools, districts, tuple(problems))


def _rel(path: Path, data: Path | str) -> str:
    try:
        return path.relative_to(Path(data)).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class RegistrySheet:
    """The rows of a registry sheet with where they are: Excel row numbers and header labels."""

    rows: list[dict[str, Any]]
    numbers: list[int]  # the Excel row of each row
    labels: dict[str, str]  # field -> header as written
    sheet: str


def read_sheet(
    path: Path, headers: dict[str, tuple[str, ...]], *, required: tuple[str, ...] = ()
) -> list[dict[str, object]]:
    """Rows of the first sheet of a small registry workbook as dicts keyed by canonical field.

    The header is the first row (of the first 15) that names every required field; title rows
    above it and blank rows are skipped.
    """
    return registry_sheet(path, headers, required).rows


def registry_sheet(path: Path, headers: dict[str, tuple[str, ...]],
                   required: tuple[str, ...]) -> RegistrySheet:
    """The rows of a registry workbook with their Excel row numbers, the headers as written and
    the sheet (see :func:`read_sheet`); raises RegistryError when it cannot be opened or has no
    header naming the ``required`` fields."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise RegistryError(f"cannot open the workbook ({exc})", file=str(path)) from exc
    keys = {text.header_key(label): name for name, labels in headers.items() for label in labels}
    for sheet in book.sheet_names:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        for i, row in enumerate(rows[:15]):
            index: dict[str, int] = {}
            labels: dict[str, str] = {}
            for j, cell in enumerate(row):
                if isinstance(cell, str) and cell.strip():
                    name = keys.get(text.header_key(cell))
                    if name and name not in index:
                        index[name] = j
                        labels[name] = text.clean(cell)
            if all(r in index for r in required):
                out, numbers = [], []
                for n, r in enumerate(rows[i + 1:], start=i + 2):
                    rec = {name: (r[j] if j < len(r) else None) for name, j in index.items()}
                    if any(v not in (None, "") for v in rec.values()):
                        out.append(rec)
                        numbers.append(n)
                return RegistrySheet(out, numbers, labels, sheet)
    raise RegistryError(
        "no header naming " + ", ".join(" / ".join(headers[r]) for r in required),
        file=str(path),
    )


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return text.clean(str(value))


def _code(value: Any, where: dict[str, Any], column: str,
          problems: list[EduwbError]) -> str | None:
    """A school code of the registry, or None with a problem naming row and column."""
    try:
        return values.school_code(value)
    except values.Rejected as exc:
        problems.append(RegistryError(f"{exc}: this code is left out of the registry; correct it",
                                      column=column, **where))
        return None


def _schools(sheet: RegistrySheet, rel: str, problems: list[EduwbError]) -> pd.DataFrame:
    if not sheet.rows:
        raise RegistryError("the list of schools is empty (a header and no school): fill in one "
                            "row per school", file=rel, sheet=sheet.sheet)
    code_label = sheet.labels.get("school_code", "Mã trường")
    records = []
    first_row: dict[str, int] = {}
    for rec, number in zip(sheet.rows, sheet.numbers, strict=True):
        where = {"file": rel, "sheet": sheet.sheet, "row": number}
        code = _code(rec.get("school_code"), where, code_label, problems)
        if code is None:
            continue
        if code in first_row:
            raise RegistryError(
                f"school code {code} is listed twice (first at row {first_row[code]}): a school "
                "has one row; remove or correct the other", column=code_label, **where)
        first_row[code] = number
        olds = []
        for part in str(_text(rec.get("old_codes")) or "").replace(",", ";").split(";"):
            if part.strip():
                old = _code(part.strip(), where, sheet.labels.get("old_codes", "Mã trường cũ"),
                            problems)
                if old is not None:
                    olds.append(old)
        merged = rec.get("merged_on")
        try:
            merged_on = values.date(merged) if merged not in (None, "") else None
        except values.Rejected as exc:
            problems.append(RegistryError(f"{exc}: the merge date is left out", **where,
                                          column=sheet.labels.get("merged_on", "Ngày sáp nhập")))
            merged_on = None
        district = _text(rec.get("district_code"))
        if district is None:
            problems.append(RegistryError(
                f"school {code} has no district office code: it belongs to no district",
                column=sheet.labels.get("district_code", "Mã phòng GD"), **where))
        records.append(
            {
                "school_code": code,
                "name": _text(rec.get("name")),
                "school_type": (_text(rec.get("school_type")) or "TH").replace(" ", ""),
                "district_code": district,
                "commune_code": _text(rec.get("commune_code")),
                "ownership": _text(rec.get("ownership")),
                "old_codes": tuple(olds),
                "merged_on": merged_on,
            }
        )
    if not records:
        raise RegistryError("no school has a valid 8-digit code", file=rel, sheet=sheet.sheet)
    frame = pd.DataFrame.from_records(records, columns=list(_SCHOOL_HEADERS))
    return frame.sort_values("school_code", ignore_index=True)


def _districts(sheet: RegistrySheet, rel: str) -> pd.DataFrame:
    if not sheet.rows:
        raise RegistryError("the list of district offices is empty (a header and no office): "
                            "fill in one row per office", file=rel, sheet=sheet.sheet)
    label = sheet.labels.get("district_code", "Mã phòng GD")
    seen: dict[str, int] = {}
    records = []
    for rec, number in zip(sheet.rows, sheet.numbers, strict=True):
        row = {name: _text(rec.get(name)) for name in _DISTRICT_HEADERS}
        code = row["district_code"]
        if code is not None and code in seen:
            raise RegistryError(
                f"district office {code} is listed twice (first at row {seen[code]}): remove or "
                "correct the other", file=rel, sheet=sheet.sheet, row=number, column=label)
        if code is not None:
            seen[code] = number
        records.append(row)
    frame = pd.DataFrame.from_records(records, columns=list(_DISTRICT_HEADERS))
    return frame.sort_values("district_code", ignore_index=True)
