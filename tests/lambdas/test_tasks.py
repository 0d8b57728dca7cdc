"""The tasks' functions against the emulator: AWS IoT with the documented behaviour, and S3."""

from __future__ import annotations

import itertools

import pytest
from botocore.exceptions import ClientError
from deactivate_ca.deactivate import deactivate_ca
from revocation_common.aws.iot_api import IotApi
from revocation_common.aws.s3_store import S3Store
from revocation_common.errors import CaNotFound, TransientAwsError
from revocation_common.models import CanonicalRequest, PageEntry
from revocation_common.pacing import RatePacer
from revocation_common.scope_models import ScopeCa
from revocation_common.store import outcome_key
from revoke_certificates.revoke import child_pacer, revoke_certificate, revoke_page

from emulator.fleet import seed_fleet

_seeds = itertools.count(5000)
FAST = RatePacer(1_000_000)


def _fleet(emulator, count, **kwargs):
    return seed_fleet(emulator.client("iot"), certificates=count, seed=next(_seeds), **kwargs)


def _bucket(emulator):
    return emulator.deployment.report_bucket


def _iot(emulator):
    return IotApi(emulator.client("iot"))


def _store(emulator):
    return S3Store(emulator.client("s3"), _bucket(emulator))


def test_deactivate_is_idempotent_and_dry_run_only_describes(emulator):
    iot = _iot(emulator)
    fleet = _fleet(emulator, 1)
    s3 = _store(emulator)
    ca = ScopeCa(caCertificateId=fleet.ca_certificate_id, relation="named", registered=True)
    dry = deactivate_ca(iot, s3, ca, dry_run=True, prefix="executions/d0/")
    assert (dry.statusAfter, dry.autoRegistrationStatusAfter, dry.changed) == ("ACTIVE", "ENABLE", False)

    first = deactivate_ca(iot, s3, ca, dry_run=False, prefix="executions/d1/")
    # A retried attempt of the same execution still reports the status it first saw.
    retried = deactivate_ca(iot, s3, ca, dry_run=False, prefix="executions/d1/")
    second = deactivate_ca(iot, s3, ca, dry_run=False, prefix="executions/d2/")

    assert (first.statusBefore, first.statusAfter, first.autoRegistrationStatusAfter) == (
        "ACTIVE",
        "INACTIVE",
        "DISABLE",
    )
    assert first.changed is True
    assert (retried.statusBefore, retried.statusAfter, retried.changed) == ("ACTIVE", "INACTIVE", True)
    assert second.changed is False
    assert second.statusBefore == "INACTIVE"


def test_deactivate_unknown_ca_raises_ca_not_found(emulator):
    with pytest.raises(CaNotFound):
        deactivate_ca(
            _iot(emulator),
            _store(emulator),
            ScopeCa(caCertificateId="f" * 64, relation="named", registered=True),
            dry_run=False,
            prefix="executions/d3/",
        )


def test_revoke_settles_from_the_actual_status_when_the_listing_is_stale(emulator):
    iot = emulator.client("iot")
    fleet = _fleet(emulator, 3)
    first, second, third = fleet.certificate_ids
    iot.update_certificate(certificateId=first, newStatus="REVOKED")  # revoked after it was listed
    iot.update_certificate(certificateId=second, newStatus="INACTIVE")
    iot.transfer_certificate(certificateId=second, targetAwsAccount="210987654321")

    stale = [PageEntry(certificateId=cid, status="ACTIVE") for cid in (first, second, third)]
    outcomes = [
        revoke_certificate(IotApi(iot), FAST, entry, target="REVOKED", dry_run=False) for entry in stale
    ]

    # UpdateCertificate is idempotent for REVOKED -> REVOKED (API reference), so a stale entry is simply
    # revoked again; the PENDING_TRANSFER refusal is read back with DescribeCertificate and reported.
    assert [o.outcome for o in outcomes] == ["REVOKED", "SKIPPED", "REVOKED"]
    assert "PENDING_TRANSFER" in outcomes[1].reason
    assert outcomes[1].statusAfter == "PENDING_TRANSFER"
    assert iot.describe_certificate(certificateId=third)["certificateDescription"]["status"] == "REVOKED"

    quarantine = revoke_certificate(IotApi(iot), FAST, stale[0], target="INACTIVE", dry_run=False)
    assert (quarantine.outcome, quarantine.statusAfter) == ("SKIPPED", "REVOKED")
    assert "final" in quarantine.reason


def test_revoke_page_writes_every_outcome_and_returns_counts(emulator):
    fleet = _fleet(emulator, 20, preexisting={"REVOKED": 5})
    s3 = _store(emulator)
    page = _iot(emulator).list_certificate_page(fleet.ca_certificate_id, None)
    s3.put_json(
        "executions/page-test/pages/000000.json",
        [{**entry.model_dump(), "foundBy": fleet.ca_certificate_id} for entry in page.certificates],
    )
    counts = revoke_page(
        _iot(emulator),
        s3,
        FAST,
        request=CanonicalRequest(caCertificateId=fleet.ca_certificate_id),
        prefix="executions/page-test/",
        page_key="executions/page-test/pages/000000.json",
        page_number=0,
    )
    assert len(page.certificates) == 20
    assert counts.as_report() == {"total": 20, "revoked": 15, "alreadyRevoked": 5, "skipped": 0, "failed": 0}
    written = s3.get_json(outcome_key("executions/page-test/", 0))
    assert sorted(o["certificateId"] for o in written["outcomes"]) == sorted(fleet.certificate_ids)
    assert {o["foundBy"] for o in written["outcomes"]} == {fleet.ca_certificate_id}


def test_throttling_that_outlasts_retries_is_raised_for_the_state_to_retry(emulator):
    fleet = _fleet(emulator, 1)
    emulator.iot_layer.configure(quotas={"UpdateCertificate": 0.001}, fault_rate=0.0, seed=0)
    try:
        iot = emulator.client("iot")
        iot.update_certificate(
            certificateId=fleet.certificate_ids[0], newStatus="INACTIVE"
        )  # spends the quota
    except ClientError:
        pass
    try:
        entry = PageEntry(certificateId=fleet.certificate_ids[0], status="ACTIVE")
        with pytest.raises(TransientAwsError):
            revoke_certificate(IotApi(_no_retry_iot()), FAST, entry, target="REVOKED", dry_run=False)
    finally:
        emulator.iot_layer.configure(quotas=None, fault_rate=0.0, seed=0)


def _no_retry_iot():
    import boto3
    from botocore.config import Config

    return boto3.client("iot", region_name="us-east-1", config=Config(retries={"max_attempts": 1}))


def test_children_share_the_quota_on_interleaved_slots():
    # 8 batches at a 100 TPS quota: 8 children, each at 98.5/8 TPS, phases 1/98.5 s apart.
    pacers = [child_pacer(100, 10, 8, batch) for batch in range(8)]
    assert {round(p.interval, 6) for p in pacers} == {round(8 / 98.5, 6)}
    slots = sorted(p.phase + k * p.interval for p in pacers for k in range(200))
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert min(gaps) == pytest.approx(1 / 98.5) and max(gaps) == pytest.approx(1 / 98.5)
    # Any one-second window holds at most 99 of the 100 allowed calls.
    assert max(sum(1 for s in slots if t <= s < t + 1) for t in slots[:800]) <= 99
    assert child_pacer(10, 10, 400, 123).interval == pytest.approx(10 / 9.85)
    assert child_pacer(10, 10, 1, 0).interval == pytest.approx(1 / 9.85)


def test_pacer_spaces_calls_at_the_rate():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    pacer = RatePacer(4, phase=0.1, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.wait()
    # Slots at 0.1 + k/4 s: the first call waits for 0.1, the fifth starts at 1.1 s.
    assert now[0] == pytest.approx(1.1)
    assert slept == pytest.approx([0.1] + [0.25] * 4)
    now[0] += 3.0  # a stall does not save up a burst: the next call takes the next slot only
    pacer.wait()
    assert now[0] == pytest.approx(4.1)
    with pytest.raises(ValueError, match="rate_per_second"):
        RatePacer(0)
