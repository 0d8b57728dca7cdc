"""Fixtures of the IoT layer tests: fake credentials, and the process-wide layer reset around each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.iot import IotLayer, install_iot_layer

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def layer() -> Iterator[IotLayer]:
    layer = install_iot_layer()
    layer.configure()
    layer.reset_stats()
    yield layer
    layer.configure()
    layer.reset_stats()
