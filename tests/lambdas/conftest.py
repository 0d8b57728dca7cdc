"""Task-level tests run the plain functions against the emulator's AWS IoT and S3 (no mocks of our code)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.session import EmulatorOptions, EmulatorSession


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorSession]:
    with EmulatorSession(EmulatorOptions()) as session:
        yield session
