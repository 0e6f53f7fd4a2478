"""The dashboard as a person sees it: Voilà on the sample, driven in headless Chromium (Playwright).

Starts `eduwb.views.dashboard.serve` (Voilà, preheated pool, bounded kernels) on a free loopback
port with HOME, JUPYTER_*, MPLCONFIGDIR and TMPDIR in a temporary folder and a history store holding
one run of each period, then checks the numbers shown against those eduwb computes (tiles, the data-
entry checks' schools not ready to sign, units changed after signing, open findings run by run),
changes the period, drills into a district and a school, downloads the fix list, checks that no
person's name of the sample appears, and that an unreadable data folder gives a Vietnamese message.
Screenshots go to tests/artifacts/. Skipped only when /usr/bin/chromium is absent (`make test`
installs it). """

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from eduwb import store, vocab
from eduwb.views import dashboard
from eduwb.views.dashboard import serve
from tests.test_dashboard import AS_OF, SAMPLE, personal_names

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
TOKEN = "thu-nghiem"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is absent (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(root: Path) -> dict[str, str]:
    """os.environ with Jupyter, IPython, matplotlib and temporary files kept under ``root``."""
    env = dict(os.environ)
    for name in ("home", "tmp", "jupyter_config", "jupyter_data", "jupyter_runtime", "mpl"):
        (root / name).mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(root / "home"), TMPDIR=str(root / "tmp"),
               JUPYTER_CONFIG_DIR=str(root / "jupyter_config"),
               JUPYTER_DATA_DIR=str(root / "jupyter_data"),
               JUPYTER_RUNTIME_DIR=str(root / "jupyter_runtime"), MPLCONFIGDIR=str(root / "mpl"),
               IPYTHONDIR=str(root / "home" / ".ipython"), JUPYTER_PLATFORM_DIRS="1")
    return env


@contextlib.contextmanager
def voila(data: Path, root: Path, *, cache: Path, as_of: dt.date | None = None,
          token: str | None = None, on_start=None, history: Path | None = None,
          **limits) -> Iterator[str]:
    """A running dashboard server; yields its address (with the token). ``limits``: the
    sessions options of :func:`eduwb.views.dashboard.serve.start`; ``on_start(process)`` is told the server;
    ``history``: the store the page reads (default: an empty one under ``root``)."""
    port = free_port()
    log = (root / f"voila-{port}.log").open("wb")
    proc = serve.start(data, port=port, token=token, as_of=as_of, cache=cache,
                       base_env=isolated_env(root), stdout=log, stderr=subprocess.STDOUT,
                       history=history or root / "empty-history.duckdb", **limits)
    if on_start is not None:
        on_start(proc)
    try:
        deadline = time.monotonic() + 40
        while True:  # health check on a static file: a notebook GET would start a kernel
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Voilà did not start: {root / f'voila-{port}.log'}"
                                       ) from None
                time.sleep(0.2)
        yield serve.url(port, token)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="module")
def history(root: Path) -> Path:
    """One province run of each period of the sample, as a first nightly batch records them."""
    path = root / "history.duckdb"
    for period in serve.prepare(SAMPLE, cache=root / "cache"):
        assert store.snapshot(SAMPLE, "2021-2022", period, cache=root / "cache").record(path)
    return path


@pytest.fixture(scope="module")
def model(root: Path, history: Path) -> dashboard.Model:
    serve.prepare(SAMPLE, cache=root / "cache")  # what `eduwb dashboard` does before serving
    return dashboard.open_model(SAMPLE, as_of=AS_OF, cache=root / "cache", history=history)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def new_page(browser, height: int = 1000):
    page = browser.new_page(viewport={"width": 1280, "height": height}, accept_downloads=True)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("http://127.0.0.1", "data:", "blob:")) else route.abort())  # no request leaves the host
    page.set_default_timeout(20_000)
    return page


def status_of(address: str) -> int:
    """The HTTP status of a GET, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", int(address.split(":")[2].split("/")[0]),
                                      timeout=10)
    try:
        conn.request("GET", "/" + address.split("/", 3)[3])
        return conn.getresponse().status
    finally:
        conn.close()


def tile(page, key: str) -> str:
    return page.locator(f".eduwb-tile[data-key={key}] .value").inner_text().strip()


def expected_tiles(model: dashboard.Model, period: str,
                   district: str | None = None) -> dict[str, str]:
    snap, tr, progress = (model.snapshots[period], model.trackings[period],
                          model.progress(period))
    frame = (dashboard.tiles(snap, tr, progress) if district is None
             else dashboard.district_tiles(snap, tr, progress, district))
    prefix = "" if district is None else "district-"
    return {prefix + k: dashboard.fmt_int(v)
            for k, v in zip(frame["key"], frame["value"], strict=True)}


def select_starting(page, css: str, code: str) -> None:
    """Choose the option of an ipywidgets Dropdown whose label starts with ``code``, once the
    dropdown has it (the page fills the school dropdown right after the district's tables)."""
    select = page.locator(f"{css} select")
    for _ in range(500):
        # ipywidgets writes the labels with no-break spaces
        labels = [lbl.replace("\xa0", " ") for lbl in select.evaluate(
            "s => Array.from(s.options).map(o => o.text)")]
        found = [i for i, lbl in enumerate(labels) if lbl.startswith(f"{code} ")]
        if found:
            select.select_option(index=found[0])
            return
        page.wait_for_timeout(20)
    raise AssertionError(f"no option {code} in {css}: {labels}")


def history_rows(page, key: str, want: list[list[str]] | None = None) -> list[list[str]]:
    """The rows of a history table; given ``want``, waits (up to 20 s) for the page to show them
    (each widget of the page is updated on its own)."""
    deadline = time.monotonic() + 20
    while True:
        rows = page.locator(f"table[data-key={key}] tbody tr")
        got = [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]
        if want is None or got == want or time.monotonic() > deadline:
            return got
        page.wait_for_timeout(100)


def expected_history(model: dashboard.Model, period: str, level: str = "province",
                     unit: str = vocab.PROVINCE_CODE) -> list[list[str]]:
    runs = dashboard.open_by_run(model.progress(period), level, unit)
    return [[dashboard.fmt_date(r.as_of), *(dashboard.fmt_int(v) for v in r[1:])]
            for r in runs.itertuples(index=False)]


def test_dashboard_in_a_browser(model: dashboard.Model, browser, root: Path,
                                history: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    names = personal_names()
    texts = []
    with voila(SAMPLE, root, cache=root / "cache", as_of=AS_OF, token=TOKEN,
               history=history) as url:
        assert status_of(url.split("?")[0]) in (302, 403)  # the token is required
        page = new_page(browser, height=2600)
        page.goto(url)
        page.wait_for_selector(".eduwb-tile[data-key=findings]", timeout=40_000)

        # first render: the period due next, its tiles as eduwb computes them
        period = dashboard.default_period(model)
        assert period == "dau_nam"
        expected = expected_tiles(model, period)
        assert {k: tile(page, k) for k in expected} == expected
        assert expected["schools_not_ready"] not in ("0", "–")  # the sample has entry errors
        want = expected_history(model, period)
        assert history_rows(page, "history", want) == want and len(want) == 1
        nxt = dashboard.next_deadline((t.deadlines for t in model.trackings.values()), AS_OF)
        deadline = page.locator("[data-key=deadline]").inner_text()
        assert nxt["date"].strftime("%d/%m/%Y") in deadline and f"còn {nxt['days_left']}" in deadline
        heat = page.locator("table[data-key=heatmap] tbody tr")
        assert heat.count() == len(model.trackings[period].districts) + 1
        assert page.locator("table[data-key=trend] tbody tr").count() == len(vocab.PERIODS)
        page.screenshot(path=str(ARTIFACTS / "dashboard_first.png"))
        texts.append(page.inner_text("body"))

        # another period
        page.get_by_role("button", name=vocab.PERIOD_LABELS["cuoi_nam"], exact=True).click()
        expected = expected_tiles(model, "cuoi_nam")
        page.wait_for_function(
            "v => document.querySelector('.eduwb-tile[data-key=findings] .value').innerText"
            ".trim() === v", arg=expected["findings"])
        assert {k: tile(page, k) for k in expected} == expected
        want = expected_history(model, "cuoi_nam")
        assert history_rows(page, "history", want) == want
        texts.append(page.inner_text("body"))

        # a district's schools, then one school
        select_starting(page, ".eduwb-district", "696")
        page.wait_for_selector("table[data-key=schools]")
        want = dashboard.district_schools(model.trackings["cuoi_nam"], "696")
        rows = page.locator("table[data-key=schools] tbody tr")
        assert [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())] == list(
            want["school_code"])
        shown = rows.nth(0).locator("td").all_inner_texts()
        assert shown[2] == want["status"].iloc[0]
        assert shown[4] == dashboard.fmt_int(want["findings"].iloc[0])
        assert shown[5] == dashboard.fmt_int(want["check_errors"].iloc[0])
        district = expected_tiles(model, "cuoi_nam", "696")
        lines = expected_history(model, "cuoi_nam", "district", "696")
        assert history_rows(page, "district-history", lines) == lines
        assert {k: tile(page, k) for k in district} == district
        code = want.loc[want["sync_blocked"], "school_code"].iloc[0]
        select_starting(page, ".eduwb-school", code)
        page.wait_for_selector("table[data-key=gaps]")
        gaps = dashboard.school_gaps(model.snapshots["cuoi_nam"], code).set_index("indicator")
        first = page.locator("table[data-key=gaps] tbody tr").first.locator("td").all_inner_texts()
        assert first[:3] == [gaps.loc["hs_tong", "label"], dashboard.fmt_int(
            gaps.loc["hs_tong", "vnedu"]), dashboard.fmt_int(gaps.loc["hs_tong", "csdl"])]
        cats = dashboard.school_findings(model.snapshots["cuoi_nam"], code)
        shown = page.locator("table[data-key=school-categories] tbody tr td:last-child")
        assert sum(int(t) for t in shown.all_inner_texts()) == cats["count"].sum()

        # the district's fix list, made on demand
        page.get_by_role("button", name="Tạo tệp Excel danh sách cần sửa").click()
        link = page.locator("a[data-key=fix-list]")
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == "sua_sai_lech_696_2021-2022_cuoi_nam.xlsx"
        assert Path(download.value.path()).read_bytes() == dashboard.fix_list_bytes(
            model.snapshots["cuoi_nam"], "696", model.as_of, history)
        page.screenshot(path=str(ARTIFACTS / "dashboard_drill_down.png"))
        texts.append(page.inner_text("body"))
        assert page.locator("[data-key=error]").count() == 0
        html = page.content()
        page.close()

    page_text = "\n".join(texts)
    assert "Traceback" not in page_text
    leaked = sorted(n for n in names if n in page_text or n in html)
    assert not leaked, f"names in the page: {leaked[:5]}"


def test_unreadable_data_folder_shows_a_message(browser, root: Path) -> None:
    empty = root / "khong_co_du_lieu"
    empty.mkdir(exist_ok=True)
    with voila(empty, root, cache=root / "cache") as url:
        page = new_page(browser)
        page.goto(url)
        error = page.wait_for_selector("[data-key=error]", timeout=40_000)
        assert "Không mở được bảng điều hành" in error.inner_text()
        assert "Traceback" not in page.inner_text("body")
        page.screenshot(path=str(ARTIFACTS / "dashboard_error.png"))
        page.close()
