"""The revocation's Distributed Map items: batches of pages, sized from the fan-out of the quota.

One item per page made each page a child execution of its own: with one child carrying the whole quota
(revocation_common.pacing.fan_out), the quota stood idle while the Map started the next child, and every
page paid a Lambda start. A batch is several pages run by one child on one pacer, as long as fits in
REVOKE_BATCH_SECONDS at the child's share of the quota; the batches of a run are as even as whole pages
allow and their number is a multiple of the children, so the children run in waves that end together
and the tail of a run keeps the whole quota.

Written by DiscoverScope when its discovery completes (``revocation-batches.json``, read by the Map's
ItemReader: Step Functions Developer Guide, "ItemReader (Map)"); layout in docs/data-contract.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from revocation_common.pacing import QUOTA_HEADROOM
from revocation_common.vocabulary import REVOCATION_PAGE_SIZE

# The longest a batch may take at its child's share of the quota, seconds: two thirds of the
# RevokeCertificates timeout (900 s, contract.functions; Lambda developer guide, "Lambda quotas"), the
# rest left for botocore's retries of throttled calls and the last outcomes write.
REVOKE_BATCH_SECONDS = 600


class RevocationBatch(BaseModel):
    """One Distributed Map item: the pages one RevokeCertificates child revokes, in revocation order.

    batchNumber: 0-based, in revocation order; batchCount: the batches of the run (the pacer's phase is
    batchNumber mod the children running at once); pageNumbers: the pages (pages/{n:06d}.json).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    batchNumber: int = Field(ge=0)
    batchCount: int = Field(ge=1)
    pageNumbers: tuple[int, ...] = Field(min_length=1)


def pages_per_batch_limit(quota_tps: float, children: int) -> int:
    """The most pages a child revokes within REVOKE_BATCH_SECONDS at quota * QUOTA_HEADROOM / children
    transactions per second (at least 1)."""
    child_tps = quota_tps * QUOTA_HEADROOM / max(1, children)
    return max(1, math.floor(child_tps * REVOKE_BATCH_SECONDS / REVOCATION_PAGE_SIZE))


def plan_batches(page_numbers: Sequence[int], *, quota_tps: float, children: int) -> list[RevocationBatch]:
    """Split the pages, in their revocation order, into the Map's batches.

    Input: the page numbers in revocation order (manifest.json), the UpdateCertificate quota
    (transactions per second) and the children the Map runs at once (its MaxConcurrency). Output: at
    least ``min(children, pages)`` batches, a multiple of the children, of consecutive pages, their sizes
    differing by one page at most, each within ``pages_per_batch_limit``. No page: no batch.
    """
    pages = list(page_numbers)
    if not pages:
        return []
    running = max(1, min(children, len(pages)))
    limit = pages_per_batch_limit(quota_tps, running)
    count = max(running, math.ceil(len(pages) / limit))
    count = min(len(pages), math.ceil(count / running) * running)
    size, extra = divmod(len(pages), count)
    batches, start = [], 0
    for number in range(count):
        end = start + size + (1 if number < extra else 0)
        batches.append(
            RevocationBatch(batchNumber=number, batchCount=count, pageNumbers=tuple(pages[start:end]))
        )
        start = end
    return batches
