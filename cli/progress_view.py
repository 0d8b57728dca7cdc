"""Live progress of an execution on stderr: the phase, pages and certificates done of the total, the rate,
an ETA and the throttles absorbed (from cli/history.py's Progress), with rich on a terminal."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bars

from cli.history import Progress

HEARTBEAT_SECONDS = 60.0  # off a terminal, a line at least this often even when nothing changed


def plural(count: int, noun: str) -> str:
    """``1 certificate``, ``2 certificates``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, rest = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}"


@dataclass
class RateMeter:
    """Certificates per second since the revoking phase began, and the ETA it gives (seconds)."""

    clock: Callable[[], float]
    _start: tuple[float, int] | None = None

    def rate(self, snapshot: Progress) -> float | None:
        if snapshot.phase != "revoking" and self._start is None:
            return None
        now = self.clock()
        if self._start is None:
            self._start = (now, snapshot.certificates_done)
            return None
        elapsed = now - self._start[0]
        if elapsed <= 0:
            return None
        return (snapshot.certificates_done - self._start[1]) / elapsed

    @staticmethod
    def eta(snapshot: Progress, rate: float | None) -> float | None:
        if not rate or rate <= 0 or snapshot.phase != "revoking" or not snapshot.certificates_total:
            return None
        return max(0, snapshot.certificates_total - snapshot.certificates_done) / rate


def describe(snapshot: Progress) -> str:
    """The phase, state, pages and certificates of ``snapshot`` (no rate: what a change is judged by)."""
    head = f"{snapshot.phase or 'starting'}"
    if snapshot.state:
        head += f" ({snapshot.state})"
    parts = [head]
    if snapshot.phase == "listing" and not snapshot.listing_complete:
        if snapshot.pages_total:
            parts.append(
                f"listed {plural(snapshot.certificates_total, 'certificate')} in "
                f"{plural(snapshot.pages_total, 'page')} so far"
            )
    elif snapshot.pages_total:
        parts.append(f"pages {snapshot.pages_done}/{snapshot.pages_total}")
        if snapshot.certificates_total:
            parts.append(f"certificates {snapshot.certificates_done}/{snapshot.certificates_total}")
    parts.append(f"throttles absorbed {snapshot.throttles}")
    return ", ".join(parts)


def speed(rate: float | None, eta: float | None) -> str:
    """``12.5 certificates/s, ETA 0:01:20`` (empty parts left out)."""
    parts = []
    if rate is not None:
        parts.append(f"{rate:.1f} certificates/s")
    if eta is not None:
        parts.append(f"ETA {_duration(eta)}")
    return ", ".join(parts)


@contextmanager
def execution_progress(
    console: Console,
    *,
    certificates_total: int | None = None,
    certificates_done: Callable[[], int] | None = None,
    clock: Callable[[], float] = time.monotonic,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
) -> Iterator[Callable[[Progress], None]]:
    """Yields an ``on_progress`` callback taking each poll's Progress.

    ``certificates_total``/``certificates_done`` (the demo can count exactly, from the emulator) replace
    the estimate from the Map Run's page counts. On a terminal: a live line and bar. Elsewhere (CI logs):
    ``progress: <phase> (<state>), pages d/t, certificates d/t, throttles absorbed n; r certificates/s,
    ETA h:mm:ss`` each time anything but the rate changes, and at least every ``heartbeat_seconds``.
    """
    meter = RateMeter(clock)
    announced: list[str] = []

    def announce(snapshot: Progress) -> None:
        # The expected revocation time, once the listing has counted the scope (DiscoverScope's
        # expectedRevocation: revocation_common.expected_duration).
        if snapshot.expected and not announced:
            announced.append(snapshot.expected)
            console.print(f"expected: {snapshot.expected}", markup=False, highlight=False, soft_wrap=True)

    def exact(snapshot: Progress) -> Progress:
        if certificates_done is None:
            return snapshot
        total = max(snapshot.certificates_total, certificates_total or 0)
        return replace(snapshot, certificates_done=min(certificates_done(), total), certificates_total=total)

    if not console.is_terminal:
        last: dict[str, object] = {}

        def log_progress(snapshot: Progress) -> None:
            snapshot = exact(snapshot)
            announce(snapshot)
            rate = meter.rate(snapshot)
            if not snapshot.state:
                return
            printed = last.setdefault("phases", [])
            assert isinstance(printed, list)
            for phase in snapshot.phases[:-1]:  # phases that began and ended between two polls
                if phase not in printed:
                    console.print(f"progress: {phase} done", markup=False, highlight=False)
                    printed.append(phase)
            if snapshot.phase not in printed:
                printed.append(snapshot.phase)
            text = describe(snapshot)
            now = clock()
            changed = last.get("text") != text
            due = "at" in last and now - float(last["at"]) >= heartbeat_seconds  # type: ignore[arg-type]
            if changed or due:
                tail = speed(rate, meter.eta(snapshot, rate))
                line = f"progress: {text}" + (f"; {tail}" if tail else "")
                console.print(line, markup=False, highlight=False, soft_wrap=True)
                last.update(text=text, at=now)

        yield log_progress
        return
    with Bars(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bars:
        task = bars.add_task("starting", total=None, detail="")

        def on_progress(snapshot: Progress) -> None:
            snapshot = exact(snapshot)
            announce(snapshot)
            rate = meter.rate(snapshot)
            counted = snapshot.certificates_total if snapshot.listing_complete else 0
            bars.update(
                task,
                description=f"{snapshot.phase or 'starting'} {snapshot.state}".strip(),
                total=counted or None,
                completed=snapshot.certificates_done if counted else 0,
                detail=", ".join(
                    part
                    for part in (
                        f"pages {snapshot.pages_done}/{snapshot.pages_total}" if snapshot.pages_total else "",
                        speed(rate, meter.eta(snapshot, rate)),
                        f"throttles absorbed {snapshot.throttles}",
                    )
                    if part
                ),
            )

        yield on_progress
