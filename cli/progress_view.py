"""Live progress of an execution on the terminal (stderr), from rich."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.workflow import Progress as ExecutionProgress


@contextmanager
def execution_progress(
    console: Console,
    *,
    certificates_total: int | None = None,
    certificates_done: Callable[[], int] | None = None,
) -> Iterator[Callable[[ExecutionProgress], None]]:
    """Yields an ``on_progress`` callback that shows the current state, the pages done, and (when the caller
    can count them, as the demo can) the certificates processed.

    On a terminal: live bars. Elsewhere (CI logs): one plain line each time the state or the pages done
    change, so a long run is never silent.
    """
    if not console.is_terminal:
        last: list[tuple[str, int, int]] = []

        def log_progress(snapshot: ExecutionProgress) -> None:
            seen = (snapshot.state, snapshot.pages_done, snapshot.pages_total)
            if snapshot.state and (not last or last[-1] != seen):
                pages = (
                    f" (pages {snapshot.pages_done}/{snapshot.pages_total})" if snapshot.pages_total else ""
                )
                console.print(f"progress: {snapshot.state}{pages}", markup=False, highlight=False)
                last.append(seen)

        yield log_progress
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bars:
        state_task = bars.add_task("state: starting", total=None)
        page_task = bars.add_task("pages", total=None, visible=False)
        cert_task = (
            bars.add_task("certificates", total=certificates_total)
            if certificates_total is not None
            else None
        )

        def on_progress(snapshot: ExecutionProgress) -> None:
            bars.update(state_task, description=f"state: {snapshot.state or '...'}")
            if snapshot.pages_total:
                bars.update(
                    page_task, total=snapshot.pages_total, completed=snapshot.pages_done, visible=True
                )
            if cert_task is not None and certificates_done is not None:
                bars.update(cert_task, completed=certificates_done())

        yield on_progress
