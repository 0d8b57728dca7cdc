"""What a running execution has reached, read from its history and its Map Run.

Sources (AWS Step Functions API reference): GetExecutionHistory (``HistoryEvent``: each event has ``id``,
``type`` and one ``<type>EventDetails`` member in lowerCamelCase, e.g. ``stateEnteredEventDetails``
{"name", "input"}, ``stateExitedEventDetails`` {"name", "output"}, ``taskFailedEventDetails``
{"error", "cause"}, ``mapRunStartedEventDetails`` {"mapRunArn"}); ListMapRuns; DescribeMapRun
(``itemCounts`` {"total", "succeeded", "failed", "running", "pending", ...}).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from revocation_common.expected_duration import ExpectedRevocation

# The phase of the workflow each state belongs to (statemachine/revoke_ca.asl.json).
PHASES = {
    "NormalizeInput": "starting",
    "AcquireLock": "starting",
    "StartDiscovery": "listing",
    "DiscoverScope": "listing",
    "DiscoveryProgress": "listing",
    "DeactivateCas": "deactivating",
    "NotifyStart": "revoking",
    "RevokeCertificatePages": "revoking",
    "RevokeCertificates": "revoking",
    "StartVerification": "verifying",
    "RediscoverScope": "verifying",
    "RediscoveryProgress": "verifying",
    "StartGathering": "verifying",
    "GatherVerification": "verifying",
    "GatheringProgress": "verifying",
    "VerifyRevocation": "verifying",
    "ReleaseLock": "notifying",
    "Notify": "notifying",
    "NotificationLost": "notifying",
    "Succeeded": "notifying",
}
FAILURE_PHASE = "failing"  # SummarizeFailure and the states after it
LISTING_STATE = "DiscoverScope"  # its output's $.discovery has pageCount, certificateCount, complete
# Error names of a failed task attempt that a throttle caused (the state's Retry absorbs it): the tasks'
# TransientAwsError (throttling/5xx outlasting botocore's retries) and Lambda's own throttle.
THROTTLE_ERRORS = ("TransientAwsError", "Lambda.TooManyRequestsException", "ThrottlingException")
FAILED_ATTEMPT_TYPES = ("TaskFailed", "LambdaFunctionFailed", "TaskTimedOut", "LambdaFunctionTimedOut")


@dataclass(frozen=True)
class Progress:
    """A snapshot of a running execution.

    state: the state entered last ("" before the first); phase: starting, deactivating, listing,
    revoking, verifying, notifying or failing. pages_total and certificates_total never go backwards
    (the listing's counts while it runs, then the Map Run's). certificates_done is pages_done's share of
    the certificates (pages hold up to 250 each; the Map Run counts pages only). throttles: task attempts
    that failed on a throttle and were retried by the state machine. phases: every phase entered so
    far, in order (a poll may come after a short phase has ended).
    """

    state: str = ""
    phase: str = ""
    pages_done: int = 0
    pages_total: int = 0
    certificates_done: int = 0
    certificates_total: int = 0
    throttles: int = 0
    listing_complete: bool = False
    phases: tuple[str, ...] = ()  # every phase entered so far, in order
    expected: str = ""  # the expected revocation time, once the listing is complete


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


class ProgressTracker:
    """Follows one execution across polls: reads only the history events it has not seen yet.

    Best effort: a caller without states:GetExecutionHistory, ListMapRuns or DescribeMapRun (an older CI
    policy) gets what the calls it may make show, and a denied call is not repeated.
    """

    def __init__(self, execution_arn: str) -> None:
        self.execution_arn = execution_arn
        self._last_event_id = 0
        self._progress = Progress()
        self._map_run_arn = ""
        self._denied: set[str] = set()

    def poll(self, sfn: Any) -> Progress:
        """Read the new history events and the Map Run's counts; returns the current Progress."""
        self._read_history(sfn)
        self._read_map_run(sfn)
        return self._progress

    def apply(self, events: list[dict[str, Any]]) -> Progress:
        """Apply history events (in any order; ids already seen are skipped); returns the Progress."""
        for event in sorted(events, key=lambda e: int(e["id"])):
            if int(event["id"]) <= self._last_event_id:
                continue
            self._last_event_id = int(event["id"])
            self._apply_event(event)
        return self._progress

    def apply_map_run(self, item_counts: dict[str, Any]) -> Progress:
        """Apply a DescribeMapRun ``itemCounts``; returns the Progress."""
        done = int(item_counts.get("succeeded", 0)) + int(item_counts.get("failed", 0))
        done += int(item_counts.get("aborted", 0)) + int(item_counts.get("timedOut", 0))
        items = int(item_counts.get("total", 0))
        # The Map's items are batches of pages (revocation_common.batches): their share of the listed pages.
        pages = self._progress.pages_total if self._progress.listing_complete else 0
        pages = pages or items
        pages_done = pages * done // items if items else 0
        self._set(pages_done=max(self._progress.pages_done, pages_done), pages_total=pages)
        return self._progress

    # -- internals ---------------------------------------------------------------------------------
    def _set(self, **changes: Any) -> None:
        progress = replace(self._progress, **changes)
        pages_total = max(progress.pages_total, self._progress.pages_total, progress.pages_done)
        certificates_total = max(progress.certificates_total, self._progress.certificates_total)
        done = progress.certificates_done
        if pages_total and certificates_total:
            share = certificates_total * progress.pages_done // pages_total
            done = max(done, share if progress.listing_complete else 0)
        self._progress = replace(
            progress,
            pages_total=pages_total,
            certificates_total=certificates_total,
            certificates_done=min(done, certificates_total),
        )

    def _apply_event(self, event: dict[str, Any]) -> None:
        kind = str(event.get("type", ""))
        details = _details(event)
        if kind.endswith("StateEntered"):
            name = str(details.get("name", ""))
            phase = PHASES.get(name, FAILURE_PHASE)
            if self._progress.phase == FAILURE_PHASE:
                phase = FAILURE_PHASE  # the failure path's states run after a failure, whatever their name
            phases = self._progress.phases
            self._set(state=name, phase=phase, phases=phases if phase in phases else (*phases, phase))
        elif kind.endswith("StateExited") and details.get("name") == LISTING_STATE:
            self._apply_listing(details.get("output"))
        elif kind == "MapRunStarted":
            self._map_run_arn = str(details.get("mapRunArn", "")) or self._map_run_arn
        elif kind in FAILED_ATTEMPT_TYPES and str(details.get("error", "")) in THROTTLE_ERRORS:
            self._set(throttles=self._progress.throttles + 1)

    def _apply_listing(self, output: Any) -> None:
        try:
            listing = json.loads(output).get("discovery", {})
        except (TypeError, ValueError, AttributeError):
            return
        if not isinstance(listing, dict):
            return
        expected = listing.get("expectedRevocation")
        self._set(
            pages_total=int(listing.get("pageCount", 0)),
            certificates_total=int(listing.get("certificateCount", 0)),
            listing_complete=bool(listing.get("complete")),
            expected=ExpectedRevocation.model_validate(expected).sentence()
            if isinstance(expected, dict)
            else self._progress.expected,
        )

    def _call(self, name: str, call: Any, **kwargs: Any) -> dict[str, Any] | None:
        if name in self._denied:
            return None
        try:
            return dict(call(**kwargs))
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
                self._denied.add(name)
            return None
        except BotoCoreError:
            return None

    def _read_history(self, sfn: Any) -> None:
        # Newest first, page by page, until an event already seen: each poll reads only what is new.
        new: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "executionArn": self.execution_arn,
                "reverseOrder": True,
                "maxResults": 100,
            }
            if token:
                kwargs["nextToken"] = token
            page = self._call("GetExecutionHistory", sfn.get_execution_history, **kwargs)
            if page is None:
                return
            events = list(page.get("events", []))
            new.extend(e for e in events if int(e["id"]) > self._last_event_id)
            token = page.get("nextToken")
            if not token or any(int(e["id"]) <= self._last_event_id for e in events):
                break
        self.apply(new)

    def _read_map_run(self, sfn: Any) -> None:
        if self._progress.phase != "revoking" and not self._map_run_arn:
            return
        if not self._map_run_arn:
            listed = self._call("ListMapRuns", sfn.list_map_runs, executionArn=self.execution_arn)
            runs = (listed or {}).get("mapRuns", [])
            if not runs:
                return
            self._map_run_arn = str(runs[0]["mapRunArn"])
        described = self._call("DescribeMapRun", sfn.describe_map_run, mapRunArn=self._map_run_arn)
        if described is not None:
            self.apply_map_run(dict(described.get("itemCounts", {})))
