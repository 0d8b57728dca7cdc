"""The revocation order: the newest registrations first, those after the request's registeredAfter before
all others.

The certificates most likely minted with a stolen CA key are the ones registered closest to the
compromise, so the first minutes of a long run should revoke them. Discovery lists each CA newest first
(ListCertificatesByCA with ascendingOrder false: "If True, the results are returned in ascending order,
based on the creation date", AWS IoT API reference; the account-wide ListCertificates scan lists oldest
first, so that registrations during the scan do not move its pages: discover_scope.aws), keeps the
certificates registered after registeredAfter on pages of their own, and records each page's newest
creationDate in a page index; the manifest orders the pages from it (``manifest_order``). The order
changes no scope: every certificate listed is on exactly one page.

Instants are ISO 8601 strings in UTC with microseconds (``instant``), so that comparing two of them as
text compares the times.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field


def instant(moment: datetime) -> str:
    """``moment`` (aware) as ISO 8601 in UTC with microseconds, e.g. "2026-11-30T08:00:00.000000+00:00"."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def registered_first(creation_date: str, registered_after: str | None) -> bool:
    """Whether a certificate created at ``creation_date`` (an ``instant``; "" when unknown) is revoked
    among the first: registered strictly after ``registered_after`` (an ``instant``). An unknown
    creationDate counts as recent: a certificate is never put later for lack of a date."""
    if registered_after is None:
        return False
    return creation_date == "" or creation_date > registered_after


class PageIndexEntry(BaseModel):
    """One revocation page in the page index (``page-index/{invocation:06d}.json``, written by discovery).

    pageNumber: pages/{n:06d}.json; newestCreationDate: the newest creationDate on it ("" when none is
    known); registeredFirst: every certificate on it was registered after registeredAfter.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    pageNumber: int = Field(ge=0)
    newestCreationDate: str = ""
    registeredFirst: bool = False


def manifest_order(page_count: int, index: Iterable[PageIndexEntry]) -> list[int]:
    """Every page number 0..page_count-1 once, in revocation order: the registeredFirst pages, then the
    others, each newest first (a page without a date, or missing from the index, keeps its place by
    number after the dated ones of its group; ties by page number, the listing's order)."""
    known = {entry.pageNumber: entry for entry in index if entry.pageNumber < page_count}
    entries = [known.get(number, PageIndexEntry(pageNumber=number)) for number in range(page_count)]
    # Stable sorts, least significant key first: newest first, then the registeredFirst group first.
    entries.sort(key=lambda entry: entry.newestCreationDate, reverse=True)
    entries.sort(key=lambda entry: not entry.registeredFirst)
    return [entry.pageNumber for entry in entries]
