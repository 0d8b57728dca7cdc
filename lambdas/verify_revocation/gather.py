"""The gathering of the objects the report reads, resumable with a position and a time budget.

Why: the report reads one object per page, twice over: the re-discovery's pages and the outcomes. At
5,000,000 certificates (20,000 pages) that is 40,000 GetObject calls; at 20 ms each (a small object's
first-byte latency from Lambda) about 800 s, near the 900 s Lambda timeout (Lambda developer guide,
"Lambda quotas"). The gathering copies them, in order, into parts of GATHER_PART_OBJECTS objects
(``verify-gather/{part:06d}.json``), invocation after invocation, each within its time budget (the state
machine loops: GatherVerification, GatheringProgress), so the report reads 100 parts instead of 40,000
objects. A missing object (404) is gathered as missing (null) and reads as missing again
(``GatheredStore``): the report tells a page without outcomes exactly as it does from the objects
themselves. Nothing is decided here; the verdict (verify_revocation.verify) is the same code either way.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from revocation_common.ports import ObjectMissing, ObjectStore
from revocation_common.scope_models import GatherState, VerifyInput
from revocation_common.store import gather_part_key, outcome_key, page_key, verify_prefix

# Objects a part holds: 200 pages of 250 entries is about 15 MB of JSON, 50 MB as Python objects; the
# report keeps two parts in memory at most (GatheredStore).
GATHER_PART_OBJECTS = 200
CACHED_PARTS = 2


def gather_keys(event: VerifyInput) -> list[str]:
    """The objects the report reads for every page, in its reading order: the re-discovery's pages
    (verify/pages/), then the outcomes of the first discovery's pages (outcomes/)."""
    prefix = event.context.reportPrefix
    rediscovered = verify_prefix(prefix)
    return [page_key(rediscovered, n) for n in range(event.verifyDiscovery.pageCount)] + [
        outcome_key(prefix, n) for n in range(event.discovery.pageCount)
    ]


def gather(
    store: ObjectStore,
    event: VerifyInput,
    state: GatherState,
    *,
    deadline: float,
    clock: Callable[[], float],
) -> GatherState:
    """Copy the objects of gather_keys from ``state.position`` into parts until all are gathered or
    ``deadline`` (clock seconds) has passed; at least one part per invocation, so every invocation
    progresses.

    Output: the new GatherState (complete once every object is in a part). Re-runnable: a retried
    invocation rewrites the same parts from the same position. Errors: TransientAwsError,
    DeploymentError (S3 refused an object: revocation_common.aws.s3_store).
    """
    keys = gather_keys(event)
    prefix = event.context.reportPrefix
    position = state.position
    worked = False
    while position < len(keys) and not (worked and clock() >= deadline):
        part = position // GATHER_PART_OBJECTS
        end = min((part + 1) * GATHER_PART_OBJECTS, len(keys))
        documents: dict[str, Any] = {}
        for key in keys[part * GATHER_PART_OBJECTS : end]:
            try:
                documents[key] = store.get_json(key)
            except ObjectMissing:
                documents[key] = None
        store.put_json(gather_part_key(prefix, part), documents)
        position, worked = end, True
    return GatherState(
        position=position,
        total=len(keys),
        parts=-(-position // GATHER_PART_OBJECTS),
        invocations=state.invocations + 1,
        complete=position >= len(keys),
    )


class GatheredStore:
    """An ObjectStore that answers the gathered keys from their parts (ObjectMissing for one gathered as
    missing) and every other key, and every write, from ``store``. A part that is itself missing raises
    RuntimeError (Step Functions error "RuntimeError"), never ObjectMissing."""

    def __init__(self, store: ObjectStore, prefix: str, keys: Sequence[str]) -> None:
        self._store = store
        self._prefix = prefix
        self._index = {key: number for number, key in enumerate(keys)}
        self._parts: OrderedDict[int, dict[str, Any]] = OrderedDict()

    def _part(self, number: int) -> dict[str, Any]:
        if number not in self._parts:
            try:
                self._parts[number] = self._store.get_json(gather_part_key(self._prefix, number))
            except ObjectMissing:
                # Never read as "the page has no outcomes": that would settle a whole part from AWS IoT.
                raise RuntimeError(
                    f"gathered part {number} is missing: the gathering did not complete"
                ) from None
            while len(self._parts) > CACHED_PARTS:
                self._parts.popitem(last=False)
        return self._parts[number]

    def get_json(self, key: str) -> Any:
        number = self._index.get(key)
        if number is None:
            return self._store.get_json(key)
        document = self._part(number // GATHER_PART_OBJECTS).get(key)
        if document is None:
            raise ObjectMissing(key)
        return document

    def put_json(self, key: str, document: Any, *, only_if_absent: bool = False) -> bool:
        return self._store.put_json(key, document, only_if_absent=only_if_absent)
