"""Issue 10, item 8: loading the dashboard in a loop cannot exhaust the machine: Voilà gets at most
N kernels serving pages (and its one preheated kernel); more page loads get a Vietnamese "try
later" page (HTTP 503); kernels no page is connected to make room once idle, a person's open page
never. Real HTTP loads (and a real browser) against Voilà on the sample."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from eduwb.views.dashboard import serve, sessions
from tests.test_dashboard import AS_OF, SAMPLE
from tests.test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, new_page, voila

LIMIT = 2
RECLAIM = 4.0


def load(address: str) -> tuple[int, str]:
    """GET the page to its end (Voilà streams the executed notebook), as a script would."""
    try:
        with urllib.request.urlopen(address, timeout=120) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def kernels_of(pid: int) -> int:
    """Kernel processes started by the server ``pid``."""
    return len(kernel_processes(pid))


def kernel_processes(pid: int) -> list[str]:
    """The command lines of the kernel processes started by the server ``pid``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"ipykernel" in cmdline:
            found.append(f"{proc.name}: {cmdline.decode(errors='replace')}")
    return found


def test_page_loads_beyond_the_limit_get_a_try_later_page(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    serve.prepare(SAMPLE, cache=cache)
    server = {}
    with voila(SAMPLE, tmp_path, cache=cache, as_of=AS_OF, max_sessions=LIMIT,
               reclaim_after=RECLAIM, on_start=lambda p: server.setdefault("pid", p.pid)) as url:
        first = [load(url) for _ in range(LIMIT)]
        assert [code for code, _ in first] == [200] * LIMIT
        with ThreadPoolExecutor(6) as pool:  # a burst: 6 loads at once
            burst = list(pool.map(load, [url] * 6))
        codes = sorted(code for code, _ in burst)
        # Kernels idle for RECLAIM seconds may have made room for one or two; never more.
        assert codes.count(200) <= LIMIT and codes.count(503) >= 6 - LIMIT, codes
        assert all(sessions.BUSY_MESSAGE in body for code, body in burst if code == 503)
        assert kernels_of(server["pid"]) <= LIMIT + 1, kernel_processes(server["pid"])
        time.sleep(RECLAIM + 0.5)  # no page is connected to them: idle ones make room
        code, body = load(url)
        assert code == 200 and "eduwb" in body
        assert kernels_of(server["pid"]) <= LIMIT + 1


@pytest.mark.parametrize("limit", [1, 6])
def test_the_limit_is_on_the_command_line(limit: int) -> None:
    cmd = serve.voila_command("nb.ipynb", 8899, max_sessions=limit)
    assert f"--CappedKernelManager.max_kernels={limit}" in cmd
    assert "--preheat_kernel=True" in cmd  # the limit does not cost the preheated first page


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent")
def test_an_open_page_is_never_reclaimed(tmp_path: Path) -> None:
    """A person's page (connected to its kernel) keeps it however long it is idle: scripted loads
    get the "try later" page; once the person closes the tab, the next load is served."""
    from playwright.sync_api import sync_playwright

    cache = tmp_path / "cache"
    serve.prepare(SAMPLE, cache=cache)
    with voila(SAMPLE, tmp_path, cache=cache, as_of=AS_OF, max_sessions=1,
               reclaim_after=1.0) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = new_page(browser)
            page.goto(url)
            page.wait_for_selector(".eduwb-tile[data-key=findings]", timeout=40_000)
            time.sleep(2.0)  # idle longer than reclaim_after, but connected
            code, body = load(url)
            assert code == 503 and sessions.BUSY_MESSAGE in body
            page.locator(".eduwb-period button").nth(2).click()  # the page still works
            page.wait_for_function("document.querySelector('.eduwb-period button.mod-active')"
                                   ".innerText.includes('Cuối năm')", timeout=20_000)
            page.close(run_before_unload=True)  # Voilà shuts the page's kernel down
            deadline = time.monotonic() + 20
            while (code := load(url)[0]) != 200 and time.monotonic() < deadline:
                time.sleep(1.0)
            assert code == 200
        finally:
            browser.close()
