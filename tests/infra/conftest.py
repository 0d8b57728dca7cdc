"""Fixtures of the CDK tests: the app is synthesized once per session (tests/support/synth.py)."""

from __future__ import annotations

import pytest

from tests.support.synth import Synthesized, synthesize_once


@pytest.fixture(scope="session")
def synthesized() -> Synthesized:
    """The one synthesis of the app (``synthesize_once``)."""
    return synthesize_once()
