"""Issue 10 item 3 (second half): files beyond a documented, configurable size or row limit are
refused with a message before they are read — a small .xlsx whose sheet unpacks to 1.5 GB must not
eat memory."""

from __future__ import annotations

import resource
import struct
import time
import zlib
from pathlib import Path

import pytest

import eduwb
from eduwb.read import Limits
from tests.hostile.reading_data import PERIOD, YEAR, make_data, period_dir

WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
             'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
             'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
             'Target="xl/workbook.xml"/></Relationships>')
TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
         'package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="'
         'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
         '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
         'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')


def _bomb(path: Path, unpacked: int) -> None:
    """An .xlsx whose one sheet is ``unpacked`` bytes of XML (blank padding inside a cell string),
    deflated to ~1.5 MB. The zip is assembled by hand so that the padding is compressed once:
    after a full flush the deflate output of a repeated block repeats too."""
    head = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
            'Họ và tên').encode()
    tail = b"</t></is></c></row></sheetData></worksheet>"
    block = b" " * (1 << 24)
    n_blocks = -(-(unpacked - len(head) - len(tail)) // len(block))
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    middle = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    last = co.compress(tail) + co.flush()
    crc = zlib.crc32(head)
    for _ in range(n_blocks):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + n_blocks * len(block) + len(tail)
    members = [(name.encode(), zlib.crc32(data.encode()), len(data.encode()),
                [zlib.compress(data.encode())[2:-4]])
               for name, data in (("[Content_Types].xml", TYPES), ("_rels/.rels", ROOT_RELS),
                                  ("xl/workbook.xml", WORKBOOK),
                                  ("xl/_rels/workbook.xml.rels", RELS))]
    members.append((b"xl/worksheets/sheet1.xml", crc, size,
                    [first, *([middle] * n_blocks), last]))
    central, offset = [], 0
    with path.open("wb") as fh:
        for name, crc_, raw_size, parts in members:
            packed = sum(len(p) for p in parts)
            fields = struct.pack("<HHHHHIIIHH", 20, 0, 8, 0, 33, crc_, packed, raw_size,
                                 len(name), 0)
            fh.write(b"PK\x03\x04" + fields + name)
            for part in parts:
                fh.write(part)
            central.append(b"PK\x01\x02" + struct.pack("<H", 20) + fields
                           + struct.pack("<HHHII", 0, 0, 0, 0, offset) + name)
            offset += 30 + len(name) + packed
        directory = b"".join(central)
        fh.write(directory + b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members),
                                                           len(members), len(directory), offset,
                                                           0))


def test_a_small_workbook_that_unpacks_to_1_5_gb_is_refused_before_reading(tmp_path: Path) -> None:
    data = make_data(tmp_path / "DATA")
    bomb = period_dir(data, "vnedu") / "70689013_HocSinh.xlsx"
    bomb.unlink()
    _bomb(bomb, 1536 * 1024 * 1024)
    assert bomb.stat().st_size < 8 * 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    period = eduwb.load_period(data, YEAR, PERIOD, workers=1)
    assert time.perf_counter() - t0 < 30
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 300 * 1024  # KiB
    row = period.load_report.set_index("file").loc[f"{YEAR}/{PERIOD}/vnedu/70689013_HocSinh.xlsx"]
    assert row["rows_read"] == 0 and "too large" in row["message"]
    assert "1,536 MB" in row["message"] and "EDUWB_MAX_MB" in row["message"]


def test_limits_are_configurable_and_cover_rows(tmp_path: Path, monkeypatch) -> None:
    data = make_data(tmp_path / "DATA")
    csv = period_dir(data, "csdl") / "70689013_HocSinh.csv"
    (period_dir(data, "csdl") / "70689013_HocSinh.xlsx").unlink()
    lines = ["Mã trường,Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp"]
    lines += [f"70689013,70{i:08d},Nguyễn Văn An,05/09/2015,Nam,1A" for i in range(3000)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rel = f"{YEAR}/{PERIOD}/csdl/70689013_HocSinh.csv"
    period = eduwb.load_period(data, YEAR, PERIOD, limits=Limits(max_rows=1000))
    row = period.load_report.set_index("file").loc[rel]
    assert row["rows_read"] == 0 and "3,001 rows" in row["message"]
    monkeypatch.setenv("EDUWB_MAX_MB", "0.05")  # 50 KiB: the 170 KB file is refused
    period = eduwb.load_period(data, YEAR, PERIOD)
    assert "too large" in period.load_report.set_index("file").loc[rel, "message"]
    monkeypatch.delenv("EDUWB_MAX_MB")
    period = eduwb.load_period(data, YEAR, PERIOD)
    assert period.load_report.set_index("file").loc[rel, "rows_loaded"] == 3000


@pytest.mark.parametrize("argv", [["--max-rows", "1000"], ["--max-mb", "0.05"]])
def test_eduwb_load_takes_the_limits(tmp_path: Path, argv: list[str]) -> None:
    from eduwb import cli

    data = make_data(tmp_path / "DATA")
    (period_dir(data, "csdl") / "70689013_HocSinh.xlsx").unlink()
    lines = ["Mã trường,Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp"]
    lines += [f"70689013,70{i:08d},Nguyễn Văn An,05/09/2015,Nam,1A" for i in range(3000)]
    (period_dir(data, "csdl") / "70689013_HocSinh.csv").write_text("\n".join(lines),
                                                                  encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["-q", "load", str(data), "--year", YEAR, "--period", PERIOD,
                     "--out", str(out), *argv]) == 0
    assert "too large" in (out / "load_report.csv").read_text(encoding="utf-8-sig")
