"""Listing the CA's certificates into S3 pages.

Source: AWS IoT API reference, ListCertificatesByCA (pageSize 1..250, marker/nextMarker).
"""

from __future__ import annotations

from collections.abc import Callable

from revocation_common.models import ListingState
from revocation_common.pacing import RatePacer
from revocation_common.ports import IotPort, ObjectStore
from revocation_common.store import manifest_key, page_key


def list_pages(
    iot: IotPort,
    store: ObjectStore,
    pacer: RatePacer,
    *,
    ca_certificate_id: str,
    prefix: str,
    listing: ListingState,
    deadline: float,
    clock: Callable[[], float],
) -> ListingState:
    """Continue the listing from ``listing.nextMarker`` until the last page or ``deadline`` (clock seconds).

    Writes each page as ``pages/{n:06d}.json`` ([{certificateId, status}], at most 250) and, after the last
    page, ``manifest.json`` ([{pageKey, pageNumber}]) for the Distributed Map's ItemReader.
    Re-runnable: the same marker rewrites the same page objects, so a retried invocation is harmless.
    A hand-written marker loop rather than botocore's paginator, because the loop must stop between pages
    at a time budget and hand the raw nextMarker to the next invocation.
    Output: the new ListingState (complete, with manifestKey, once nextMarker is null).
    """
    marker = listing.nextMarker
    page_number = listing.pageCount
    certificate_count = listing.certificateCount
    while True:
        pacer.wait()
        page = iot.list_certificate_page(ca_certificate_id, marker)
        entries = [entry.model_dump() for entry in page.certificates]
        if entries:
            store.put_json(page_key(prefix, page_number), entries)
            page_number += 1
            certificate_count += len(entries)
        marker = page.next_marker
        if marker is None:
            key = manifest_key(prefix)
            store.put_json(
                key, [{"pageKey": page_key(prefix, n), "pageNumber": n} for n in range(page_number)]
            )
            return ListingState(
                nextMarker=None,
                complete=True,
                pageCount=page_number,
                certificateCount=certificate_count,
                invocations=listing.invocations + 1,
                manifestKey=key,
            )
        if clock() >= deadline:
            return ListingState(
                nextMarker=marker,
                complete=False,
                pageCount=page_number,
                certificateCount=certificate_count,
                invocations=listing.invocations + 1,
            )
