"""The registry sheets of ``danh_muc/`` (inputs.md §4-5): schools, district offices, periods, sign-off."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from eduwb import vocab
from eduwb.sample import names
from eduwb.sample.people import YEAR
from eduwb.sample.population import World

DEADLINES = {"dau_nam": (date(2021, 9, 13), date(2021, 9, 20)),
             "cuoi_hk1": (date(2022, 1, 14), date(2022, 1, 21)),
             "cuoi_nam": (date(2022, 5, 20), date(2022, 5, 27))}
NO_SPECIALIST = ("690", "692", "697")
_SLUGS = {"688": "phuoclong", "689": "dongxoai", "690": "binhlong", "691": "bugiamap",
          "692": "locninh", "693": "budop", "694": "honquan", "695": "dongphu", "696": "budang",
          "697": "chonthanh", "698": "phurieng"}


def _sheet(path: Path, header: list[str], rows: list[list]) -> None:
    import xlsxwriter

    from eduwb.sample.render import CREATED

    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": CREATED})
    ws = wb.add_worksheet("Sheet1")
    dfmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    bold = wb.add_format({"bold": True})
    for c, h in enumerate(header):
        ws.write_string(0, c, h, bold)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, date):
                ws.write_datetime(r, c, v, dfmt)
            else:
                ws.write_string(r, c, str(v))
    wb.close()


def write_registry(world: World, root: Path) -> dict[str, int]:
    """Write the four registry workbooks; returns row counts by file."""
    d = root / "danh_muc"
    d.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"eduwb-sample:{world.seed}:registry")
    schools = sorted(world.schools, key=lambda s: s.code)
    _sheet(d / "truong.xlsx",
           ["Mã trường", "Tên trường", "Loại trường", "Mã phòng GD", "Mã xã", "Loại hình",
            "Mã trường cũ", "Ngày sáp nhập"],
           [[s.code, s.name, s.school_type, s.district, s.commune_code, s.ownership,
             ";".join(s.old_codes) or None, s.merged_on] for s in schools])
    offices = []
    for code, label in vocab.DISTRICTS.items():
        who = None if code in NO_SPECIALIST else names.kinh_name(rng, rng.choice("MF"))
        offices.append([code, f"Phòng Giáo dục và Đào tạo {label}", who,
                        f"0271.000.0{code[1:]}", f"pgd.{_SLUGS[code]}@example.invalid"])
    _sheet(d / "phong_gd.xlsx", ["Mã phòng GD", "Tên đơn vị", "Chuyên viên phụ trách tiểu học",
                                 "Điện thoại", "Email"], offices)
    _sheet(d / "ky_bao_cao.xlsx", ["Năm học", "Kỳ", "Hạn vnEdu", "Hạn EQMS"],
           [[YEAR, vocab.PERIOD_LABELS[p], a, b] for p, (a, b) in DEADLINES.items()])
    ledger = []
    districts = sorted({s.district for s in schools})
    for p, (school_due, eqms_due) in DEADLINES.items():
        for s in schools:
            x = rng.random()
            if x < 0.06:
                continue  # not signed
            signed = school_due - timedelta(days=rng.randint(0, 4))
            if x < 0.15:
                signed = school_due + timedelta(days=rng.randint(1, 6))  # late
            ledger.append(["Trường", s.code, YEAR, vocab.PERIOD_LABELS[p],
                           names.kinh_name(rng, rng.choice("MF")), signed,
                           signed + timedelta(days=rng.randint(0, 2))])
        for code in districts:
            x = rng.random()
            if x < 0.1:
                continue
            signed = eqms_due - timedelta(days=rng.randint(0, 3))
            if x < 0.25:
                signed = eqms_due + timedelta(days=rng.randint(1, 5))
            ledger.append(["Phòng", code, YEAR, vocab.PERIOD_LABELS[p],
                           names.kinh_name(rng, rng.choice("MF")), signed,
                           signed + timedelta(days=rng.randint(0, 1))])
    _sheet(d / "ky_duyet.xlsx",
           ["Cấp", "Mã đơn vị", "Năm học", "Kỳ", "Người ký", "Ngày ký", "Ngày gửi"], ledger)
    return {"truong.xlsx": len(schools), "phong_gd.xlsx": len(offices),
            "ky_bao_cao.xlsx": 3, "ky_duyet.xlsx": len(ledger)}
