"""How VerifyRevocation counts the certificates of a page whose task never recorded its outcomes: from the
status AWS IoT reports now, so that the report says what really happened to each (docs/data-contract.md,
"Outcomes of one certificate")."""

from __future__ import annotations

import pytest
from revocation_common.outcomes import (
    DELETED_REASON,
    PENDING_TRANSFER_REASON,
    REVOKED_IS_FINAL_REASON,
    unrecorded_outcome,
)

ERROR = "page 1 was not processed: States.ExceedToleratedFailureThreshold"


@pytest.mark.parametrize(
    ("listed", "now", "target", "dry_run", "outcome", "reason"),
    [
        ("ACTIVE", "REVOKED", "REVOKED", False, "REVOKED", "set by an attempt"),  # the crashed attempt did it
        ("REVOKED", "REVOKED", "REVOKED", False, "ALREADY_IN_TARGET", ""),
        ("ACTIVE", "ACTIVE", "REVOKED", False, "FAILED", ERROR),  # the attempts never got to it
        ("PENDING_ACTIVATION", "PENDING_ACTIVATION", "REVOKED", False, "FAILED", ERROR),
        ("PENDING_TRANSFER", "PENDING_TRANSFER", "REVOKED", False, "SKIPPED", PENDING_TRANSFER_REASON),
        ("ACTIVE", None, "REVOKED", False, "SKIPPED", DELETED_REASON),
        ("ACTIVE", "INACTIVE", "INACTIVE", False, "REVOKED", "set by an attempt"),
        ("REVOKED", "REVOKED", "INACTIVE", False, "SKIPPED", REVOKED_IS_FINAL_REASON),
        # A dry run changes nothing: it is judged by the listed status alone.
        ("ACTIVE", "REVOKED", "REVOKED", True, "FAILED", ERROR),
        ("REVOKED", "REVOKED", "REVOKED", True, "ALREADY_IN_TARGET", ""),
    ],
)
def test_an_unrecorded_certificate_counts_as_what_aws_iot_shows(
    listed, now, target, dry_run, outcome, reason
):
    result = unrecorded_outcome("c" * 64, listed, now, target, dry_run=dry_run, reason=ERROR)

    assert result.outcome == outcome
    assert result.reason.startswith(reason)
    assert result.statusBefore == listed
    if outcome == "REVOKED":
        assert result.statusAfter == target
