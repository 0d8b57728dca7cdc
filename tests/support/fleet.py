"""The one fleet builder of the emulator tiers, and the one place their fleet seeds come from.

A fleet's seed fixes its CA id, its certificate ids and which certificates are pre-existing
(emulator.fleet.seed_fleet), and with the CA id every task input and so every injected fault. Seeds are
derived from the test's pytest node id and the fleet's number within the test, so a test seeds the same
fleets whether it runs alone or after others, and two tests never seed the same fleet (seeding a seed
twice into one emulator raises ResourceAlreadyExistsException).
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import pytest

from emulator.fleet import Fleet, seed_fleet
from emulator.fleet_x509 import Issuer, derive_key
from emulator.session import EmulatorSession

__all__ = ["Fleet", "FleetBuilder", "IssuedPems", "fleet_seed", "issued_pems", "new_fleet"]

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
