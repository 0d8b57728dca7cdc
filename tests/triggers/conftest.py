"""The synthesized template is shared with tests/infra (one synthesis per test process)."""

from __future__ import annotations

import pytest

from tests.support.synth import Synthesized, synthesize_once


@pytest.fixture(scope="session")
def synthesized() -> Synthesized:
    return synthesize_once()
