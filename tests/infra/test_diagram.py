"""The README's workflow diagram is generated from the ASL and cannot drift from it."""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path

import pytest

from cli.diagram import diagram_block, embedded_block, mermaid, run_diagram
from contract.paths import ASL_PATH, README

pytestmark = pytest.mark.unit


def test_readme_diagram_is_the_one_generated_from_the_asl() -> None:
    # If this fails: ca-revoke diagram --write README.md
    assert embedded_block(README.read_text(encoding="utf-8")) == diagram_block()


def test_every_state_and_transition_of_the_asl_is_drawn() -> None:
    definition = json.loads(ASL_PATH.read_text(encoding="utf-8"))
    chart = mermaid(definition)
    states = dict(definition["States"])
    for state in definition["States"].values():
        states |= state.get("ItemProcessor", {}).get("States", {})
    for name, state in states.items():
        assert f"\n  {name}" in chart or f"\n    {name}" in chart, name
        targets = [state.get("Next"), state.get("Default")]
        targets += [c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])]
        for target in filter(None, targets):
            assert any(
                line.strip().startswith(name) and line.rstrip().endswith(f" {target}")
                for line in chart.splitlines()
            ), f"{name} -> {target}"


def test_check_fails_on_a_stale_diagram_and_write_repairs_it(tmp_path: Path) -> None:
    document = tmp_path / "README.md"
    stale = diagram_block().replace("AcquireLock", "TakeLock")
    document.write_text(f"# Title\n\n{stale}\n\nText.\n", encoding="utf-8")
    assert run_diagram(Namespace(check=str(document), write=None)) == 1
    assert run_diagram(Namespace(check=None, write=str(document))) == 0
    assert run_diagram(Namespace(check=str(document), write=None)) == 0
    assert document.read_text(encoding="utf-8") == f"# Title\n\n{diagram_block()}\n\nText.\n"
    document.write_text("no markers\n", encoding="utf-8")
    assert run_diagram(Namespace(check=str(document), write=None)) == 2
