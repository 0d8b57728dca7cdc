"""The fan-out of the UpdateCertificate quota: children, calls in flight, batches, the pacer's slots, the
expected duration, and revocation by batch (issue 11)."""

from __future__ import annotations

import pytest
from revocation_common.batches import REVOKE_BATCH_SECONDS, pages_per_batch_limit, plan_batches
from revocation_common.expected_duration import ExpectedRevocation, start_notice
from revocation_common.models import CanonicalRequest
from revocation_common.pacing import CHILD_MAX_TPS, QUOTA_HEADROOM, RatePacer, fan_out, threads_for
from revocation_common.store import outcome_key, page_key
from revoke_certificates.revoke import revoke_batch, revoke_page

from contract.functions import function_spec
from tests.support.fakes import FakeIot, MemoryStore
from tests.unit.task_events import CA_ID, certificate_id

pytestmark = pytest.mark.unit


class FakeClock:
    """A wall clock at epoch magnitude (where float rounding of the slot index shows) that sleep advances."""

    def __init__(self, start: float = 1_796_000_000.123) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize("rate", [9.85, 49.25, 98.5, 985.0])
def test_a_pacer_at_epoch_time_uses_every_slot(rate):
    """Calls that take less than an interval get every slot: the slot index (about 1e10) must not be
    rounded up to the next slot (which lost a third of the slots: 34 of 49.25 calls a second)."""
    clock = FakeClock()
    pacer = RatePacer(rate, phase=0.3, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(500):
        pacer.wait()
        times.append(clock.now)
        clock.now += 0.2 / rate  # the call takes a fifth of an interval
    assert (len(times) - 1) / (times[-1] - times[0]) == pytest.approx(rate, rel=1e-4)


def test_a_pacer_late_by_more_than_an_interval_takes_the_next_slot_from_now():
    clock = FakeClock(1000.0)
    pacer = RatePacer(10, clock=clock, sleep=clock.sleep)
    pacer.wait()
    clock.now += 0.55  # a stalled call: five slots are gone, no burst to catch up
    pacer.wait()
    assert clock.now == pytest.approx(1000.6)


def test_the_fan_out_uses_the_fewest_children_that_carry_the_quota():
    assert fan_out(10, 10, 0.1).children == 1
    # At 100 ms a call, 8 calls in flight carry 40 TPS; at 5 ms (the emulator) the CPU bound of 50 TPS.
    assert fan_out(50, 10, 0.1).children == 2
    assert fan_out(50, 10, 0.005).children == 1
    assert fan_out(100, 10, 0.005).children == 2
    assert fan_out(1000, 10, 0.1).children == 10  # revokeMaxConcurrency bounds it
    assert fan_out(1000, 40, 0.1).children == 25
    high = fan_out(100, 10, 0.1)
    assert high.child_tps * high.children == pytest.approx(100 * QUOTA_HEADROOM)
    assert high.child_tps <= CHILD_MAX_TPS


def test_calls_in_flight_follow_the_latency():
    assert threads_for(9.85, 0.1) == 2  # two calls due within one round trip
    assert threads_for(49.25, 0.005) == 1  # the emulator answers in a few milliseconds
    assert threads_for(49.25, 0.1) == 8  # at most MAX_THREADS_PER_CHILD
    assert fan_out(10, 10, 0.1).threads == 2
    with pytest.raises(ValueError, match="latency_seconds"):
        fan_out(10, 10, 0)


def test_batches_are_even_a_multiple_of_the_children_and_fit_the_budget():
    # 2,000 certificates at 100 TPS: two children, one batch of four pages each (they end together).
    batches = plan_batches(range(8), quota_tps=100, children=2)
    assert [b.pageNumbers for b in batches] == [(0, 1, 2, 3), (4, 5, 6, 7)]
    assert {b.batchCount for b in batches} == {2}
    # 300 certificates at 50 TPS: one child, one batch: no Map start between the two pages.
    assert [b.pageNumbers for b in plan_batches([5, 2], quota_tps=50, children=1)] == [(5, 2)]
    # 1,000,000 certificates at 10 TPS: 23 pages (5,750 certificates, 584 s) a batch, one child.
    million = plan_batches(range(4000), quota_tps=10, children=1)
    assert max(len(b.pageNumbers) for b in million) <= pages_per_batch_limit(10, 1) == 23
    assert len(million) == 174
    assert [n for b in million for n in b.pageNumbers] == list(range(4000))  # every page once, in order
    # 33 pages, 4 children: 4 or 8 batches (a multiple of 4), sizes differing by one page at most.
    uneven = plan_batches(range(33), quota_tps=40, children=4)
    assert len(uneven) % 4 == 0
    assert max(len(b.pageNumbers) for b in uneven) - min(len(b.pageNumbers) for b in uneven) <= 1
    assert plan_batches([], quota_tps=10, children=1) == []


def test_the_batch_budget_leaves_the_timeout_for_retries():
    assert REVOKE_BATCH_SECONDS <= function_spec("RevokeCertificates").timeout_seconds * 2 / 3


def test_the_expected_duration_names_the_quota_to_raise_past_an_hour():
    short = ExpectedRevocation.at_quota(1_000, 10)
    assert short.seconds == pytest.approx(1_000 / (10 * QUOTA_HEADROOM), abs=0.1)
    assert short.raiseQuota is None and "Over an hour" not in short.sentence()
    long = ExpectedRevocation.at_quota(1_000_000, 10)
    assert long.seconds > 3600 and long.secondsAtTenTimesQuota == pytest.approx(long.seconds / 10, rel=1e-3)
    assert "AWS IoT Core" in long.sentence() and "UpdateCertificate" in long.sentence()
    assert "At 100 TPS it would take 2 h 49 min" in long.sentence()
    notice = start_notice(long, ca_certificate_id=CA_ID, dry_run=True)
    assert notice.subject.startswith("IoT CA DRY RUN started: 1000000") and len(notice.subject) <= 100


def _page_of(store: MemoryStore, iot: FakeIot, number: int, count: int) -> list[str]:
    ids = [certificate_id(number * 1000 + n) for n in range(count)]
    for cid in ids:
        iot.add_certificate(cid, CA_ID)
    store.put_json(
        page_key("p/", number), [{"certificateId": c, "status": "ACTIVE", "foundBy": CA_ID} for c in ids]
    )
    return ids


def test_a_retried_batch_does_not_revoke_a_finished_page_again():
    iot, store = FakeIot(), MemoryStore()
    first, second = _page_of(store, iot, 0, 3), _page_of(store, iot, 1, 2)
    request = CanonicalRequest(caCertificateId=CA_ID)
    pacer = RatePacer(1e6)
    revoke_page(iot, store, pacer, request=request, prefix="p/", page_key=page_key("p/", 0), page_number=0)
    calls = iot.calls.count("UpdateCertificate")
    counts = revoke_batch(iot, store, pacer, request=request, prefix="p/", page_numbers=(0, 1))
    assert counts.revoked == 5 and counts.total == 5  # page 0's counts read back from its outcomes
    assert iot.calls.count("UpdateCertificate") - calls == 2  # only page 1 was revoked now
    assert all(iot.status(c) == "REVOKED" for c in first + second)
    assert store.get_json(outcome_key("p/", 1))["counts"]["revoked"] == 2


def test_several_calls_in_flight_keep_the_page_order_and_every_outcome():
    iot, store = FakeIot(), MemoryStore()
    ids = _page_of(store, iot, 0, 40)
    iot.certificates[ids[7]][1] = "PENDING_TRANSFER"
    request = CanonicalRequest(caCertificateId=CA_ID)
    counts = revoke_page(
        iot,
        store,
        RatePacer(1e6),
        request=request,
        prefix="p/",
        page_key=page_key("p/", 0),
        page_number=0,
        threads=4,
    )
    outcomes = store.get_json(outcome_key("p/", 0))["outcomes"]
    assert [o["certificateId"] for o in outcomes] == ids
    assert counts.revoked == 39 and counts.skipped == 1
    assert sum(1 for c in ids if iot.status(c) == "REVOKED") == 39
