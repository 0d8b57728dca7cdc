"""Progress when stderr is not a terminal (CI logs): one plain line per change, never silent."""

from __future__ import annotations

import io

from rich.console import Console

from cli.progress_view import execution_progress
from cli.workflow import Progress


def test_progress_off_a_terminal_prints_one_line_per_change():
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=False, width=200)
    with execution_progress(console) as on_progress:
        on_progress(Progress(state="ListCertificatePages"))
        on_progress(Progress(state="ListCertificatePages"))
        on_progress(Progress(state="RevokeCertificatePages", pages_done=1, pages_total=4))
        on_progress(Progress(state="RevokeCertificatePages", pages_done=4, pages_total=4))
    assert sink.getvalue().splitlines() == [
        "progress: ListCertificatePages",
        "progress: RevokeCertificatePages (pages 1/4)",
        "progress: RevokeCertificatePages (pages 4/4)",
    ]
