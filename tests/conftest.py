"""Collection rule of the test tiers (docs: pyproject.toml markers).

``pytest -m unit`` collects tests/unit only: the other directories import moto, the emulator or aws_cdk
(which starts Node.js) when their modules are collected, before markers deselect anything, and the unit
tier must need neither.
"""

from __future__ import annotations

from pathlib import Path

import pytest

UNIT_DIR = Path(__file__).parent / "unit"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if config.getoption("markexpr", "") != "unit":
        return None
    path = collection_path.resolve()
    if path == UNIT_DIR or UNIT_DIR in path.parents or path in UNIT_DIR.parents:
        return None
    return True
