"""The sample events of tests/events/ (Security Hub findings and custom actions, the custom event, near
misses) and the account, Region and CA they name."""

from __future__ import annotations

import json
from typing import Any, Final

from contract.paths import REPO_ROOT

__all__ = ["ACCOUNT", "EVENTS_DIR", "REGION", "SAMPLE_CA", "load_event"]

EVENTS_DIR: Final = REPO_ROOT / "tests" / "events"
# The account and Region the sample events are in: moto's defaults (emulator.session.ACCOUNT_ID and
# REGION, not imported so that this module loads without the emulator), so the emulator replays them as is.
ACCOUNT: Final = "123456789012"
REGION: Final = "us-east-1"
SAMPLE_CA: Final = "6f0e3e3b2d9b5c8a1f4e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3921"
"""The caCertificateId the sample events name (a test replaying one puts a registered CA's id instead)."""


def load_event(name: str) -> dict[str, Any]:
    """The sample event ``tests/events/<name>`` as a dict. Raises FileNotFoundError for an unknown name."""
    return dict(json.loads((EVENTS_DIR / name).read_text(encoding="utf-8")))
