"""Fixtures of the IoT layer tests: fake credentials, the process-wide layer reset around each test, and an
in-process IoT client (constants and helpers are in tests/support/emulator_iot.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from emulator.iot import IotLayer, install_iot_layer
from tests.support.emulator_iot import NO_RETRY, REGION


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


@pytest.fixture
def iot(layer: IotLayer) -> Iterator[Any]:
    """A boto3 IoT client (no retries) on moto in-process, with the layer installed and reset."""
    with mock_aws():
        yield boto3.client("iot", region_name=REGION, config=NO_RETRY)
