"""Listing the CA's certificates into S3 pages.

Source: AWS IoT API reference, ListCertificatesByCA (pageSize 1..250, marker/nextMarker).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from revocation_common.iot_calls import list_certificate_page
from revocation_common.models import ListingState
from revocation_common.pacing import RatePacer
from revocation_common.store import manifest_key, page_key, put_json


def list_pages(
    iot: Any,
    s3: Any,
    pacer: RatePacer,
    *,
    ca_certificate_id: str,
    bucket: str,
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
        response = list_certificate_page(iot, ca_certificate_id, marker)
        entries = [
            {"certificateId": c["certificateId"], "status": c["status"]}
            for c in response.get("certificates", [])
        ]
        if entries:
            put_json(s3, bucket, page_key(prefix, page_number), entries)
            page_number += 1
            certificate_count += len(entries)
        marker = response.get("nextMarker") or None
        if marker is None:
            key = manifest_key(prefix)
            put_json(
                s3,
                bucket,
                key,
                [{"pageKey": page_key(prefix, n), "pageNumber": n} for n in range(page_number)],
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
