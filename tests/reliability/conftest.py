"""Fixtures of the reliability tests: one emulator per module, faults switched off after each test, and
the test's fleet builder (tests/support/fleet.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.session import EmulatorOptions, EmulatorSession
from tests.reliability.faults import PACE_TPS, RETRY_DELAY_SCALE, inject
from tests.support.fleet import new_fleet
from tests.support.workflow import ONE_CALL_IN_FLIGHT

__all__ = ["emulator", "new_fleet", "no_faults_between_tests"]  # fixtures; new_fleet is tests.support's


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorSession]:
    """One emulator per module; each test seeds its own CA and switches its own faults on and off."""
    options = EmulatorOptions(
        # Every API the revocation paces, at PACE_TPS: the affected-Things listing of a page finishes with
        # its updates only when ListPrincipalThings is paced as fast (at cdk.json's 10 TPS a page takes
        # 25 s, the updates stay under the quota and nothing is throttled).
        context={
            "updateCertificateTps": PACE_TPS,
            "listCertificatesByCaTps": PACE_TPS,
            "listPrincipalThingsTps": PACE_TPS,
            "describeCertificateTps": PACE_TPS,
            **ONE_CALL_IN_FLIGHT,
        },
        retry_delay_scale=RETRY_DELAY_SCALE,
    )
    with EmulatorSession(options) as session:
        yield session


@pytest.fixture(autouse=True)
def no_faults_between_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "emulator" in request.fixturenames:
        inject(request.getfixturevalue("emulator"))
