"""Paths inside the repository; everything that reads a file of the project finds it here."""

from __future__ import annotations

from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
CDK_JSON: Final = REPO_ROOT / "cdk.json"
LAMBDAS_DIR: Final = REPO_ROOT / "lambdas"
"""The Lambda asset root: on Lambda it is on sys.path, so the task packages import by their own names."""
STATEMACHINE_DIR: Final = REPO_ROOT / "statemachine"
ASL_PATH: Final = STATEMACHINE_DIR / "revoke_ca.asl.json"
RESTORE_ASL_PATH: Final = STATEMACHINE_DIR / "restore.asl.json"
README: Final = REPO_ROOT / "README.md"
