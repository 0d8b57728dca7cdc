"""Fixtures of the CDK tests: the app is synthesized once per session (tests/support/synth.py).

The synthesis helper is imported inside the fixture, so collecting this directory for the unit tier
(``pytest -m unit``: tests/infra/test_contract.py) neither imports aws_cdk nor starts Node.js.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.support.synth import Synthesized


@pytest.fixture(scope="session")
def synthesized() -> Synthesized:
    """The one synthesis of the app (``synthesize_once``)."""
    from tests.support.synth import synthesize_once

    return synthesize_once()
