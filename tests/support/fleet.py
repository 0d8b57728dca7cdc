"""The one fleet builder of the emulator tiers, the one place their fleet seeds come from, and the check of
a fleet's end after a revocation of its named CA (the whole scope revoked, every decoy untouched).

A fleet's seed fixes its CA id, its certificate ids and which certificates are pre-existing
(emulator.fleet.seed_fleet), and with the CA id every task input and so every injected fault. Seeds are
derived from the test's pytest node id and the fleet's number within the test, so a test seeds the same
fleets whether it runs alone or after others, and two tests never seed the same fleet (seeding a seed
twice into one emulator raises ResourceAlreadyExistsException).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

import pytest
from revocation_common.scope_models import ISSUER_SCAN

from cli.workflow import ExecutionResult
from contract.task_environment import VARIABLE_OF_CONTEXT_KEY
from emulator.fleet import Fleet, seed_fleet
from emulator.fleet_x509 import Issuer, derive_key
from emulator.session import EmulatorOptions, EmulatorSession
from tests.support.statuses import IotStateReader, ca_status, statuses
from tests.support.workflow import FAST_CONTEXT

__all__ = [
    "SCOPE_CONTEXT",
    "Fleet",
    "FleetBuilder",
    "IssuedPems",
    "assert_scope_revoked",
    "fleet_seed",
    "issued_pems",
    "new_fleet",
    "recorded_outcomes",
    "scope_emulator",
]

SEED_NAMESPACE = "iot-ca-revoke/tests"
"""Mixed into every seed, so test fleets never coincide with the demo's or the bench's (small seeds)."""


def fleet_seed(owner: str, number: int = 0) -> int:
    """The seed of fleet ``number`` (0, 1, ...) of ``owner`` (a pytest node id, or any stable name).

    Returns an int in [1, 2**31): the same for the same arguments in every run, different for different
    ones (SHA-256 of the namespace, owner and number).
    """
    digest = hashlib.sha256(f"{SEED_NAMESPACE}/{owner}/{number}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % (2**31 - 1) + 1


class FleetBuilder:
    """Seeds fresh fleets of one owner (a test, or a module for module-scoped fleets) into one emulator.

    Call it with the number of certificates and seed_fleet's keyword options (decoys, default 6;
    preexisting, status -> count; fast); returns the :class:`emulator.fleet.Fleet` that seed_fleet
    registered. Each call takes the owner's next seed (``fleet_seed(owner, 0)``, then 1, ...).
    """

    def __init__(self, emulator: EmulatorSession, owner: str) -> None:
        self.emulator = emulator
        self.owner = owner
        self._numbers = itertools.count()

    def __call__(self, certificates: int, **options: Any) -> Fleet:
        seed = fleet_seed(self.owner, next(self._numbers))
        return seed_fleet(self.emulator.client("iot"), certificates=certificates, seed=seed, **options)


@pytest.fixture
def new_fleet(emulator: EmulatorSession, request: pytest.FixtureRequest) -> FleetBuilder:
    """The test's :class:`FleetBuilder` on the ``emulator`` fixture: ``new_fleet(30, preexisting=...)``.

    A fixture: a conftest.py makes it available by importing it (pytest finds fixtures there).
    """
    return FleetBuilder(emulator, request.node.nodeid)


class IssuedPems:
    """PEMs of a CA and of the client certificates it signs, for tests that register them themselves
    (through the AWS CLI against a served emulator): the same X.509 as seed_fleet's fleets."""

    def __init__(self, seed: int) -> None:
        self._issuer = Issuer.root(seed, "cli", derive_key(seed, "client"), serial_base=seed << 24)

    @property
    def ca_certificate_pem(self) -> str:
        return self._issuer.certificate_pem

    def client_certificate_pem(self, number: int) -> str:
        """PEM of client certificate ``number`` (its own serial number and subject, so its own id)."""
        return self._issuer.client_pem(number)


def issued_pems(owner: str) -> IssuedPems:
    """The CA and client certificate PEMs of ``owner``'s first seed (``fleet_seed(owner)``)."""
    return IssuedPems(fleet_seed(owner))


# ---------------------------------------------------------------------------------- after a revocation
def recorded_outcomes(emulator: EmulatorSession, report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """certificateId -> its outcome entry, from every outcomes object under the report's
    outcomesLocation (s3://bucket/prefix; each object {"outcomes": [...]}, docs/data-contract.md)."""
    bucket, _, prefix = str(report["outcomesLocation"]).removeprefix("s3://").partition("/")
    s3 = emulator.client("s3")
    entries: dict[str, dict[str, Any]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
            for entry in body["outcomes"]:
                entries[entry["certificateId"]] = entry
    return entries


def assert_scope_revoked(
    emulator: EmulatorSession,
    fleet: Fleet,
    result: ExecutionResult,
    *,
    writes_from: int = 0,
) -> dict[str, Any]:
    """Check the end of a REVOKED run of ``fleet``'s named CA against what AWS IoT holds; return the report.

    Read from the emulator's state (no API call): every certificate in scope REVOKED, every registered
    CA in scope INACTIVE + DISABLE, every decoy certificate ACTIVE, every decoy CA ACTIVE with its
    auto-registration as seeded; every IoT write recorded (IotStats.writes: reset the layer's statistics
    after seeding, or pass the index ``writes_from`` where the run's writes start) in scope.
    From the report: verified; certificates.total and revoked = the scope; scope.cas = the fleet's CAs in
    scope (named first, relation, registered, statuses, per-CA totals); unlinkedInScope; every in-scope
    certificate's outcome found by its CA's listing or by the issuer scan.
    """
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    report = result.report
    assert report is not None
    scope_ids = fleet.in_scope_certificate_ids
    after = statuses(IotStateReader(), scope_ids)
    assert after == dict.fromkeys(scope_ids, "REVOKED")
    for ca_id in fleet.in_scope_ca_ids:
        assert ca_status(IotStateReader(), ca_id) == ("INACTIVE", "DISABLE")
    assert set(statuses(IotStateReader(), fleet.decoy_certificate_ids).values()) <= {"ACTIVE"}
    for ca in fleet.cas:
        if ca.registered and not ca.in_scope:
            assert ca_status(IotStateReader(), ca.certificate_id) == ("ACTIVE", "DISABLE")
    own = {*scope_ids, *fleet.in_scope_ca_ids}
    foreign = [w for w in emulator.iot_layer.stats.writes[writes_from:] if w[1] not in own]
    assert foreign == []

    assert report["verification"]["verified"] is True
    counts = {"total": len(scope_ids), "revoked": len(scope_ids), "alreadyRevoked": 0, "skipped": 0}
    assert report["certificates"] == {**counts, "failed": 0}
    scope = report["scope"]
    rows = {row["caCertificateId"]: row for row in scope["cas"]}
    assert scope["cas"][0]["caCertificateId"] == fleet.ca_certificate_id
    assert set(rows) == {ca.certificate_id for ca in fleet.scope_cas}
    for ca in fleet.scope_cas:
        row = rows[ca.certificate_id]
        assert row["relation"] == ("named" if ca.label == "fleet" else "intermediate")
        assert row["registered"] is ca.registered
        if ca.registered:
            assert (row["statusBefore"], row["statusAfter"]) == ("ACTIVE", "INACTIVE")
            assert row["autoRegistrationStatusAfter"] == "DISABLE"
    assert scope["unlinkedInScope"] == len(fleet.unlinked_in_scope_ids)
    assert sum(row["certificates"]["total"] for row in scope["cas"]) == len(scope_ids)

    outcomes = recorded_outcomes(emulator, report)
    assert set(outcomes) == set(scope_ids)
    for ca in fleet.scope_cas:
        for cid in ca.certificate_ids:
            assert outcomes[cid]["foundBy"] == ca.certificate_id
        for cid in ca.unlinked_ids:
            assert outcomes[cid]["foundBy"] == ISSUER_SCAN
    return report


SCOPE_CONTEXT: Final = {
    **FAST_CONTEXT,
    **{key: 2000 for key in VARIABLE_OF_CONTEXT_KEY if key.endswith("Tps")},
}
"""cdk.json context of the scope tests: every AWS IoT API paced fast (discovery's lists and describes too)."""


@contextmanager
def scope_emulator() -> Iterator[EmulatorSession]:
    """A fresh emulator with the workflow deployed at SCOPE_CONTEXT: the account holds only what the test
    seeds, so the issuer scan's counts are exactly the test's (about 1 s to start after the first)."""
    with EmulatorSession(EmulatorOptions(context=SCOPE_CONTEXT)) as session:
        yield session
