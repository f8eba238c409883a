"""The flag snapshot every request reads, and the task that keeps it fresh.

    refresher = FlagRefresher(sessionmaker, interval=0.5)
    refresher.refresh()            # one synchronous load (start-up)
    task = asyncio.create_task(refresher.run())
    refresher.table.state("GET /api/jobs")   # ("canary", 25) — a dict lookup, no DB query

Dispatch never queries the database: it reads `table`, which `run()` replaces every
`interval` seconds with a fresh `flags.load_table` (done in a worker thread, so the event
loop never waits on the DB). A change made by any process is therefore seen by every
worker and replica within `interval` plus one small query. The capture switches
(`captures`, route key -> sample rate) are refreshed with the flags. A failed load keeps the last
good table and is logged (once per streak, not every tick).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import anyio.to_thread
from sqlalchemy.orm import Session

from cutover.captures import load_captures
from cutover.flags import EMPTY_TABLE, FlagTable, load_table

log = logging.getLogger("gateway.cutover")


class FlagRefresher:
    def __init__(self, sessionmaker: Callable[[], Session], *, interval: float) -> None:
        self.sessionmaker = sessionmaker
        self.interval = interval
        self.table: FlagTable = EMPTY_TABLE
        self.captures: dict[str, float] = {}  # route key -> sample rate (cutover.captures)
        self._failing = False

    def refresh(self) -> FlagTable:
        with self.sessionmaker() as session:
            self.table = load_table(session)
            self.captures = load_captures(session)
        return self.table

    def override(self, route_key: str, state: str, percent: int = 0) -> None:
        """Apply a change this worker made itself at once (the next refresh confirms it)."""
        flags = dict(self.table.flags)
        flags[route_key] = (state, percent)
        self.table = FlagTable(flags=flags, switches=self.table.switches)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await anyio.to_thread.run_sync(self.refresh)
            except Exception:  # noqa: BLE001 - keep serving from the last good table
                if not self._failing:
                    log.exception("cutover flag refresh failed; keeping the last snapshot")
                self._failing = True
            else:
                if self._failing:
                    log.info("cutover flag refresh recovered")
                self._failing = False
