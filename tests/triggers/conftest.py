"""Fixtures of the trigger tests: the synthesized template is shared with tests/infra (one synthesis per
test process), and the test's fleet builder (tests/support/fleet.py) on the module's emulator."""

from __future__ import annotations

import pytest

from tests.support.fleet import new_fleet
from tests.support.synth import Synthesized, synthesize_once

__all__ = ["new_fleet", "synthesized"]  # fixtures; new_fleet is tests.support.fleet's


@pytest.fixture(scope="session")
def synthesized() -> Synthesized:
    return synthesize_once()
