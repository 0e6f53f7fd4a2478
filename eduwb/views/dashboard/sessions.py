"""The dashboard server's kernels: a bounded number, however many times the page is loaded.

Voilà gives every load of the page a kernel (~190 MB) and, without a token, anyone who can reach
the port can load it in a loop. :class:`CappedKernelManager` (Voilà's ``multi_kernel_manager_class``)
lets at most ``max_kernels`` kernels serve pages at once (the one preheated kernel Voilà keeps ready
comes on top). When they are all taken, kernels that no page is connected to and that have been
idle ``reclaim_after`` seconds (a tab closed without notice, a script's request) are shut down,
oldest first, never one a person has open; when none can go, the page gets HTTP 503 with a
Vietnamese "too many open sessions, try later" message instead of a kernel.

Voilà hands out its preheated kernel through ``get_rendered_notebook``, a method of the subclass it
makes of this class: :meth:`CappedKernelManager.__init_subclass__` puts the same admission check
in front of it.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Float, Integer

BUSY_MESSAGE = ("Bảng điều hành đang có quá nhiều phiên mở. Vui lòng đóng bớt các thẻ đang mở "
                "hoặc thử lại sau ít phút.")
MAX_KERNELS = 6
RECLAIM_AFTER_SECONDS = 60.0
_PREHEAT_ENV = "VOILA_PREHEAT"  # Voilà marks the kernels it starts for its pool so


class CappedKernelManager(AsyncMappingKernelManager):
    """At most ``max_kernels`` kernels serving pages; idle unconnected ones make room; else 503."""

    max_kernels = Integer(MAX_KERNELS, config=True,
                          help="Most kernels serving pages at once (each page load needs one).")
    reclaim_after = Float(RECLAIM_AFTER_SECONDS, config=True,
                          help="Seconds after which an idle kernel no page is connected to may be "
                               "shut down to make room for a new page.")

    def __init__(self, **kwargs: Any) -> None:
        self._starting = 0
        self._standby: set[str] = set()  # preheated kernels not handed out yet
        super().__init__(**kwargs)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handout = cls.__dict__.get("get_rendered_notebook")
        if handout is None:
            return

        @functools.wraps(handout)
        async def admitted(self: CappedKernelManager, *args: Any, **kw: Any) -> Any:
            await self.admit()
            rendered = await handout(self, *args, **kw)
            self._standby.discard(rendered[2])  # (render task, cache, kernel id): now a page's
            return rendered

        cls.get_rendered_notebook = admitted

    def pages(self) -> int:
        """Kernels serving pages or starting for one (the preheated pool not counted)."""
        return sum(k not in self._standby for k in self._kernels) + self._starting

    async def admit(self) -> None:
        """Make room for one more page, or refuse it with HTTP 503."""
        if self.pages() >= self.max_kernels:
            await self._reclaim()
        if self.pages() >= self.max_kernels:
            self.log.warning("eduwb: %d kernels serve pages, the limit: a page load was refused",
                             self.pages())
            raise HTTPError(503, "too many kernels", reason=BUSY_MESSAGE)

    async def start_kernel(self, *, kernel_id: str | None = None, **kwargs: object) -> str:  # type: ignore[override]
        if kernel_id is not None and kernel_id in self:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        if (kwargs.get("env") or {}).get(_PREHEAT_ENV) == "True":  # Voilà refills its pool
            started = await super().start_kernel(kernel_id=kernel_id, **kwargs)
            self._standby.add(started)
            return started
        await self.admit()
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
            if kid in self._standby or self._kernel_connections.get(kid, 0) or last is None:
                continue
            if (now - last).total_seconds() >= self.reclaim_after:
                idle.append((last, kid))
        for _, kid in sorted(idle):
            if self.pages() < self.max_kernels:
                break
            self.log.info("eduwb: shutting down idle kernel %s (no page connected)", kid)
            await self.shutdown_kernel(kid)
