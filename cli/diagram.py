"""``ca-revoke diagram``: the workflow as a Mermaid flowchart, generated from the ASL.

The README embeds the output between ``<!-- workflow-diagram:start -->`` and ``...:end -->``;
``--check README.md`` fails when that block differs from what the ASL gives (CI runs it through the tests),
``--write README.md`` replaces it. Shapes: task ``[ ]``, choice ``{ }``, pass ``( )``, Distributed Map
``[[ ]]`` with its child states in a subgraph, succeed/fail ``(( ))``. Edges: Next and Default ``-->``,
Choice rules ``-->|rule|``, Catch ``-.->|errors|`` (dotted: the failure paths).
Source: Mermaid "Flowcharts - Basic Syntax"; Amazon States Language specification.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from cli import exit_codes
from contract.paths import ASL_PATH

START_MARK: Final = "<!-- workflow-diagram:start -->"
END_MARK: Final = "<!-- workflow-diagram:end -->"
_COMPARATORS: Final = {
    "BooleanEquals": "==",
    "StringEquals": "==",
    "NumericEquals": "==",
    "IsPresent": "present",
}


def _node_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _label(text: str) -> str:
    return text.replace('"', "'")


def _shape(name: str, state: Mapping[str, Any]) -> str:
    node, kind = _node_id(name), state.get("Type")
    if kind == "Choice":
        return f'{node}{{"{_label(name)}"}}'
    if kind == "Pass":
        return f'{node}("{_label(name)}")'
    if kind in ("Succeed", "Fail"):
        return f'{node}(("{_label(name)}"))'
    if kind == "Map":
        return f'{node}[["{_label(name)}<br/>Distributed Map"]]'
    resource = str(state.get("Resource", ""))
    if resource.startswith("arn:aws:states:::"):
        # An optimized integration, e.g. sns:publish, dynamodb:deleteItem: say which.
        return f'{node}["{_label(name)}<br/><i>{resource.removeprefix("arn:aws:states:::")}</i>"]'
    return f'{node}["{_label(name)}"]'


def _rule(choice: Mapping[str, Any]) -> str:
    for key, symbol in _COMPARATORS.items():
        if key in choice:
            variable = str(choice.get("Variable", "")).removeprefix("$.")
            if symbol == "present":
                return f"{variable} {symbol}"
            return f"{variable} {symbol} {json.dumps(choice[key])}"
    return "rule"


def _edges(name: str, state: Mapping[str, Any]) -> Iterator[str]:
    node = _node_id(name)
    for choice in state.get("Choices", []):
        yield f'{node} -->|"{_label(_rule(choice))}"| {_node_id(choice["Next"])}'
    if "Default" in state:
        yield f'{node} -->|"otherwise"| {_node_id(state["Default"])}'
    if "Next" in state:
        yield f"{node} --> {_node_id(state['Next'])}"
    for catch in state.get("Catch", []):
        errors = ", ".join(catch.get("ErrorEquals", []))
        yield f'{node} -.->|"{_label(errors)}"| {_node_id(catch["Next"])}'


def _machine(states: Mapping[str, Any], indent: str) -> Iterator[str]:
    for name, state in states.items():
        if state.get("Type") == "Map":
            processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            yield f"{indent}{_shape(name, state)}"
            yield f'{indent}subgraph {_node_id(name)}_items["each page of 250 certificates"]'
            yield f'{indent}  {_node_id(name)}_start((" ")) --> {_node_id(processor["StartAt"])}'
            yield from _machine(processor.get("States", {}), indent + "  ")
            yield f"{indent}end"
            yield f"{indent}{_node_id(name)} -.- {_node_id(name)}_items"
        else:
            yield f"{indent}{_shape(name, state)}"
    for name, state in states.items():
        for edge in _edges(name, state):
            yield f"{indent}{edge}"


def mermaid(definition: Mapping[str, Any]) -> str:
    """The Mermaid flowchart of an ASL definition (JSONPath or JSONata), deterministic for one input."""
    lines = ["flowchart TD", f"  start((Start)) --> {_node_id(definition['StartAt'])}"]
    lines += list(_machine(definition["States"], "  "))
    return "\n".join(lines) + "\n"


def diagram_block(asl_path: Path = ASL_PATH) -> str:
    """The README block: the markers around a fenced ``mermaid`` code block."""
    chart = mermaid(json.loads(asl_path.read_text(encoding="utf-8")))
    return f"{START_MARK}\n```mermaid\n{chart}```\n{END_MARK}"


def embedded_block(text: str) -> str | None:
    """The diagram block of a document, markers included, or None when it has none."""
    start, end = text.find(START_MARK), text.find(END_MARK)
    if start == -1 or end == -1 or end < start:
        return None
    return text[start : end + len(END_MARK)]


def run_diagram(args: argparse.Namespace) -> int:
    """Print the diagram, or check (--check FILE) or replace (--write FILE) the block of a document.

    Exit codes: 0 printed, up to date or written; 1 the document's block differs from the ASL (--check);
    2 the document cannot be read or has no block between the markers.
    """
    block = diagram_block()
    target = args.check or args.write
    if not target:
        sys.stdout.write(block.split("\n", 2)[2].rsplit("```", 1)[0])
        return exit_codes.VERIFIED
    path = Path(target)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        sys.stderr.write(f"ca-revoke diagram: cannot read {path}: {error.strerror}\n")
        return exit_codes.BAD_INPUT
    current = embedded_block(text)
    if current is None:
        sys.stderr.write(f"ca-revoke diagram: {path} has no {START_MARK} ... {END_MARK} block\n")
        return exit_codes.BAD_INPUT
    if args.check:
        if current != block:
            sys.stderr.write(
                f"ca-revoke diagram: the workflow diagram in {path} differs from {ASL_PATH.name}; "
                f"run: ca-revoke diagram --write {path}\n"
            )
            return exit_codes.FAILED
        return exit_codes.VERIFIED
    path.write_text(text.replace(current, block), encoding="utf-8")
    return exit_codes.VERIFIED
