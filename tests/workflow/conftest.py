"""Fixtures that run the whole state machine on the embedded emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.session import EmulatorOptions, EmulatorSession
from tests.support.fleet import new_fleet
from tests.support.workflow import FAST_CONTEXT

__all__ = ["emulator", "new_fleet"]  # fixtures; new_fleet is tests.support.fleet's


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorSession]:
    """One emulator per test module, with the workflow deployed (each test seeds its own CA)."""
    with EmulatorSession(EmulatorOptions(context=FAST_CONTEXT)) as session:
        yield session
