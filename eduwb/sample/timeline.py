"""How the school year moves on: summer moves, term transfers and dropouts, end-of-year results."""

from __future__ import annotations

import random
from datetime import date

from eduwb import vocab
from eduwb.sample import names
from eduwb.sample.people import MINORITY, School, make_pupil, rand_date

TERMS = {
    "dau_nam": ("trong hè", date(2021, 6, 1), date(2021, 8, 31)),
    "cuoi_hk1": ("kỳ 1", date(2021, 9, 6), date(2021, 12, 31)),
    "cuoi_nam": ("kỳ 2", date(2022, 1, 10), date(2022, 5, 10)),
}
EVAL_12 = {"htxs": 30, "htt": 40, "ht": 28, "cht": 2}
EVAL_35 = {"ht": 97.5, "cht": 2.5}


def _present(r: dict) -> bool:
    return bool(vocab.is_present(r["status"]))


def _events(rng: random.Random, ids, period: str, schools: list[School],
            rows: dict[str, list[dict]], key: list[int], counter: list[int]) -> None:
    """Apply one term's moves to the current rows (in place)."""
    term, start, end = TERMS[period]
    by_district: dict[str, list[School]] = {}
    for s in schools:
        by_district.setdefault(s.district, []).append(s)
    moves: list[tuple[dict, School]] = []
    for s in schools:
        for r in rows[s.code]:
            if not _present(r):
                continue
            x = rng.random()
            when = rand_date(rng, start, end)
            if x < 0.008:
                r["status"], r["status_date"] = f"Chuyển đi {term}", when
                pool = by_district[s.district] if rng.random() < 0.7 else schools
                target = rng.choice(pool)
                if target is not s and rng.random() < 0.45:
                    moves.append((r, target))
            elif x < 0.011:
                r["status"], r["status_date"] = f"Thôi học {term}", when
            elif x < 0.013 and period != "dau_nam":
                r["status"], r["status_date"] = f"Nghỉ học xin học lại {term}", when
            elif x < 0.03 and period == "dau_nam":
                r["status"], r["status_date"] = "Chuyển đến trong hè", when
    for r, target in moves:
        if any(x["person_key"] == r["person_key"] for x in rows[target.code]):
            continue
        counter[0] += 1
        n = dict(r)
        n["school"] = target.code
        n["vnedu_id"] = f"{target.code[2:]}{(2022 - r['grade']) % 100:02d}{90000 + counter[0]:05d}"
        cls = rng.choice([c for c in target.classes if r["grade"] in c["grades"]])
        n["class_name"], n["two_sessions"] = cls["class_name"], cls["two_sessions"]
        n["boarding"] = False
        n["status"] = f"Chuyển đến {term}"
        rows[target.code].append(n)
    for s in schools:  # pupils from outside the province
        eth_table = names.Weighted(MINORITY[s.district][1])
        for _ in range(sum(rng.random() < 0.006 for _ in rows[s.code])):
            grade = rng.randint(1, 5)
            counter[0] += 1
            seq = [90000 + counter[0]]
            p = make_pupil(rng, ids, s, grade, eth_table, seq, key)
            p["new_entrant"] = False
            cls = rng.choice([c for c in s.classes if grade in c["grades"]])
            p["class_name"], p["two_sessions"] = cls["class_name"], cls["two_sessions"]
            p["status"], p["status_date"] = f"Chuyển đến {term}", rand_date(rng, start, end)
            rows[s.code].append(p)


def _evaluate(rng: random.Random, r: dict) -> None:
    if not _present(r):
        r["evaluation"], r["completed_primary"] = None, False
        return
    table = EVAL_12 if r["grade"] <= 2 else EVAL_35
    r["evaluation"] = names.Weighted(table).pick(rng)
    r["completed_primary"] = r["grade"] == 5 and r["evaluation"] == "ht"


def evolve(rng: random.Random, ids, schools: list[School], pupils: dict[str, list[dict]],
           staff: dict[str, list[dict]], facilities: dict, key: list[int]
           ) -> dict[str, dict[str, list[dict]]]:
    """Per-period snapshots of every list kind."""
    rows = {code: [dict(p) for p in ps] for code, ps in pupils.items()}
    homeroom: dict[tuple[str, str], str] = {}
    for s in schools:
        teachers = [p["full_name"] for p in staff[s.code] if p["subject"] == "Văn hóa"]
        for i, c in enumerate(s.classes):
            homeroom[(s.code, c["class_name"])] = teachers[i % len(teachers)]
    counter = [0]
    out: dict[str, dict[str, list[dict]]] = {}
    for pi, period in enumerate(vocab.PERIODS):
        _events(rng, ids, period, schools, rows, key, counter)
        students: list[dict] = []
        classes: list[dict] = []
        staff_rows: list[dict] = []
        fac_rows: list[dict] = []
        for s in schools:
            snap = [dict(r) for r in rows[s.code]]
            if period == "cuoi_nam":
                for r in snap:
                    _evaluate(rng, r)
            students.extend(snap)
            sizes: dict[str, int] = {}
            for r in snap:
                if _present(r):
                    sizes[r["class_name"]] = sizes.get(r["class_name"], 0) + 1
            for c in s.classes:
                classes.append({
                    "school": s.code, "person_key": f"C:{s.code}:{c['class_name']}",
                    "class_name": c["class_name"], "grade": c["grade"],
                    "two_sessions": c["two_sessions"], "multi_grade": c["multi_grade"],
                    "homeroom_teacher": homeroom[(s.code, c["class_name"])],
                    "declared_size": sizes.get(c["class_name"], 0),
                })
            for p in staff[s.code]:
                r = {k: v for k, v in p.items() if k != "_statuses"}
                r["staff_status"] = p["_statuses"][pi]
                staff_rows.append(r)
            for item, counts in facilities[s.code].items():
                fac_rows.append({"school": s.code, "person_key": f"F:{s.code}:{item}",
                                 "item": item, "count": counts[pi]})
        out[period] = {"students": students, "staff": staff_rows, "classes": classes,
                       "facilities": fac_rows}
    return out
