"""Issue 10, item 1: eduwb installed from its wheel (not editable) runs the batch and finds the
dashboard's notebook, from a folder outside the source tree.

The wheel is built offline (``--no-build-isolation``: setuptools and wheel come with the test tools)
from a copy of the sources, installed without dependencies into a fresh venv that borrows the test
venv's packages through a ``.pth`` file (the test venv's own ``.pth`` files, among them eduwb's
editable finder, are not run that way; JUPYTER_PATH points at its data, nbconvert's templates).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.hostile.sample_copy import YEAR, copy_sample
from tests.test_notebooks import jupyter_env

ROOT = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert run.returncode == 0, f"{cmd}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run


def test_the_installed_wheel_runs_the_batch_and_finds_the_dashboard(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("eduwb", "notebooks"):
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", str(tmp_path / "dist"), str(source)])
    wheel = next((tmp_path / "dist").glob("eduwb-*.whl"))

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
                     ).stdout.strip())
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)])

    work = tmp_path / "elsewhere"  # outside the source tree
    work.mkdir()
    env = {**os.environ, **jupyter_env(tmp_path / "env")}
    env.pop("PYTHONPATH", None)
    # The borrowed packages' data (nbconvert's templates) sit in the test venv's prefix.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    where = _run([str(python), "-c", "import eduwb, eduwb.views.dashboard.serve as s; print(eduwb.__file__); "
                  "print(s.notebook_path())"], cwd=work, env=env).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where
    assert Path(where[1]).name == "dashboard.ipynb" and Path(where[1]).is_file()

    data = copy_sample(work / "DATA", periods=("cuoi_nam",))
    run = subprocess.run([str(venv / "bin" / "eduwb"), "-q", "batch", str(data), "--year", YEAR,
                          "--period", "cuoi_nam", "--district", "689", "--as-of", "2022-06-01",
                          "--out", "reports"], cwd=work, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    folder = work / "reports" / YEAR / "cuoi_nam"
    assert (folder / "689.xlsx").stat().st_size > 0
    page = (folder / "689.html").read_text(encoding="utf-8")
    assert "BÁO CÁO ĐỐI CHIẾU" in page and "report = nb.district_report" not in page
    assert "689" in (work / "reports" / "index.html").read_text(encoding="utf-8")
