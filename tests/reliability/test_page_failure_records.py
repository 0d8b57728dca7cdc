"""A page whose task fails after its retries no longer stops the other pages, and leaves its record.

On AWS a Distributed Map tolerates no failed item by default (Step Functions Developer Guide, "Setting
failure thresholds for Distributed Map states"): the first page that exhausts its retries fails the Map
Run and the pages not yet started are never revoked. The ASL sets ToleratedFailurePercentage 100 and the
child records its failure (page-failures/, docs/data-contract.md); the emulator applies the thresholds as
AWS does (emulator/stepfunctions_map.py). With MaxConcurrency 1 the pages run one after the other, so
page 1 is only revoked if page 0's failure lets the Map Run go on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from revocation_common.page_failures import read_page_failures

from emulator.session import REPORT_BUCKET, EmulatorOptions, EmulatorSession
from tests.reliability.faults import PACE_TPS, RETRY_DELAY_SCALE, inject
from tests.support.statuses import IotStateReader, statuses
from tests.support.workflow import ONE_CALL_IN_FLIGHT, revokes_page, run_workflow


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorSession]:
    options = EmulatorOptions(
        context={
            "updateCertificateTps": PACE_TPS,
            "listCertificatesByCaTps": PACE_TPS,
            # Two children, so pages 0 and 1 are batches of their own (revocation_common.batches).
            "revokeMaxConcurrency": 2,
            **ONE_CALL_IN_FLIGHT,
        },
        retry_delay_scale=RETRY_DELAY_SCALE,
    )
    with EmulatorSession(options) as session:
        yield session


@pytest.mark.slow
def test_a_failed_first_page_leaves_its_record_and_the_next_page_is_still_revoked(emulator, new_fleet):
    fleet = new_fleet(300)

    def page_zero_always_crashes(name: str, event: Any, attempt: int) -> int | None:
        return 0 if revokes_page(name, event, 0) else None

    inject(emulator, crash_plan=page_zero_always_crashes)
    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    assert (result.status, result.error) == ("FAILED", "VerificationFailed")
    # Page 1 ran after page 0 had failed. The listing runs newest first: page 0 holds the 250 newest
    # certificates (50-299), page 1 the 50 oldest.
    assert set(statuses(IotStateReader(), fleet.certificate_ids[:50]).values()) == {"REVOKED"}
    assert set(statuses(IotStateReader(), fleet.certificate_ids[50:]).values()) != {"REVOKED"}
    execution_name = result.execution_arn.rsplit(":", 1)[-1]
    (failure,) = read_page_failures(emulator.client("s3"), REPORT_BUCKET, f"executions/{execution_name}/")
    assert (failure.pageNumber, failure.error) == (0, "Lambda.Unknown")
    # The record names the failed batch's pages: page 0 alone (two children, one page each).
    assert failure.pages() == (0,)
