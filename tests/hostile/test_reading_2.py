"""Issue 10 item 2: one bad file never stops the run (inputs.md 6).

A UTF-8 CSV or HTML-saved .xls with one stray byte, mixed UTF-8 and Windows-1258 lines, a CSV
field over 128 KB (a quotation mark left open) and a registry school code of 7 or 9 digits each
become a message naming the file (or the registry's file, row and column); `eduwb load` and
`eduwb reconcile` complete with every row accounted for.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from eduwb import cli
from eduwb.text import encode_cp1258
from tests.hostile.reading_data import PERIOD, PUPILS, YEAR, make_data, period_dir, registry

HEADER = "Mã trường,Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Lớp,Trạng thái\r\n"


def _csv_line(code: str, pupil: list[str]) -> str:
    return ",".join([code, *pupil]) + "\r\n"


def _run(command: str, data: Path, out: Path) -> int:
    return cli.main(["-q", command, str(data), "--year", YEAR, "--period", PERIOD,
                     "--out", str(out)])


def _report(out: Path) -> pd.DataFrame:
    rep = pd.read_csv(out / "load_report.csv", dtype=str, keep_default_na=False,
                      encoding="utf-8-sig")
    for c in ("rows_read", "rows_loaded", "rows_rejected"):
        rep[c] = rep[c].astype(int)
    assert (rep["rows_read"] == rep["rows_loaded"] + rep["rows_rejected"]).all()
    return rep.set_index("file")


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    return make_data(tmp_path / "DATA")


def test_utf8_csv_with_a_stray_byte(data: Path, tmp_path: Path) -> None:
    body = HEADER + "".join(_csv_line("70689012", p) for p in PUPILS)
    raw = body.encode("utf-8").replace("Trần".encode(), b"Tr\x81n")  # 0x81: in no code page
    (period_dir(data, "vnedu") / "70689012_HocSinh.xlsx").unlink()
    (period_dir(data, "vnedu") / "70689012_HocSinh.csv").write_bytes(raw)
    for command in ("load", "reconcile"):
        out = tmp_path / command
        assert _run(command, data, out) in (0, 1)
        row = _report(out).loc[f"{YEAR}/{PERIOD}/vnedu/70689012_HocSinh.csv"]
        assert (row["kind"], row["rows_read"], row["rows_loaded"]) == ("students", 3, 3)
        assert "line 3" in row["message"] and "�" in row["message"]


def test_csv_with_utf8_and_windows_1258_lines(data: Path, tmp_path: Path) -> None:
    raw = (HEADER + _csv_line("70689012", PUPILS[0])).encode("utf-8") + b"".join(
        encode_cp1258(_csv_line("70689012", p)) for p in PUPILS[1:])
    (period_dir(data, "vnedu") / "70689012_HocSinh.xlsx").unlink()
    (period_dir(data, "vnedu") / "70689012_HocSinh.csv").write_bytes(raw)
    out = tmp_path / "out"
    assert _run("reconcile", data, out) in (0, 1)
    row = _report(out).loc[f"{YEAR}/{PERIOD}/vnedu/70689012_HocSinh.csv"]
    assert row["rows_loaded"] == 3 and "Windows-1258" in row["message"]
    found = pd.read_csv(out / "discrepancies.csv", dtype=str, encoding="utf-8-sig")
    # every name read right on both kinds of line: the two systems agree on this school
    pupils = found[(found["school_code"] == "70689012") & found["category"].isin(
        ["only_in_vnedu", "only_in_csdl", "field_mismatch"])]
    assert pupils.empty, pupils.to_string()


def test_html_saved_as_xls_with_a_stray_byte(data: Path, tmp_path: Path) -> None:
    rows = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in p) + "</tr>" for p in PUPILS)
    page = ('<html><head><meta charset="utf-8"></head><body><table>'
            "<tr><td>Mã trường: 70689012</td></tr><tr>"
            + "".join(f"<td>{h}</td>" for h in HEADER.strip().split(",")[1:])
            + f"</tr>{rows}</table></body></html>")
    raw = page.encode("utf-8").replace("Điểu".encode(), b"\x8d\xd0i\xe1u")
    (period_dir(data, "vnedu") / "70689012_HocSinh.xlsx").unlink()
    (period_dir(data, "vnedu") / "70689012_HocSinh.xls").write_bytes(raw)
    out = tmp_path / "out"
    assert _run("load", data, out) == 0
    row = _report(out).loc[f"{YEAR}/{PERIOD}/vnedu/70689012_HocSinh.xls"]
    assert (row["kind"], row["rows_loaded"]) == ("students", 3)
    assert row["message"]


def test_csv_field_over_128_kb(data: Path, tmp_path: Path) -> None:
    header = HEADER.replace("\r\n", ",Ghi chú\r\n")
    note = '"' + "ghi chú rất dài, " * 9000 + '"'  # one quoted field of 150 KB
    body = header + "".join(_csv_line("70689012", [*p, note]) for p in PUPILS)
    assert len(body) > 3 * 131072
    (period_dir(data, "vnedu") / "70689012_HocSinh.xlsx").unlink()
    (period_dir(data, "vnedu") / "70689012_HocSinh.csv").write_text(body, encoding="utf-8")
    for command in ("load", "reconcile"):
        out = tmp_path / command
        assert _run(command, data, out) in (0, 1)
        row = _report(out).loc[f"{YEAR}/{PERIOD}/vnedu/70689012_HocSinh.csv"]
        assert (row["rows_read"], row["rows_loaded"]) == (3, 3)
        assert row["message"]


def test_csv_quote_left_open(data: Path, tmp_path: Path) -> None:
    body = (HEADER + _csv_line("70689012", PUPILS[0])
            + _csv_line("70689012", ['"' + PUPILS[1][0], *PUPILS[1][1:]])  # a quote left open
            + _csv_line("70689012", PUPILS[2]))
    (period_dir(data, "vnedu") / "70689012_HocSinh.xlsx").unlink()
    (period_dir(data, "vnedu") / "70689012_HocSinh.csv").write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    assert _run("load", data, out) == 0
    row = _report(out).loc[f"{YEAR}/{PERIOD}/vnedu/70689012_HocSinh.csv"]
    assert (row["rows_read"], row["rows_loaded"]) == (3, 3)  # nothing swallowed
    assert "quotation mark" in row["message"]


@pytest.mark.parametrize("bad", ["7068901", "706890121"])
def test_registry_code_of_7_or_9_digits(data: Path, tmp_path: Path, caplog, bad: str) -> None:
    registry(data, [["70689012", "TH Tân Phú", "TH", "689", "1", "Công lập", None, None],
                    [bad, "TH Tiến Thành", "TH", "689", "2", "Công lập", None, None]])
    out = tmp_path / "out"
    with caplog.at_level("WARNING"):
        assert _run("reconcile", data, out) in (0, 1)
    logged = caplog.text  # the command line prints warnings on standard error
    assert "`danh_muc/truong.xlsx`, sheet Sheet1, row 3, column Mã trường" in logged
    assert bad in logged and "8 digits" in logged
    rep = _report(out)
    assert rep["rows_read"].sum() == 12  # every row of every file accounted for
