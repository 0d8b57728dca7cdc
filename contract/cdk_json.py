"""The one reader of cdk.json: its ``context`` object holds every deployment setting's default.

The CDK app (infra/stack.py) passes it to the App; the emulator (emulator/deploy.py) and the bench read
the same values, so a laptop run deploys the workflow with the settings AWS would get.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contract.paths import CDK_JSON


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The ``context`` object of cdk.json (empty if the file has none).

    Raises:
        ValueError: the file is not JSON, or its ``context`` is not an object (the message names the path).
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from error
    context = document.get("context", {}) if isinstance(document, dict) else None
    if not isinstance(context, dict):
        raise ValueError(f'{path}: "context" must be an object')
    return dict(context)
