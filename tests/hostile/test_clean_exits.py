"""Issue 10, item 7: an output folder that cannot be used is a one-line message and exit 2 for every
command; a control character in a file name never splits a line of standard error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eduwb import batch, cli
from eduwb.errors import ParameterError
from tests.hostile.sample_copy import PERIOD, SAMPLE, YEAR, copy_sample

PERIOD_ARGS = [str(SAMPLE), "--year", YEAR, "--period", PERIOD]
COMMANDS = {
    "load": ["load", *PERIOD_ARGS, "--out"],
    "reconcile": ["reconcile", *PERIOD_ARGS, "--out"],
    "status": ["status", *PERIOD_ARGS, "--no-load", "--out"],
    "batch": ["batch", str(SAMPLE), "--year", YEAR, "--period", PERIOD, "--out"],
    "dashboard": ["dashboard", str(SAMPLE), "--cache"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("where", ["file", "below a file"])
def test_an_output_path_that_is_a_file(command: str, where: str, tmp_path: Path,
                                       capsys) -> None:
    blocker = tmp_path / "ket_qua.csv"
    blocker.write_text("x", encoding="utf-8")
    target = blocker if where == "file" else blocker / "sub"
    assert cli.main(["-q", *COMMANDS[command], str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "không phải thư mục" in err and str(blocker) in err


def test_the_default_output_folder_blocked_by_a_file(tmp_path: Path, monkeypatch,
                                                     capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").write_text("x", encoding="utf-8")
    assert cli.main(["-q", "reconcile", *PERIOD_ARGS]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("eduwb: --out out/2021-2022/dau_nam")


def test_the_batch_api_refuses_a_file_as_output(tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ParameterError, match="output folder"):
        batch.run_batch(SAMPLE, YEAR, blocker, periods=[PERIOD], as_of=dt.date(2021, 9, 30),
                        progress=False)


def test_a_newline_in_a_file_name_stays_on_its_line(tmp_path: Path, capsys) -> None:
    data = copy_sample(tmp_path / "DATA")
    folder = data / YEAR / PERIOD / "vnedu" / "689"
    (folder / "70689015_hong\nLỖI GIẢ\r\x1b[2K_DanhSachHocSinh.xlsx").write_bytes(b"PK\x03\x04 hong")
    code = cli.main(["reconcile", str(data), "--year", YEAR, "--period", PERIOD,
                     "--district", "689", "--out", str(tmp_path / "out")])
    assert code in (0, 1)
    err = capsys.readouterr().err
    lines = err.splitlines()
    named = [line for line in lines if "hong" in line]
    assert named, err
    assert all("hong\\nLỖI GIẢ\\r\\x1b[2K_DanhSachHocSinh" in line for line in named), named
    assert not any(line.startswith(("LỖI GIẢ", "_DanhSach")) for line in lines)
    assert "\x1b" not in err and "\r" not in err


def test_a_reader_that_goes_away_does_not_fail_the_run(tmp_path: Path, monkeypatch) -> None:
    """`eduwb reconcile … | head -1`: once the reader is gone, output is dropped; the files are
    written and the exit status says what was found (1: discrepancies), not 2."""
    import io
    import sys

    class GoneAfterOneLine(io.StringIO):
        def __init__(self, sink) -> None:
            super().__init__()
            self.sink = sink

        def write(self, text: str) -> int:
            if self.getvalue():
                raise BrokenPipeError(32, "Broken pipe")
            return super().write(text)

        def fileno(self) -> int:  # the descriptor eduwb points at /dev/null once the pipe broke
            return self.sink.fileno()

    with (tmp_path / "sink").open("w") as sink:
        reader = GoneAfterOneLine(sink)
        monkeypatch.setattr(sys, "stdout", reader)
        out = tmp_path / "out"
        assert cli.main(["reconcile", str(SAMPLE), "--year", YEAR, "--period", PERIOD,
                         "--out", str(out), "--no-history"]) == 1
    assert reader.getvalue().startswith(YEAR) and (out / "discrepancies.csv").is_file()
