"""Running the ``ca-revoke`` console script as an operator would, against the served emulator."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from contract.paths import REPO_ROOT

BIN = Path(sys.executable).parent
"""The virtual environment's bin directory: ``ca-revoke`` and the AWS CLI (``aws``) are installed there."""


def ca_revoke(
    env: Mapping[str, str], *args: str, stderr: int | IO[Any] = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    """``ca-revoke ARGS`` in the repository root with ``env``; stdout (and by default stderr) captured as
    text; never raises on a non-zero exit (the test reads returncode)."""
    return subprocess.run(
        [str(BIN / "ca-revoke"), *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=dict(env),
        check=False,
        cwd=REPO_ROOT,
    )
