"""The true province: schools, classes, pupils, staff and facilities, and how the year moves on.

``build_world(seed, size)`` returns a :class:`World` whose ``snapshots[period][kind]`` are lists of
canonical records (dicts keyed by the fields of :mod:`eduwb.schemas`, plus ``school`` and
``person_key``). These are what a perfect vnEdu would export; :mod:`eduwb.sample.faults` derives the
two systems' sets from them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from eduwb.sample import names
from eduwb.sample.people import (
    MINORITY,
    Ids,
    School,
    class_name,
    make_pupil,
    rand_date,
)
from eduwb.sample.timeline import evolve

SIZES: dict[str, dict[str, int]] = {
    "tiny": {"689": 2, "692": 2, "696": 2},
    "district": {"689": 22, "696": 28},
    "province": {"688": 10, "689": 22, "690": 12, "691": 18, "692": 22, "693": 10, "694": 18,
                 "695": 20, "696": 28, "697": 14, "698": 18},
}
URBAN = ("688", "689", "690")
COMMUNES: dict[str, tuple[str, ...]] = {
    "688": ("Long Thủy", "Thác Mơ", "Sơn Giang", "Long Phước", "Phước Bình", "Long Giang",
            "Phước Tín"),
    "689": ("Tân Phú", "Tân Đồng", "Tân Bình", "Tân Xuân", "Tân Thiện", "Tiến Thành", "Tiến Hưng",
            "Tân Thành"),
    "690": ("An Lộc", "Hưng Chiến", "Phú Thịnh", "Phú Đức", "Thanh Lương", "Thanh Phú"),
    "691": ("Bù Gia Mập", "Đak Ơ", "Đức Hạnh", "Phú Văn", "Đa Kia", "Phước Minh", "Bình Thắng",
            "Phú Nghĩa"),
    "692": ("Lộc Hòa", "Lộc Ninh", "Lộc An", "Lộc Tấn", "Lộc Thạnh", "Lộc Hiệp", "Lộc Thiện",
            "Lộc Thuận", "Lộc Quang", "Lộc Phú", "Lộc Thành", "Lộc Thái", "Lộc Điền", "Lộc Hưng",
            "Lộc Khánh", "Lộc Thịnh"),
    "693": ("Thanh Bình", "Hưng Phước", "Phước Thiện", "Thiện Hưng", "Thanh Hòa", "Tân Thành",
            "Tân Tiến"),
    "694": ("Tân Khai", "Thanh An", "An Khương", "An Phú", "Tân Lợi", "Tân Hưng", "Minh Đức",
            "Minh Tâm", "Phước An", "Thanh Bình", "Tân Quan", "Đồng Nơ", "Tân Hiệp"),
    "695": ("Tân Phú", "Thuận Lợi", "Đồng Tâm", "Tân Phước", "Tân Hưng", "Tân Lợi", "Tân Lập",
            "Tân Hòa", "Thuận Phú", "Đồng Tiến", "Tân Tiến"),
    "696": ("Đoàn Kết", "Đức Phong", "Đường 10", "Đak Nhau", "Phú Sơn", "Thọ Sơn", "Bình Minh",
            "Bom Bo", "Minh Hưng", "Đồng Nai", "Đức Liễu", "Thống Nhất", "Nghĩa Trung",
            "Nghĩa Bình", "Đăng Hà", "Phước Sơn"),
    "697": ("Chơn Thành", "Thành Tâm", "Minh Lập", "Quang Minh", "Minh Hưng", "Minh Long",
            "Minh Thành", "Nha Bích", "Minh Thắng"),
    "698": ("Long Bình", "Bình Tân", "Bình Sơn", "Long Hưng", "Phước Tân", "Bù Nho", "Long Hà",
            "Long Tân", "Phú Trung", "Phú Riềng"),
}
FIGURES = ("Lê Quý Đôn", "Nguyễn Trãi", "Kim Đồng", "Võ Thị Sáu", "Trần Quốc Toản", "Lê Văn Tám",
           "Ngô Quyền", "Lý Thường Kiệt", "Hùng Vương", "Chu Văn An", "Nguyễn Du", "Trần Phú",
           "Lê Lợi", "Quang Trung", "Nguyễn Huệ", "Phan Bội Châu", "Tô Vĩnh Diện", "Nguyễn Bá Ngọc")


@dataclass
class World:
    """The true province: registry schools and per-period canonical records."""

    seed: int
    size: str
    schools: list[School]
    snapshots: dict[str, dict[str, list[dict]]]

    def school(self, code: str) -> School:
        return next(s for s in self.schools if s.code == code)


def _schools(rng: random.Random, size: str) -> list[School]:
    out: list[School] = []
    figures = list(FIGURES)
    rng.shuffle(figures)
    for district, n in SIZES[size].items():
        serials = sorted(rng.sample(range(1, 80), n))
        communes = list(COMMUNES[district])
        share, _ = MINORITY[district]
        for i, serial in enumerate(serials):
            rural = district not in URBAN and rng.random() < 0.8
            thcs = rural and rng.random() < 0.25
            if i < len(communes):
                place = communes[i]
            elif figures:
                place = figures.pop()
            else:
                place = f"{communes[i % len(communes)]} {'ABCD'[i // len(communes) % 4]}"
            kind = "TH&THCS" if thcs else "TH"
            long_kind = "Tiểu học và Trung học cơ sở" if thcs else "Tiểu học"
            private = district in URBAN and rng.random() < 0.08
            if private:
                place = f"{place} (Tư thục)" if place in communes else place
            out.append(School(
                code=f"70{district}{serial:03d}",
                name=f"Trường {long_kind} {place}",
                short_name=f"{kind} {place}",
                district=district,
                commune_code=f"2{(int(district) - 680) * 60 + i * 3 + 5000:04d}",
                school_type=kind,
                ownership="Tư thục" if private else "Công lập",
                rural=rural,
                minority_share=min(0.95, share * rng.uniform(0.3, 1.9) * (1.3 if rural else 0.5)),
                class_style=rng.choice(("letter", "letter", "letter", "slash", "a1")),
            ))
    if not any(s.ownership == "Tư thục" for s in out):
        urban = [s for s in out if s.district in URBAN] or out
        urban[-1].ownership = "Tư thục"
        urban[-1].rural = False
    return out


def _enrol(rng, ids, school: School, scale: float, key: list[int]) -> list[dict]:
    """Classes of a school (stored on it) and its pupils at the start of the year."""
    _, mix = MINORITY[school.district]
    eth_table = names.Weighted(mix)
    if school.district in URBAN:
        per_grade = rng.randint(3, 6)
    elif school.rural:
        per_grade = rng.randint(2, 4)
    else:
        per_grade = rng.randint(3, 5)
    per_grade = max(1, round(per_grade * scale))
    two_share = 1.0 if school.district in URBAN else 0.7
    boarding = school.rural and school.minority_share > 0.3 and rng.random() < 0.5
    seq = [0]
    pupils: list[dict] = []
    classes: list[dict] = []
    for grade in range(1, 6):
        n_cls = per_grade + (1 if grade == 1 and rng.random() < 0.3 and scale >= 1 else 0)
        for i in range(n_cls):
            classes.append({"class_name": class_name(school.class_style, grade, i),
                            "grade": grade, "grades": (grade,),
                            "two_sessions": rng.random() < two_share, "multi_grade": False})
    if school.rural and school.district not in URBAN and rng.random() < 0.35:
        low = rng.choice((1, 3, 4))
        same = [c for c in classes if c["grade"] == low]
        classes.append({"class_name": class_name(school.class_style, low, len(same)),
                        "grade": low, "grades": (low, low + 1), "two_sessions": False,
                        "multi_grade": True})
    for cls in classes:
        mean = 15 if cls["multi_grade"] else (30 if school.district in URBAN else 26)
        n = max(8, min(40, round(rng.gauss(mean, 3.5) * (0.8 if scale < 1 else 1))))
        prev = None
        for _ in range(n):
            grade = rng.choice(cls["grades"])
            if prev is not None and rng.random() < 0.01 and prev["grade"] == grade:
                p = dict(prev)  # a twin: same family, same dob, same class
                key[0] += 1
                seq[0] += 1
                p["person_key"] = f"P{key[0]:06d}"
                p["vnedu_id"] = p["vnedu_id"][:-5] + f"{seq[0]:05d}"
                p["moet_id"] = ids.moet()
                p["sex"] = rng.choice("MF")
                p["full_name"] = names.twin_name(rng, prev["full_name"], p["sex"])
                if p["personal_id"]:
                    p["personal_id"] = ids.personal(p["sex"], p["dob"])
            else:
                p = make_pupil(rng, ids, school, grade, eth_table, seq, key)
                if p["repeater"]:
                    p["new_entrant"] = False
            p["class_name"] = cls["class_name"]
            p["two_sessions"] = cls["two_sessions"]
            p["boarding"] = boarding and p["ethnicity"] != "Kinh" and rng.random() < 0.4
            pupils.append(p)
            prev = p
    school.classes = classes
    return pupils


def _staff(rng, ids, school: School, key: list[int]) -> list[dict]:
    n_c = len(school.classes)
    roles: list[tuple[str, str, str | None]] = [("cbql", "Hiệu trưởng", None)]
    roles += [("cbql", "Phó hiệu trưởng", None)] * (1 if n_c <= 15 else 2)
    roles += [("gv", "Giáo viên", "Văn hóa")] * max(n_c, round(n_c * 1.05))
    roles += [("gv", "Giáo viên", "Tiếng Anh")] * max(1, n_c // 10)
    roles += [("gv", "Giáo viên", s) for s in ("Âm nhạc", "Mĩ thuật")]
    roles += [("gv", "Giáo viên", "Tin học")] * (n_c >= 8)
    roles += [("gv", "Giáo viên", "Giáo dục thể chất")] * (1 + (n_c >= 20))
    roles += [("gv", "Tổng phụ trách Đội", None)]
    roles += [("nv", p, None) for p in ("Kế toán", "Y tế", "Thư viện", "Bảo vệ", "Phục vụ")]
    roles += [("nv", "Văn thư", None)] * (n_c > 10) + [("nv", "Thiết bị", None)] * (n_c > 15)
    out = []
    for i, (group, position, subject) in enumerate(roles):
        female = {"cbql": 0.55, "gv": 0.8}.get(group, 0.5)
        sex = "M" if position == "Bảo vệ" or rng.random() > female else "F"
        eth = "Kinh" if rng.random() > school.minority_share * 0.2 else "Tày"
        dob = rand_date(rng, date(1964, 1, 1), date(1999, 12, 31))
        if group == "nv" and position in ("Bảo vệ", "Phục vụ"):
            qual = None
        elif group == "cbql":
            qual = "Thạc sĩ" if rng.random() < 0.2 else "Đại học"
        elif group == "gv":
            qual = names.Weighted({"Đại học": 68, "Cao đẳng": 20, "Trung cấp": 7,
                                   "Thạc sĩ": 5}).pick(rng)
        else:
            qual = names.Weighted({"Trung cấp": 40, "Cao đẳng": 25, "Đại học": 35}).pick(rng)
        contract = "Hợp đồng" if (school.ownership == "Tư thục" or qual is None
                                  or rng.random() < 0.1) else "Biên chế"
        statuses = ["Chuyển đến" if rng.random() < 0.03 else "Đang làm việc"]
        if dob.year <= 1966 and rng.random() < 0.5:
            statuses[0] = "Chờ nghỉ hưu"
        r = rng.random()
        hk1 = ("Đã chuyển đi" if r < 0.01 else "Đã điều động" if r < 0.015 else statuses[0])
        r = rng.random()
        end = ("Đã nghỉ hưu" if hk1 == "Chờ nghỉ hưu" and r < 0.5 else
               "Thôi việc" if r < 0.008 and hk1 == "Đang làm việc" else hk1)
        key[0] += 1
        out.append({
            "school": school.code, "person_key": f"S{key[0]:05d}",
            "vnedu_id": f"CB{school.code[2:]}{i + 1:03d}", "moet_id": ids.moet(),
            "personal_id": ids.personal(sex, dob) if rng.random() < 0.6 else None,
            "full_name": names.person_name(rng, sex, eth), "dob": dob, "sex": sex,
            "ethnicity": eth, "staff_group": group, "position": position, "subject": subject,
            "qualification": qual, "contract": contract,
            "_statuses": (statuses[0], hk1, end),
        })
    return out


def _facilities(rng, school: School) -> dict[str, tuple[int, int, int]]:
    n_c = len(school.classes)
    tam = rng.choice((0, 0, 1, 2)) if school.rural else 0
    kien_co = max(1, round(n_c * rng.uniform(0.55, 1.0)))
    ban = max(0, n_c - kien_co - tam + rng.choice((-1, 0, 0, 1)))
    base = {"phong_hoc_kien_co": kien_co, "phong_hoc_ban_kien_co": ban, "phong_hoc_tam": tam,
            "phong_hoc_nho_muon": 1 if rng.random() < 0.05 else 0,
            "phong_hoc_bo_mon": rng.randint(1, 3), "thu_vien": 1,
            "nha_ve_sinh": rng.randint(2, 6)}
    out = {}
    upgrade = rng.random() < 0.15 and tam > 0
    for item, v in base.items():
        end = v
        if upgrade and item == "phong_hoc_kien_co":
            end = v + 1
        if upgrade and item == "phong_hoc_tam":
            end = v - 1
        out[item] = (v, v, end)
    return out


def build_world(seed: int = 2021, size: str = "tiny") -> World:
    """The true province for a seed and size (no faults, no files)."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    rng = random.Random(f"eduwb-sample:{seed}:world")
    ids = Ids(rng)
    scale = 0.25 if size == "tiny" else 1.0
    schools = _schools(rng, size)
    _mark_merged(rng, schools)
    key_p, key_s = [0], [0]
    pupils: dict[str, list[dict]] = {}
    staff: dict[str, list[dict]] = {}
    facilities: dict[str, dict[str, tuple[int, int, int]]] = {}
    for s in schools:
        pupils[s.code] = _enrol(rng, ids, s, scale, key_p)
        staff[s.code] = _staff(rng, ids, s, key_s)
        facilities[s.code] = _facilities(rng, s)
    snapshots = evolve(rng, ids, schools, pupils, staff, facilities, key_p)
    return World(seed=seed, size=size, schools=schools, snapshots=snapshots)


def _mark_merged(rng: random.Random, schools: list[School]) -> None:
    """One rural TH&THCS school was merged in 2021: new code, old code kept in the registry."""
    rural = [s for s in schools if s.district not in URBAN]
    cand = [s for s in rural if s.school_type == "TH&THCS"] or rural
    merged = cand[0]
    if merged.school_type != "TH&THCS":  # already named as a TH&THCS school otherwise
        merged.name = merged.name.replace("Trường Tiểu học ", "Trường Tiểu học và Trung học cơ sở ")
        merged.short_name = merged.short_name.replace("TH ", "TH&THCS ", 1)
    merged.school_type = "TH&THCS"
    used = {s.code for s in schools}
    serial = 90
    while f"70{merged.district}{serial:03d}" in used:
        serial += 1
    old_th = merged.code
    merged.code = f"70{merged.district}{serial:03d}"
    old_thcs = f"70{merged.district}{serial + 50:03d}"
    merged.old_codes = (old_th, old_thcs)
    merged.merged_on = date(2021, 8, 1)
