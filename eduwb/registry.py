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
from eduwb.errors import RegistryError

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

    @classmethod
    def from_frames(cls, schools: pd.DataFrame, districts: pd.DataFrame) -> Registry:
        current = {code: code for code in schools["school_code"]}
        for code, olds in zip(schools["school_code"], schools["old_codes"], strict=True):
            for old in olds:
                current[old] = code
        district = dict(zip(schools["school_code"], schools["district_code"], strict=True))
        return cls(schools, districts, current, district)

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

    def schools_of(self, district: str | None = None) -> pd.DataFrame:
        """The schools of one district office, or all of them."""
        if district is None:
            return self.schools
        return self.schools[self.schools["district_code"] == district]

    def merged_schools(self) -> pd.DataFrame:
        """Schools that carry old codes (merged TH&THCS schools)."""
        return self.schools[self.schools["old_codes"].map(len) > 0]


def load_registry(data: Path | str) -> Registry:
    """Read ``DATA/danh_muc``; raises :class:`RegistryError` naming the file and what is wrong."""
    folder = Path(data) / REGISTRY_FOLDER
    schools_path = folder / "truong.xlsx"
    districts_path = folder / "phong_gd.xlsx"
    for path in (schools_path, districts_path):
        if not path.is_file():
            raise RegistryError(
                f"registry sheet missing: put {path.name} in {folder} (inputs.md section 4)",
                file=str(path),
            )
    schools = _schools(read_sheet(schools_path, _SCHOOL_HEADERS, required=("school_code",
                                                                            "district_code")))
    districts = _districts(read_sheet(districts_path, _DISTRICT_HEADERS,
                                      required=("district_code",)))
    return Registry.from_frames(schools, districts)


def read_sheet(
    path: Path, headers: dict[str, tuple[str, ...]], *, required: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Rows of the first sheet of a small registry workbook as dicts keyed by canonical field.

    The header is the first row (of the first 15) that names every required field; title rows
    above it and blank rows are skipped.
    """
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise RegistryError(f"cannot open the workbook ({exc})", file=str(path)) from exc
    keys = {text.header_key(label): name for name, labels in headers.items() for label in labels}
    for sheet in book.sheet_names:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        for i, row in enumerate(rows[:15]):
            index = {}
            for j, cell in enumerate(row):
                if isinstance(cell, str) and cell.strip():
                    name = keys.get(text.header_key(cell))
                    if name and name not in index:
                        index[name] = j
            if all(r in index for r in required):
                out = []
                for r in rows[i + 1:]:
                    rec = {name: (r[j] if j < len(r) else None) for name, j in index.items()}
                    if any(v not in (None, "") for v in rec.values()):
                        out.append(rec)
                return out
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


def _schools(rows: list[dict[str, Any]]) -> pd.DataFrame:
    records = []
    for rec in rows:
        code = values.school_code(rec.get("school_code"))
        olds = tuple(
            values.school_code(part)
            for part in str(_text(rec.get("old_codes")) or "").replace(",", ";").split(";")
            if part.strip()
        )
        merged = rec.get("merged_on")
        records.append(
            {
                "school_code": code,
                "name": _text(rec.get("name")),
                "school_type": (_text(rec.get("school_type")) or "TH").replace(" ", ""),
                "district_code": _text(rec.get("district_code")),
                "commune_code": _text(rec.get("commune_code")),
                "ownership": _text(rec.get("ownership")),
                "old_codes": olds,
                "merged_on": values.date(merged) if merged not in (None, "") else None,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(_SCHOOL_HEADERS))
    return frame.sort_values("school_code", ignore_index=True)


def _districts(rows: list[dict[str, Any]]) -> pd.DataFrame:
    records = [
        {name: _text(rec.get(name)) for name in _DISTRICT_HEADERS}
        for rec in rows
    ]
    frame = pd.DataFrame.from_records(records, columns=list(_DISTRICT_HEADERS))
    return frame.sort_values("district_code", ignore_index=True)

