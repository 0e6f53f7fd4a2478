"""Synthetic Vietnamese names: Kinh frequencies, and the naming patterns of the province's minorities.

Every name is title-cased word by word (``name == name.title()``: "Điểu K'Lang", "Lâm Thị Sa Ry"), NFC,
modern tone placement; that is the canonical form the loader must produce.
"""

from __future__ import annotations

import random

# Kinh surnames, approximate national frequencies (percent).
SURNAMES: dict[str, float] = {
    "Nguyễn": 38.0, "Trần": 11.0, "Lê": 9.5, "Phạm": 7.0, "Huỳnh": 4.0, "Hoàng": 3.0, "Phan": 4.5,
    "Võ": 3.9, "Vũ": 2.0, "Đặng": 2.1, "Bùi": 2.0, "Đỗ": 1.4, "Hồ": 1.3, "Ngô": 1.3, "Dương": 1.0,
    "Lý": 0.5, "Đinh": 1.0, "Trương": 1.0, "Đào": 0.7, "Mai": 0.6, "Lương": 0.5, "Hà": 0.5,
    "Cao": 0.4, "Tạ": 0.3, "Châu": 0.3, "Thái": 0.3, "Tô": 0.3, "Lâm": 0.3, "Quách": 0.2,
    "Chu": 0.2, "Kiều": 0.2, "La": 0.1, "Văn": 0.1,
}
MIDDLE: dict[str, dict[str, float]] = {
    "F": {"Thị": 24, "Ngọc": 12, "Thu": 5, "Bảo": 7, "Gia": 6, "Minh": 6, "Thanh": 6, "Khánh": 5,
          "Phương": 4, "Thảo": 4, "Mai": 3, "Quỳnh": 3, "Kim": 4, "Hoài": 2, "Yến": 2, "Như": 3,
          "Diệu": 2, "Tường": 2},
    "M": {"Văn": 20, "Minh": 11, "Gia": 9, "Bảo": 8, "Đức": 6, "Quốc": 6, "Hoàng": 5, "Thanh": 5,
          "Anh": 5, "Tuấn": 3, "Nhật": 5, "Duy": 4, "Trung": 3, "Khánh": 3, "Thành": 3, "Hữu": 4,
          "Công": 3},
}
GIVEN: dict[str, tuple[str, ...]] = {
    "F": ("Anh", "Ngọc", "Linh", "Trang", "Hân", "Vy", "Như", "Nhi", "Thư", "Hương", "Hoa", "Hà",
          "Lan", "Mai", "My", "Ngân", "Quyên", "Trâm", "Thảo", "Tiên", "Uyên", "Yến", "Châu",
          "Hòa", "Thủy", "Thúy", "Diệp", "Khuê", "An", "Hạnh", "Nguyệt", "Phương", "Xuân",
          "Loan", "Nhung", "Giang", "Tâm", "Hằng", "Trinh", "Ly"),
    "M": ("Huy", "Khang", "Bảo", "Minh", "Phúc", "Nam", "Khoa", "Đạt", "Tuấn", "Hùng", "Dũng",
          "Long", "Quân", "Kiệt", "Lâm", "Phong", "Thịnh", "Nhân", "Trí", "Hòa", "Hoàng", "Thuận",
          "Thắng", "Tài", "Vinh", "Duy", "Hiếu", "Khải", "Tùng", "Quý", "Lộc", "Đức", "Toàn",
          "An", "Khôi", "Sơn", "Thủy", "Tiến", "Hải", "Việt"),
}

# Minority patterns (Bình Phước): surname pools by group, or a fixed male/female prefix.
_XTIENG_MALE = ("Tuấn", "Minh", "Sơn", "Thanh", "Điều", "Lanh", "Bình", "Thương", "Lực", "Tèo",
                "Khang", "Dũng")
_XTIENG_FEMALE = ("Ngọc", "Bích", "Hồng", "Nhung", "Ry", "Mai", "Xuân", "Lan", "Hiền", "Bé", "Na",
                  "Thương")
_MNONG_SYL = ("Lang", "Bình", "Rết", "Brơm", "Hen", "Rin", "Bưm", "Nha", "Dung", "Mai", "Rơ")
_KHMER_GIVEN = ("Sa Ry", "Sóc", "Sa Pha", "Ra Ny", "Sô Phia", "Sa Vát", "Chanh", "Sơ Ra",
                "Thươl", "Mây", "Kha", "Sa Rết", "Sóc Kha", "Ni")
_KHMER_SURNAMES = ("Danh", "Thạch", "Lâm", "Sơn", "Kim", "Chau")
_OTHER_SURNAMES: dict[str, tuple[str, ...]] = {
    "Tày": ("Hoàng", "Nông", "Lục", "Lương", "Triệu", "Vi", "Nguyễn", "Hà", "Lăng"),
    "Nùng": ("Hoàng", "Nông", "Lương", "Vi", "Lục", "Mã", "Triệu", "Lý"),
    "Hoa": ("Lý", "Trương", "Lâm", "Quách", "Tăng", "Lưu", "Mã", "Châu"),
    "Mường": ("Bùi", "Đinh", "Quách", "Hà", "Xa"),
    "Thái": ("Lò", "Cầm", "Lường", "Vi", "Hà"),
    "Dao": ("Triệu", "Bàn", "Lý", "Đặng"),
}


class Weighted:
    """A weighted choice table sampled with one rng call."""

    def __init__(self, table: dict[str, float]) -> None:
        self.items = list(table)
        total = sum(table.values())
        acc, self.cum = 0.0, []
        for v in table.values():
            acc += v / total
            self.cum.append(acc)

    def pick(self, rng: random.Random) -> str:
        x = rng.random()
        for item, c in zip(self.items, self.cum, strict=True):
            if x < c:
                return item
        return self.items[-1]


_SURNAME_W = Weighted(SURNAMES)
_MIDDLE_W = {sex: Weighted(t) for sex, t in MIDDLE.items()}


def kinh_name(rng: random.Random, sex: str, surname: str | None = None) -> str:
    """A Kinh-style name: surname, one (sometimes two) middle names, given name."""
    sur = surname or _SURNAME_W.pick(rng)
    mid = _MIDDLE_W[sex].pick(rng)
    if rng.random() < 0.12:
        second = _MIDDLE_W[sex].pick(rng)
        if second != mid and second not in ("Thị", "Văn"):
            mid = f"{mid} {second}"
    given = rng.choice(GIVEN[sex])
    return f"{sur} {mid} {given}"


def person_name(rng: random.Random, sex: str, ethnicity: str, surname: str | None = None) -> str:
    """A name in the real naming pattern of the ethnic group."""
    if ethnicity in ("Xtiêng", "Mạ"):
        if sex == "M":
            mid = rng.choice(("Văn ", "Minh ", "Thanh ", "", ""))
            return f"Điểu {mid}{rng.choice(_XTIENG_MALE)}"
        mid = rng.choice(("Ngọc ", "Hồng ", "Bích ", "", ""))
        return f"Thị {mid}{rng.choice(_XTIENG_FEMALE)}"
    if ethnicity == "Mnông":
        if sex == "M":
            return f"Điểu K'{rng.choice(_MNONG_SYL)}" if rng.random() < 0.7 else (
                f"Điểu {rng.choice(_MNONG_SYL)}")
        return f"Thị H'{rng.choice(_MNONG_SYL)}"
    if ethnicity == "Khmer":
        sur = surname or rng.choice(_KHMER_SURNAMES)
        mid = "Thị " if sex == "F" else rng.choice(("", "Minh ", "Văn "))
        return f"{sur} {mid}{rng.choice(_KHMER_GIVEN)}"
    if ethnicity in _OTHER_SURNAMES:
        return kinh_name(rng, sex, surname or rng.choice(_OTHER_SURNAMES[ethnicity]))
    return kinh_name(rng, sex, surname)


def twin_name(rng: random.Random, name: str, sex: str) -> str:
    """A sibling's name: same surname and middle name, another given name."""
    parts = name.split(" ")
    for _ in range(10):
        given = rng.choice(GIVEN[sex])
        if given != parts[-1]:
            break
    if len(parts) >= 3:
        return " ".join([*parts[:-1], given])
    return f"{parts[0]} {given}"


def other_given(rng: random.Random, name: str, sex: str) -> str:
    """The same name with a different given name (a typing difference between systems)."""
    return twin_name(rng, name, sex)
