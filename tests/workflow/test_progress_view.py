"""Progress of ``run --wait``/``follow`` from botocore-shaped history events (recorded from the emulator,
whose history keys are botocore's: ``stateEnteredEventDetails``, ``stateExitedEventDetails``, ...) and Map Run
counts; off a terminal, one plain line per change and at least one a minute.

Source: AWS Step Functions API reference, GetExecutionHistory (HistoryEvent) and DescribeMapRun.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from cli.history import Progress, ProgressTracker
from cli.progress_view import execution_progress

RECORDED = json.loads((Path(__file__).parent / "recorded_history.json").read_text())
ARN = "arn:aws:states:us-east-1:123456789012:execution:iot-ca-revocation:recorded"


def _until(event_type: str, name: str = "") -> list[dict]:
    """The recorded events up to the first ``event_type`` (of state ``name``)."""
    for index, event in enumerate(RECORDED):
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
        if event["type"] == event_type and (not name or details.get("name") == name):
            return RECORDED[: index + 1]
    raise AssertionError(f"no {event_type} {name}")


def test_recorded_history_gives_the_state_and_phase():
    tracker = ProgressTracker(ARN)
    assert tracker.apply(_until("TaskStateEntered", "DeactivateCas")).phase == "deactivating"
    progress = tracker.apply(_until("TaskStateEntered", "DiscoverScope"))
    assert (progress.state, progress.phase) == ("DiscoverScope", "listing")
    progress = tracker.apply(_until("MapStateEntered"))
    assert (progress.state, progress.phase) == ("RevokeCertificatePages", "revoking")
    assert (progress.pages_total, progress.certificates_total, progress.listing_complete) == (3, 600, True)
    progress = tracker.apply(_until("TaskStateEntered", "VerifyRevocation"))
    assert progress.phase == "verifying"


def test_totals_never_go_backwards_while_the_map_run_reads_its_items():
    tracker = ProgressTracker(ARN)
    listing = {
        "id": 1,
        "type": "TaskStateExited",
        "stateExitedEventDetails": {
            "name": "DiscoverScope",
            "output": json.dumps(
                {"discovery": {"pageCount": 20, "certificateCount": 5000, "complete": True}}
            ),
        },
    }
    tracker.apply(
        [
            listing,
            {
                "id": 2,
                "type": "MapStateEntered",
                "stateEnteredEventDetails": {"name": "RevokeCertificatePages"},
            },
        ]
    )
    seen = [
        tracker.apply_map_run({"total": total, "succeeded": done, "failed": 0})
        for total, done in ((10, 0), (19, 9), (20, 10), (20, 20))
    ]
    assert [(p.pages_done, p.pages_total) for p in seen] == [(0, 20), (9, 20), (10, 20), (20, 20)]
    assert [p.certificates_done for p in seen] == [0, 2250, 2500, 5000]
    assert all(p.certificates_total == 5000 for p in seen)


def test_a_retried_throttle_is_counted():
    tracker = ProgressTracker(ARN)
    failed = {  # the shape of GetExecutionHistory's lambdaFunctionFailedEventDetails
        "id": 7,
        "type": "LambdaFunctionFailed",
        "lambdaFunctionFailedEventDetails": {"error": "TransientAwsError", "cause": "{}"},
    }
    other = {
        "id": 8,
        "type": "LambdaFunctionFailed",
        "lambdaFunctionFailedEventDetails": {"error": "CaNotFound"},
    }
    assert tracker.apply([failed, other]).throttles == 1


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_off_a_terminal_one_line_per_change_with_rate_and_eta_and_a_heartbeat():
    sink = io.StringIO()
    clock = FakeClock()
    console = Console(file=sink, force_terminal=False, width=200)
    listing = Progress(state="DiscoverScope", phase="listing", pages_total=2, certificates_total=500)
    revoking = Progress(
        state="RevokeCertificatePages",
        phase="revoking",
        pages_total=4,
        certificates_total=1000,
        listing_complete=True,
    )
    with execution_progress(console, clock=clock, heartbeat_seconds=60) as on_progress:
        on_progress(listing)
        clock.now = 5
        on_progress(listing)  # no change: no line
        on_progress(revoking)
        clock.now = 15
        on_progress(Progress(**{**revoking.__dict__, "pages_done": 1, "certificates_done": 250}))
        clock.now = 80
        on_progress(Progress(**{**revoking.__dict__, "pages_done": 1, "certificates_done": 250}))  # heartbeat
    lines = sink.getvalue().splitlines()
    assert lines[0] == (
        "progress: listing (DiscoverScope), listed 500 certificates in 2 pages so far, throttles absorbed 0"
    )
    assert lines[1] == (
        "progress: revoking (RevokeCertificatePages), pages 0/4, certificates 0/1000, throttles absorbed 0"
    )
    assert lines[2] == (
        "progress: revoking (RevokeCertificatePages), pages 1/4, certificates 250/1000, "
        "throttles absorbed 0; 25.0 certificates/s, ETA 0:00:30"
    )
    assert lines[3].startswith(
        "progress: revoking (RevokeCertificatePages), pages 1/4, certificates 250/1000"
    )
    assert len(lines) == 4
