"""The revocation order (revocation_common.registration_order) and the request's registeredAfter
(normalize_input.request): newest first, the registrations after the cut-off before all others."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from normalize_input.request import request_from_console
from revocation_common.errors import InvalidInput
from revocation_common.registration_order import PageIndexEntry, instant, manifest_order, registered_first

pytestmark = pytest.mark.unit

CA = "c" * 64


def test_the_manifest_order_keeps_every_page_once() -> None:
    index = [
        PageIndexEntry(pageNumber=0, newestCreationDate="2026-11-01T00:00:03.000000+00:00"),
        PageIndexEntry(pageNumber=1, newestCreationDate="2026-11-01T00:00:09.000000+00:00"),
        PageIndexEntry(
            pageNumber=2, newestCreationDate="2026-11-01T00:00:01.000000+00:00", registeredFirst=True
        ),
        PageIndexEntry(pageNumber=9, newestCreationDate="2026-11-01T00:00:05.000000+00:00"),  # not a page
    ]
    # Page 3 has no index entry (nor date): it still comes, last of its group.
    assert manifest_order(4, index) == [2, 1, 0, 3]
    assert manifest_order(0, index) == []


def test_registered_first_compares_instants_and_an_unknown_date_is_recent() -> None:
    cut_off = instant(datetime(2026, 11, 30, 8, tzinfo=UTC))
    assert registered_first(instant(datetime(2026, 11, 30, 8, 0, 0, 1, tzinfo=UTC)), cut_off)
    assert not registered_first(cut_off, cut_off)
    assert not registered_first(instant(datetime(2026, 11, 30, 7, 59, tzinfo=UTC)), cut_off)
    assert registered_first("", cut_off)
    assert not registered_first(instant(datetime(2030, 1, 1, tzinfo=UTC)), None)


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("2026-11-30T09:00:00+01:00", "2026-11-30T08:00:00.000000+00:00"),
        ("2026-11-30T08:00:00Z", "2026-11-30T08:00:00.000000+00:00"),
        ("2026-11-30T08:00:00.25-00:30", "2026-11-30T08:30:00.250000+00:00"),
    ],
)
def test_registered_after_is_carried_in_utc(given: str, normalized: str) -> None:
    request = request_from_console(
        {"caCertificateId": CA, "registeredAfter": given}, default_target_status="REVOKED"
    )
    assert request.registeredAfter == normalized
    assert (
        request_from_console({"caCertificateId": CA}, default_target_status="REVOKED").registeredAfter is None
    )


@pytest.mark.parametrize("given", ["2026-11-30", "2026-11-30T08:00:00", "30/11/2026 08:00Z", "", True, 17])
def test_a_registered_after_without_date_time_and_offset_is_refused_by_name(given: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        request_from_console(
            {"caCertificateId": CA, "registeredAfter": given}, default_target_status="REVOKED"
        )
    assert refused.value.field == "registeredAfter"
    assert "UTC offset" in str(refused.value)
