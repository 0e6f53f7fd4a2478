"""The dashboard server's kernels: a bounded number, however many times the page is loaded.

Voilà starts a kernel (~190 MB) for every load of the page and, without a token, anyone who can
reach the port can load it in a loop. :class:`CappedKernelManager` (Voilà's
``multi_kernel_manager_class``) starts at most ``max_kernels``; when they are all taken it first
shuts down kernels that no page is connected to and that have been idle ``reclaim_after`` seconds
(a page opened and closed without saying so, a script's request), oldest first, never one a
person has open; when none can go, the page gets HTTP 503 with a Vietnamese "too many open
sessions, try later" message instead of a new kernel.
"""

from __future__ import annotations

import datetime as dt

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Float, Integer

BUSY_MESSAGE = ("Bảng điều hành đang có quá nhiều phiên mở. Vui lòng đóng bớt các thẻ đang mở "
                "hoặc thử lại sau ít phút.")
MAX_KERNELS = 6
RECLAIM_AFTER_SECONDS = 60.0


class CappedKernelManager(AsyncMappingKernelManager):
    """At most ``max_kernels`` kernels; idle unconnected kernels make room; else HTTP 503."""

    max_kernels = Integer(MAX_KERNELS, config=True,
                          help="Most kernels running at once (each page load needs one).")
    reclaim_after = Float(RECLAIM_AFTER_SECONDS, config=True,
                          help="Seconds after which an idle kernel no page is connected to may be "
                               "shut down to make room for a new page.")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._starting = 0

    def running(self) -> int:
        """Kernels running or starting."""
        return len(self._kernels) + self._starting

    async def start_kernel(self, *, kernel_id: str | None = None, **kwargs):  # type: ignore[override]
        if kernel_id is not None and kernel_id in self:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        if self.running() >= self.max_kernels:
            await self._reclaim()
        if self.running() >= self.max_kernels:
            self.log.warning("eduwb: %d kernels running, the limit: a page load was refused",
                             self.running())
            raise HTTPError(503, "too many kernels", reason=BUSY_MESSAGE)
        self._starting += 1
        try:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        finally:
            self._starting -= 1

    async def _reclaim(self) -> None:
        """Shut down idle kernels without a connected page, oldest first, until one is free."""
        now = dt.datetime.now(dt.UTC)
        idle = []
        for kid, kernel in list(self._kernels.items()):
            last = getattr(kernel, "last_activity", None)
            if self._kernel_connections.get(kid, 0) or last is None:
                continue
            if (now - last).total_seconds() >= self.reclaim_after:
                idle.append((last, kid))
        for _, kid in sorted(idle):
            if self.running() < self.max_kernels:
                break
            self.log.info("eduwb: shutting down idle kernel %s (no page connected)", kid)
            await self.shutdown_kernel(kid)
