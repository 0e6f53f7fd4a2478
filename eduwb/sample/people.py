"""The people of the true province and the helpers that make them: a school of the registry, unique
ids, class names and one pupil. :mod:`eduwb.sample.population` builds the province at the start of
the year with them, :mod:`eduwb.sample.timeline` moves it on through the year."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from eduwb import vocab
from eduwb.sample import names

YEAR = "2021-2022"
YEAR_START = 2021

# Ethnic-minority share of pupils and the mix of groups, by district.
MINORITY: dict[str, tuple[float, dict[str, float]]] = {
    "688": (0.08, {"Xtiêng": 6, "Hoa": 2, "Tày": 1, "Nùng": 1}),
    "689": (0.05, {"Xtiêng": 4, "Hoa": 2, "Tày": 2, "Nùng": 2}),
    "690": (0.10, {"Xtiêng": 4, "Hoa": 3, "Khmer": 2, "Tày": 1}),
    "691": (0.36, {"Xtiêng": 55, "Mnông": 20, "Tày": 10, "Nùng": 10, "Dao": 5}),
    "692": (0.28, {"Xtiêng": 55, "Khmer": 35, "Tày": 5, "Nùng": 5}),
    "693": (0.22, {"Xtiêng": 5, "Khmer": 3, "Tày": 1, "Nùng": 1}),
    "694": (0.25, {"Xtiêng": 60, "Khmer": 30, "Tày": 5, "Nùng": 5}),
    "695": (0.12, {"Xtiêng": 5, "Tày": 2, "Nùng": 2, "Mường": 1}),
    "696": (0.36, {"Xtiêng": 45, "Mnông": 25, "Tày": 12, "Nùng": 12, "Mạ": 3, "Dao": 3}),
    "697": (0.05, {"Xtiêng": 5, "Khmer": 2, "Tày": 2, "Nùng": 1}),
    "698": (0.20, {"Xtiêng": 5, "Tày": 2, "Nùng": 2, "Mnông": 1}),
}
DISABILITY_WEIGHTS = {"01": 3, "02": 2, "03": 1, "04": 2, "05": 4, "06": 1}



@dataclass
class School:
    """A school of the registry (current code) and how its exports look."""

    code: str
    name: str
    short_name: str
    district: str
    commune_code: str
    school_type: str
    ownership: str
    rural: bool
    minority_share: float
    class_style: str  # "letter" 1A | "slash" 1/1 | "a1" 1A1
    old_codes: tuple[str, ...] = ()
    merged_on: date | None = None
    classes: list[dict] = field(default_factory=list)


def rand_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


class Ids:
    """Unique MOET ids (10 digits, prefix 70) and personal ids."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[int] = set()

    def moet(self) -> str:
        while True:
            n = self.rng.randrange(10**8)
            if n not in self.used:
                self.used.add(n)
                return f"70{n:08d}"

    def personal(self, sex: str, dob: date) -> str:
        century = (0 if sex == "M" else 1) + (2 if dob.year >= 2000 else 0)
        return f"070{century}{dob.year % 100:02d}{self.rng.randrange(10**6):06d}"


def class_name(style: str, grade: int, i: int) -> str:
    if style == "slash":
        return f"{grade}/{i + 1}"
    if style == "a1":
        return f"{grade}A{i + 1}"
    return f"{grade}{'ABCDEFGHIK'[i]}"


def make_pupil(rng: random.Random, ids: Ids, school: School, grade: int, eth_table,
                seq: list[int], key: list[int]) -> dict:
    sex = "M" if rng.random() < 0.515 else "F"
    eth = eth_table.pick(rng) if rng.random() < school.minority_share else "Kinh"
    born = YEAR_START - 5 - grade
    over_age = rng.random() < 0.012
    dob = rand_date(rng, date(born - over_age, 1, 1), date(born - over_age, 12, 31))
    seq[0] += 1
    key[0] += 1
    entry = YEAR_START - grade + 1
    disabled = rng.random() < 0.011
    return {
        "school": school.code,
        "person_key": f"P{key[0]:06d}",
        "vnedu_id": f"{school.code[2:]}{entry % 100:02d}{seq[0]:05d}",
        "moet_id": ids.moet(),
        "personal_id": ids.personal(sex, dob) if rng.random() < 0.3 else None,
        "full_name": names.person_name(rng, sex, eth),
        "dob": dob,
        "sex": sex,
        "ethnicity": eth,
        "class_name": None,
        "grade": grade,
        "status": vocab.STATUS_PRESENT,
        "status_date": None,
        "disability": names.Weighted(DISABILITY_WEIGHTS).pick(rng) if disabled else "khong",
        "two_sessions": False,
        "boarding": False,
        "repeater": over_age and grade < 5 and rng.random() < 0.8,
        "new_entrant": grade == 1,
        "evaluation": None,
        "completed_primary": None,
    }
