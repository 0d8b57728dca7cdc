"""Sections and tables of docs/data-contract.md, read by the tests that hold the code to the contract."""

from __future__ import annotations

import re

from contract.paths import REPO_ROOT

CONTRACT = (REPO_ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of one ``## title`` section of the data contract."""
    start = CONTRACT.index(f"## {title}")
    end = CONTRACT.find("\n## ", start + 3)
    return CONTRACT[start : end if end != -1 else len(CONTRACT)]


def contract_functions() -> dict[str, tuple[str, int, int]]:
    """Logical name -> (handler, timeout seconds, memory MB) of the "Lambda functions" table."""
    rows = re.findall(
        r"^\|\s*(\w+)\s*\|\s*([\w.]+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*$", section("Lambda functions"), re.M
    )
    return {name: (handler, int(timeout), int(memory)) for name, handler, timeout, memory in rows}


def contract_env_vars() -> set[str]:
    """The environment variables the "Lambda functions" section lists."""
    table = section("Lambda functions").split("Environment variables", 1)[1]
    return set(re.findall(r"^\|\s*([A-Z][A-Z_]+)\s*\|", table, re.M))


def contract_placeholders(*, restore: bool = False) -> set[str]:
    """The ``${...}`` names of the "ASL placeholders" section: of statemachine/revoke_ca.asl.json, or with
    ``restore`` of statemachine/restore.asl.json (the part after its name)."""
    revocation, _, restoration = section("ASL placeholders").partition("statemachine/restore.asl.json:")
    return set(re.findall(r"\$\{(\w+)\}", restoration if restore else revocation))
