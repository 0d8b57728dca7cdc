"""discover_scope.discovery: the driver against in-memory fakes of its ports (no moto, no AWS)."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from discover_scope.discovery import discover
from discover_scope.ports import DescribedCertificate, IotReadApi, ListedCertificate, ListedPage
from revocation_common.certificates import sha256_fingerprint
from revocation_common.errors import CaNotFound, InvalidInput
from revocation_common.ports import ObjectMissing
from revocation_common.registration_order import instant
from revocation_common.scope_models import DiscoveryState, RegisteredCa, ScopeRequest
from revocation_common.store import linked_chunk_key, scope_cas_key

from tests.support.task_inputs import StepClock
from tests.support.x509 import Authority, Pki, pem, private_key_pem

pytestmark = pytest.mark.unit

PREFIX = "executions/run-1/"


def cert_id(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


# Devices register one second apart from here on (FakeIot.register), so the listings carry creation dates.
FIRST_REGISTRATION = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class Device:
    certificateId: str
    status: str
    certificatePem: str
    caCertificateId: str | None = None
    created: str = ""


@dataclass
class FakeIot:
    """AWS IoT's five reads over dictionaries, with small pages so that markers matter."""

    cas: dict[str, RegisteredCa] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    page_size: int = 7
    calls: Counter[str] = field(default_factory=Counter)
    described: list[str] = field(default_factory=list)

    def _page(self, items: list[ListedCertificate], marker: str | None) -> ListedPage:
        start = int(marker) if marker else 0
        end = start + self.page_size
        return ListedPage(tuple(items[start:end]), str(end) if end < len(items) else None)

    def list_ca_certificates(self, marker: str | None) -> ListedPage:
        self.calls["ListCACertificates"] += 1
        items = [ListedCertificate(ca.caCertificateId, ca.status) for ca in self.cas.values()]
        return self._page(items, marker)

    def describe_ca_certificate(self, ca_certificate_id: str) -> RegisteredCa | None:
        self.calls["DescribeCACertificate"] += 1
        return self.cas.get(ca_certificate_id)

    def list_certificates_by_ca(self, ca_certificate_id: str, marker: str | None) -> ListedPage:
        self.calls["ListCertificatesByCA"] += 1
        items = [
            ListedCertificate(d.certificateId, d.status, d.created)
            for d in self.devices.values()
            if d.caCertificateId == ca_certificate_id
        ]
        return self._page(items, marker)

    def list_certificates(self, marker: str | None) -> ListedPage:
        self.calls["ListCertificates"] += 1
        return self._page(
            [ListedCertificate(d.certificateId, d.status, d.created) for d in self.devices.values()], marker
        )

    def describe_certificate(self, certificate_id: str) -> DescribedCertificate | None:
        self.calls["DescribeCertificate"] += 1
        self.described.append(certificate_id)
        d = self.devices.get(certificate_id)
        if d is None:
            return None
        return DescribedCertificate(d.certificateId, d.status, d.certificatePem, d.caCertificateId)

    def register_ca(self, label: str, authority: Authority, status: str = "ACTIVE") -> str:
        ca_id = cert_id(f"ca:{label}")
        self.cas[ca_id] = RegisteredCa(
            caCertificateId=ca_id,
            status=status,
            autoRegistrationStatus="ENABLE",
            certificatePem=pem(authority.cert),
        )
        return ca_id

    def register(
        self, label: str, certificate_pem: str, ca_id: str | None = None, status: str = "ACTIVE"
    ) -> str:
        device_id = cert_id(f"device:{label}")
        created = instant(FIRST_REGISTRATION + timedelta(seconds=len(self.devices)))
        self.devices[device_id] = Device(device_id, status, certificate_pem, ca_id, created)
        return device_id


@dataclass
class FakeStore:
    objects: dict[str, Any] = field(default_factory=dict)

    def put_json(self, key: str, document: Any, *, only_if_absent: bool = False) -> bool:
        if only_if_absent and key in self.objects:
            return False
        self.objects[key] = document
        return True

    def get_json(self, key: str) -> Any:
        if key not in self.objects:
            raise ObjectMissing(key)
        return self.objects[key]


@dataclass
class CountingPacers:
    waits: Counter[str] = field(default_factory=Counter)

    def wait(self, api: IotReadApi) -> None:
        self.waits[api] += 1


def run_to_completion(
    iot: FakeIot,
    request: ScopeRequest,
    *,
    budget: float = 1e9,
    scan_default: bool = True,
    store: FakeStore | None = None,
    pacers: CountingPacers | None = None,
    after_invocation: Callable[[DiscoveryState], None] = lambda state: None,
) -> tuple[DiscoveryState, FakeStore, int]:
    store = store or FakeStore()
    pacers = pacers or CountingPacers()
    clock = StepClock()
    state = DiscoveryState()
    for invocation in itertools.count(1):
        state = DiscoveryState.model_validate(state.model_dump())  # what the state machine hands back
        state = discover(
            iot,
            store,
            pacers,
            request=request,
            prefix=PREFIX,
            state=state,
            scan_default=scan_default,
            deadline=clock.now + budget,
            clock=clock,
        )
        if state.complete:
            return state, store, invocation
        after_invocation(state)
        assert invocation < 10_000, "discovery does not progress"
    raise AssertionError("unreachable")


def pages(store: FakeStore, state: DiscoveryState) -> list[dict[str, str]]:
    """Every entry of the revocation pages, in the manifest's order (each page once)."""
    manifest = store.objects[state.manifestKey or ""]
    assert sorted(m["pageNumber"] for m in manifest) == list(range(state.pageCount))
    entries = []
    for item in manifest:
        page = store.objects[item["pageKey"]]
        assert 1 <= len(page) <= 250
        entries.extend(page)
    return entries


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki.build()


@dataclass
class Fleet:
    iot: FakeIot
    root_id: str
    intermediate_id: str
    other_id: str
    in_scope: dict[str, str]  # certificateId -> expected foundBy
    unlinked: set[str]


@pytest.fixture(scope="module")
def fleet(pki: Pki) -> Fleet:
    """A root with an intermediate, certificates under both, CA-less ones signed by each, and decoys."""
    iot = FakeIot()
    root_id = iot.register_ca("root", pki.root)
    intermediate_id = iot.register_ca("intermediate", pki.intermediate)
    other_id = iot.register_ca("other", pki.other)
    iot.register_ca("self-signed", pki.self_signed)
    in_scope: dict[str, str] = {}
    unlinked: set[str] = set()
    for n in range(20):
        in_scope[iot.register(f"root-{n}", pem(pki.root.issue(f"r{n}")), root_id)] = root_id
    for n in range(9):
        in_scope[iot.register(f"int-{n}", pem(pki.intermediate.issue(f"i{n}")), intermediate_id)] = (
            intermediate_id
        )
    for n in range(10):
        iot.register(f"other-{n}", pem(pki.other.issue(f"o{n}")), other_id)
    for n in range(6):
        device = iot.register(f"ca-less-root-{n}", pem(pki.root.issue(f"cr{n}")), status="INACTIVE")
        in_scope[device] = "issuer-scan"
        unlinked.add(device)
    for n in range(4):
        device = iot.register(f"ca-less-int-{n}", pem(pki.intermediate.issue(f"ci{n}")))
        in_scope[device] = "issuer-scan"
        unlinked.add(device)
    unlinked.add(iot.register("ca-less-other", pem(pki.other_leaf)))
    unlinked.add(iot.register("spoof", pem(pki.spoof_leaf)))
    unlinked.add(iot.register("self-signed-leaf", pem(pki.self_signed.issue("s"))))
    return Fleet(iot, root_id, intermediate_id, other_id, in_scope, unlinked)


def test_the_whole_scope_is_found_and_only_it(fleet: Fleet) -> None:
    fleet.iot.calls.clear()
    fleet.iot.described.clear()
    pacers = CountingPacers()
    state, store, _ = run_to_completion(fleet.iot, ScopeRequest(caCertificateId=fleet.root_id), pacers=pacers)
    found = {e["certificateId"]: e["foundBy"] for e in pages(store, state)}
    assert found == fleet.in_scope
    assert state.certificateCount == len(fleet.in_scope)
    assert state.unlinkedScanned == len(fleet.unlinked) == 13
    assert state.unlinkedInScope == 10
    assert sorted(fleet.iot.described) == sorted(fleet.unlinked)  # described only what no CA lists
    assert pacers.waits == fleet.iot.calls  # every call paced at its own API's quota
    counts = {c.caCertificateId: (c.listed, c.unlinked) for c in state.caCounts}
    assert counts == {fleet.root_id: (20, 6), fleet.intermediate_id: (9, 4)}
    cas = store.objects[scope_cas_key(PREFIX)]
    assert [(c["caCertificateId"], c["relation"], c["issuedBy"]) for c in cas] == [
        (fleet.root_id, "named", None),
        (fleet.intermediate_id, "intermediate", fleet.root_id),
    ]
    assert state.registeredCaCount == 4 and state.casInScope == 2
    statuses = {e["certificateId"]: e["status"] for e in pages(store, state)}
    assert {statuses[d] for d in fleet.unlinked if d in statuses} == {"INACTIVE", "ACTIVE"}


def test_the_first_invocation_ends_after_the_cas(fleet: Fleet) -> None:
    state = discover(
        fleet.iot,
        FakeStore(),
        CountingPacers(),
        request=ScopeRequest(caCertificateId=fleet.root_id),
        prefix=PREFIX,
        state=DiscoveryState(),
        scan_default=True,
        deadline=1e9,
        clock=StepClock(),
    )
    assert (state.phase, state.complete, state.casInScope, state.pageCount) == ("linked", False, 2, 0)
    assert state.scopeKey == scope_cas_key(PREFIX)


def test_scan_off_lists_only_the_cas_in_scope(fleet: Fleet) -> None:
    fleet.iot.calls.clear()
    fleet.iot.described.clear()
    state, store, _ = run_to_completion(
        fleet.iot, ScopeRequest(caCertificateId=fleet.root_id, scanUnlinked=False), scan_default=True
    )
    found = {e["certificateId"]: e["foundBy"] for e in pages(store, state)}
    assert found == {k: v for k, v in fleet.in_scope.items() if v != "issuer-scan"}
    assert (state.scanUnlinked, state.unlinkedScanned, state.unlinkedInScope) == (False, 0, 0)
    assert fleet.iot.calls["ListCertificates"] == 0 and fleet.iot.calls["DescribeCertificate"] == 0
    assert state.linkedChunkCount == 0
    # The deployment default applies when the request says nothing.
    default_off, _, _ = run_to_completion(
        fleet.iot, ScopeRequest(caCertificateId=fleet.root_id), scan_default=False
    )
    assert default_off.scanUnlinked is False and default_off.unlinkedScanned == 0


def test_a_tiny_time_budget_gives_the_same_result_over_many_invocations(fleet: Fleet) -> None:
    request = ScopeRequest(caCertificateId=fleet.root_id)
    whole, whole_store, one = run_to_completion(fleet.iot, request)
    pieces, pieces_store, many = run_to_completion(fleet.iot, request, budget=2)
    assert (one, many > 10) == (2, True)
    # The same entries; the pages differ (each invocation flushes the scan's page), so does their order.
    by_id = lambda entries: sorted(entries, key=lambda e: e["certificateId"])  # noqa: E731
    assert by_id(pages(pieces_store, pieces)) == by_id(pages(whole_store, whole))
    # Each invocation ends its last scan page early, so the same entries take more (smaller) pages.
    ignore = {"invocations", "linkedChunkCount", "pageCount"}
    assert pieces.model_dump(exclude=ignore) == whole.model_dump(exclude=ignore)
    linked = set()
    for n in range(pieces.linkedChunkCount):
        linked.update(pieces_store.objects[linked_chunk_key(PREFIX, n)])
    assert len(linked) == pieces.linkedCount == 39  # every listed id once, whatever the chunking


def test_a_budget_already_spent_still_progresses_one_call_per_invocation(fleet: Fleet) -> None:
    """A deadline passed before the first call (bench's list_time_budget of 1 ms): each invocation still
    lists a page or describes a certificate, so the scan ends (it re-listed the same page forever)."""
    request = ScopeRequest(caCertificateId=fleet.root_id)
    whole, whole_store, _ = run_to_completion(fleet.iot, request)
    spent, spent_store, invocations = run_to_completion(fleet.iot, request, budget=0)
    assert invocations > 10
    assert sorted(e["certificateId"] for e in pages(spent_store, spent)) == sorted(
        e["certificateId"] for e in pages(whole_store, whole)
    )


def test_a_retried_invocation_rewrites_the_same_objects(fleet: Fleet) -> None:
    request = ScopeRequest(caCertificateId=fleet.root_id)
    store = FakeStore()
    clock = StepClock()
    state = DiscoveryState()
    while not state.complete:
        before = dict(store.objects)
        first = discover(
            fleet.iot,
            store,
            CountingPacers(),
            request=request,
            prefix=PREFIX,
            state=state,
            scan_default=True,
            deadline=clock.now + 3,
            clock=clock,
        )
        after_first = dict(store.objects)
        store.objects = before
        retried = discover(
            fleet.iot,
            store,
            CountingPacers(),
            request=request,
            prefix=PREFIX,
            state=state,
            scan_default=True,
            deadline=clock.now + 3,
            clock=clock,
        )
        assert retried == first
        assert store.objects == after_first
        state = first
        store.objects = after_first
    found = {e["certificateId"]: e["foundBy"] for e in pages(store, state)}
    assert found == fleet.in_scope


def test_a_ca_registered_nowhere_named_by_pem(pki: Pki) -> None:
    iot = FakeIot()
    other_id = iot.register_ca("other", pki.other)
    expected = {iot.register(f"d{n}", pem(pki.level3.issue(f"d{n}"))) for n in range(5)}
    iot.register("other-leaf", pem(pki.other_leaf), other_id)
    iot.register("spoof", pem(pki.spoof_leaf))
    state, store, _ = run_to_completion(iot, ScopeRequest(caCertificatePem=pem(pki.level3.cert)))
    assert {e["certificateId"] for e in pages(store, state)} == expected
    assert state.unlinkedScanned == 6 and state.unlinkedInScope == 5
    [named] = store.objects[scope_cas_key(PREFIX)]
    assert (named["caCertificateId"], named["registered"], named["relation"]) == (
        sha256_fingerprint(pki.level3.cert),
        False,
        "named",
    )


def test_a_ca_registered_nowhere_that_signed_nothing_here_is_an_empty_scope(pki: Pki) -> None:
    iot = FakeIot()
    iot.register("other-leaf", pem(pki.other_leaf))
    state, store, _ = run_to_completion(iot, ScopeRequest(caCertificatePem=pem(pki.root.cert)))
    assert (state.complete, state.pageCount, state.certificateCount, state.unlinkedScanned) == (True, 0, 0, 1)
    assert store.objects[state.manifestKey or ""] == []


def test_an_unknown_id_is_ca_not_found(pki: Pki) -> None:
    iot = FakeIot()
    iot.register_ca("root", pki.root)
    with pytest.raises(CaNotFound):
        run_to_completion(iot, ScopeRequest(caCertificateId=cert_id("nowhere")))


@pytest.mark.parametrize("case", ["garbage", "two certificates", "leaf", "private key"])
def test_bad_pem_is_invalid_input_before_any_aws_call(pki: Pki, case: str) -> None:
    value = {
        "garbage": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
        "two certificates": pem(pki.root.cert) + pem(pki.intermediate.cert),
        "leaf": pem(pki.root.issue("device")),
        "private key": private_key_pem(pki.root.key),
    }[case]
    iot = FakeIot()
    iot.register_ca("root", pki.root)
    store = FakeStore()
    with pytest.raises(InvalidInput) as raised:
        run_to_completion(iot, ScopeRequest(caCertificatePem=value), store=store)
    assert raised.value.field == "caCertificatePem"
    assert sum(iot.calls.values()) == 0 and store.objects == {}


@pytest.fixture(scope="module")
def big_scan(pki: Pki) -> FakeIot:
    """2,000 CA-less certificates, 500 of them signed by the root (the rest by the other CA and the
    impostor), plus 300 registered under the other CA."""
    iot = FakeIot(page_size=250)
    iot.register_ca("root", pki.root)
    other_id = iot.register_ca("other", pki.other)
    for n in range(2000):
        if n % 4 == 0:
            certificate_pem = pem(pki.root.issue(f"in-{n}"))
        elif n % 4 == 1:
            certificate_pem = pem(pki.spoof_leaf)
        else:
            certificate_pem = pem(pki.other.issue(f"out-{n}"))
        iot.register(f"scan-{n}", certificate_pem)
    for n in range(300):
        iot.register(f"linked-other-{n}", pem(pki.other.issue(f"l{n}")), other_id)
    return iot


def test_a_scan_of_2000_ca_less_certificates_finds_the_500_in_scope(pki: Pki, big_scan: FakeIot) -> None:
    big_scan.calls.clear()
    big_scan.described.clear()
    root_id = cert_id("ca:root")
    state, store, _ = run_to_completion(big_scan, ScopeRequest(caCertificateId=root_id))
    entries = pages(store, state)
    assert (state.unlinkedScanned, state.unlinkedInScope, state.certificateCount) == (2000, 500, 500)
    assert {e["foundBy"] for e in entries} == {"issuer-scan"}
    assert {e["certificateId"] for e in entries} == {cert_id(f"device:scan-{n}") for n in range(0, 2000, 4)}
    assert state.pageCount == 2  # 250 a page
    assert big_scan.calls["DescribeCertificate"] == 2000  # never the 300 linked to the other CA
    assert not set(big_scan.described) & {cert_id(f"device:linked-other-{n}") for n in range(300)}
    assert big_scan.calls["ListCertificates"] == 10  # 2,300 at 250 a page
    [counts] = [c for c in state.caCounts if c.caCertificateId == root_id]
    assert (counts.listed, counts.unlinked) == (0, 500)


# ------------------------------------------------------------------------------------ revocation order
def newest_first(fleet: Fleet, ids: set[str]) -> list[str]:
    return sorted(ids, key=lambda cid: fleet.iot.devices[cid].created, reverse=True)


def test_the_manifest_lists_the_newest_registrations_first(fleet: Fleet) -> None:
    state, store, _ = run_to_completion(fleet.iot, ScopeRequest(caCertificateId=fleet.root_id))
    manifest = store.objects[state.manifestKey or ""]
    newest = [max(e["creationDate"] for e in store.objects[m["pageKey"]]) for m in manifest]
    assert newest == sorted(newest, reverse=True)
    # The fake lists oldest first, 7 a page: the root's pages (0-2) were written first, yet the last
    # registrations (the scan's CA-less certificates) lead.
    assert manifest[0]["pageNumber"] != 0
    assert pages(store, state)[0]["certificateId"] in newest_first(fleet, set(fleet.unlinked))[:13]


def test_registered_after_puts_the_later_registrations_first_and_drops_none(fleet: Fleet) -> None:
    ordered = newest_first(fleet, set(fleet.in_scope))
    cut_off = fleet.iot.devices[ordered[12]].created  # the 12 newest in scope come after it
    request = ScopeRequest(caCertificateId=fleet.root_id, registeredAfter=cut_off)
    state, store, _ = run_to_completion(fleet.iot, request, budget=3)
    entries = [e["certificateId"] for e in pages(store, state)]
    assert sorted(entries) == sorted(fleet.in_scope)  # the order narrows nothing
    assert set(entries[:12]) == set(ordered[:12])
    assert all(fleet.iot.devices[cid].created <= cut_off for cid in entries[12:])
    # Each page is all before or all after the cut-off: a listing page that straddles it became two.
    for item in store.objects[state.manifestKey or ""]:
        sides = {
            fleet.iot.devices[e["certificateId"]].created > cut_off for e in store.objects[item["pageKey"]]
        }
        assert len(sides) == 1


def test_a_scan_stopped_mid_page_resumes_at_its_certificate_after_a_deletion_earlier_in_the_page(
    pki: Pki,
) -> None:
    """A certificate deleted from earlier in the page listed again moves every later entry back by one:
    resuming at the offset skipped one certificate in scope."""
    iot = FakeIot(page_size=250)
    root_id = iot.register_ca("root", pki.root)
    in_scope = [iot.register(f"scan-{n}", pem(pki.root.issue(f"scan-{n}"))) for n in range(40)]

    def delete_the_first_once_the_scan_stopped_mid_page(state: DiscoveryState) -> None:
        if in_scope[0] in iot.devices and state.phase == "scan" and state.scanOffset > 1:
            del iot.devices[in_scope[0]]  # described already, on a page: gone from the listing now

    state, store, _ = run_to_completion(
        iot,
        ScopeRequest(caCertificateId=root_id),
        budget=8,
        after_invocation=delete_the_first_once_the_scan_stopped_mid_page,
    )
    ids = [entry["certificateId"] for entry in pages(store, state)]
    assert len(ids) == len(set(ids)) == 40  # each certificate once, the deleted one from before its deletion
    assert set(ids) == set(in_scope) and in_scope[0] not in iot.devices
