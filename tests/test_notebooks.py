"""The notebooks against their golden executed copies (nbval), and a changed output caught.

The golden copies in ``tests/golden/`` are the notebooks executed by papermill on ``data/sample``
with fixed parameters (``as_of`` so that deadlines do not move with the calendar), then stripped of
timestamps, paths and widget state. Their history store (``$EDUWB_HISTORY``) is made afresh for
each run: the sample's end of year recorded once (:func:`golden_history`), as a first nightly batch
leaves it. Regenerate them after a deliberate change of the notebooks, eduwb or the sample:
``.venv/bin/python tests/test_notebooks.py --regenerate``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
GOLDEN = ROOT / "tests" / "golden"
SANITIZE = NOTEBOOKS / "nbval_sanitize.cfg"
GOLDEN_AS_OF = dt.date(2022, 5, 18)  # the sample's vnEdu end-of-year export date
PARAMETERS = {
    "district_report": {"data": "../../data/sample", "as_of": "2022-06-01"},
    "explore": {"data": "../../data/sample"},
}


def jupyter_env(tmp: Path) -> dict[str, str]:
    """Environment variables that keep Jupyter, IPython, matplotlib, eduwb's cache and its default
    history store (empty until something records into it) in ``tmp``."""
    env = {"HOME": tmp / "home", "JUPYTER_CONFIG_DIR": tmp / "jupyter" / "config",
           "JUPYTER_DATA_DIR": tmp / "jupyter" / "data",
           "JUPYTER_RUNTIME_DIR": tmp / "jupyter" / "runtime", "IPYTHONDIR": tmp / "ipython",
           "MPLCONFIGDIR": tmp / "mpl", "EDUWB_CACHE": tmp / "cache"}
    for path in env.values():
        path.mkdir(parents=True, exist_ok=True)
    env["EDUWB_HISTORY"] = tmp / "history.duckdb"
    return {k: str(v) for k, v in env.items()}


def golden_history(env: dict[str, str]) -> Path:
    """The goldens' history store (``env``'s EDUWB_HISTORY): the sample's end of year recorded
    once as a province run, dated GOLDEN_AS_OF (the sample's CSDL files carry no export date line,
    so their date is the files' time, which a checkout sets)."""
    from eduwb import store
    from eduwb.history import record_run
    from eduwb.history.record import scope_units

    path = Path(env["EDUWB_HISTORY"])
    snap = store.snapshot(ROOT / "data" / "sample", "2021-2022", "cuoi_nam",
                          cache=env["EDUWB_CACHE"])
    record_run(path, year=snap.year, period=snap.period, scope="province", as_of=GOLDEN_AS_OF,
               fingerprint=store.fingerprint(snap.data, snap.year, snap.period),
               findings=snap.finding_frames(), indicators=snap.indicators,
               units=scope_units(snap.registry, None, snap.indicators))
    return path


def sanitise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop papermill's timestamps and paths, execution timings and widget state."""
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    nb.metadata.pop("widgets", None)
    nb.metadata["papermill"] = {"parameters": params}
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill draws a random id
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type == "code" and "NBVAL_IGNORE_OUTPUT" in cell.source:
            cell.outputs = []  # widget views carry random model ids
    return nb


def regenerate() -> None:
    """Execute each notebook on the sample into tests/golden/ and sanitise it."""
    import tempfile

    import papermill

    with tempfile.TemporaryDirectory() as tmp:
        env = jupyter_env(Path(tmp))
        os.environ.update(env)
        golden_history(env)
        for name, params in PARAMETERS.items():
            target = GOLDEN / f"{name}.ipynb"
            papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(target),
                                       parameters=params, kernel_name="python3", cwd=str(GOLDEN),
                                       shutdown_kernel="immediate", progress_bar=False)
            nbformat.write(sanitise(nbformat.read(str(target), as_version=4)), str(target))


def _code(nb: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in nb.cells
            if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]


def _nbval(paths: list[Path], tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **jupyter_env(tmp)}
    golden_history(env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         "--nbval-sanitize-with", str(SANITIZE), "--rootdir", str(tmp), "-c", os.devnull,
         *map(str, paths)],
        cwd=tmp, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_golden_copy_has_the_notebooks_code(name: str) -> None:
    source = nbformat.read(str(NOTEBOOKS / f"{name}.ipynb"), as_version=4)
    golden = nbformat.read(str(GOLDEN / f"{name}.ipynb"), as_version=4)
    assert _code(golden) == _code(source), "notebook changed: regenerate the golden copy"
    assert all(not c.get("outputs") for c in source.cells if c.cell_type == "code"), \
        "commit the notebooks without outputs; outputs live in tests/golden/"


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_golden_copies_are_clean(name: str) -> None:
    text = (GOLDEN / f"{name}.ipynb").read_text(encoding="utf-8")
    for bad in ('"ExecuteTime"', "/home/", "/root/", "/tmp/", "/Users/", '"start_time"',
                '"widgets"'):
        assert bad not in text
    nb = json.loads(text)
    assert any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")


def test_notebooks_reproduce_their_golden_outputs(tmp_path: Path) -> None:
    run = _nbval([GOLDEN / f"{name}.ipynb" for name in sorted(PARAMETERS)], tmp_path)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_a_changed_output_fails(tmp_path: Path) -> None:
    # Same relative layout as tests/golden/ so that ../../data/sample resolves.
    folder = tmp_path / "tests" / "golden"
    folder.mkdir(parents=True)
    (tmp_path / "data").symlink_to(ROOT / "data")
    nb = nbformat.read(str(GOLDEN / "district_report.ipynb"), as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code"
                and c.source.strip() == "nb.table(report.indicator_table())")
    data = cell.outputs[0]["data"]
    assert "Tổng số học sinh" in data["text/plain"]
    data["text/plain"] = data["text/plain"].replace("Tổng số học sinh", "Tổng số học sinh nam")
    nbformat.write(nb, str(folder / "district_report.ipynb"))
    shutil.copy(SANITIZE, tmp_path / SANITIZE.name)
    run = _nbval([folder / "district_report.ipynb"], tmp_path / "run")
    assert run.returncode != 0
    assert "1 failed" in run.stdout, run.stdout[-3000:]


if __name__ == "__main__":
    if "--regenerate" in sys.argv:
        regenerate()
    else:
        print(__doc__)
