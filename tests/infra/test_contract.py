"""The CDK-free contract (contract/) and the boundaries it keeps: no CDK, no moto, no Node.js here.

- the cdk.json reader, the ASL substitutions and their rendering, as the stack and the emulator use them;
- the exit codes, derived from the workflow's named errors;
- the leak: nothing in cli/ imports the emulator except the demo, emulator and bench commands;
- packaging: no module of the project edits sys.path (the Lambda packages are installed, pyproject.toml).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from revocation_common import errors
from revocation_common.vocabulary import CA_AUDIT_CHECKS, TARGET_STATUSES

from cli import exit_codes
from contract.asl import (
    PLACEHOLDER,
    RESOURCE_PLACEHOLDERS,
    asl_placeholders,
    definition_substitutions,
    render_definition,
)
from contract.cdk_json import cdk_json_context
from contract.functions import FUNCTION_SPECS, RESTORE_FUNCTIONS, REVOCATION_FUNCTIONS, function_spec
from contract.paths import ASL_PATH, CDK_JSON, LAMBDAS_DIR, REPO_ROOT, RESTORE_ASL_PATH
from tests.infra.data_contract import contract_functions, contract_placeholders

pytestmark = pytest.mark.unit

# The CLI commands that run the embedded emulator; every other module of cli/ must work without it.
EMULATOR_COMMANDS = {"demo.py", "demo_regions.py", "serve.py", "bench.py", "bench_baselines.py"}
FUNCTION_ARNS = {
    spec.logical_name: f"arn:aws:lambda:us-east-1:1:function:{spec.logical_name}" for spec in FUNCTION_SPECS
}


def _substitutions() -> dict[str, str]:
    return definition_substitutions(
        FUNCTION_ARNS,
        report_bucket_name="reports",
        notification_topic_arn="arn:aws:sns:us-east-1:1:topic",
        lock_table_name="locks",
    )


def test_paths_point_into_the_repository() -> None:
    assert (REPO_ROOT / "pyproject.toml").is_file()
    assert CDK_JSON.is_file() and ASL_PATH.is_file()
    assert {spec.handler.split(".")[0] for spec in FUNCTION_SPECS} <= {p.name for p in LAMBDAS_DIR.iterdir()}


def test_function_specs_match_the_contract() -> None:
    assert {
        s.logical_name: (s.handler, s.timeout_seconds, s.memory_mb) for s in FUNCTION_SPECS
    } == contract_functions()


def test_cdk_json_context_is_the_files_context() -> None:
    context = cdk_json_context()
    assert context == json.loads(CDK_JSON.read_text(encoding="utf-8"))["context"]
    assert context["defaultTargetStatus"] in TARGET_STATUSES
    assert set(context["securityHubCheckNames"]) <= set(CA_AUDIT_CHECKS)


def test_cdk_json_reader_names_the_file_on_a_bad_context(tmp_path: Path) -> None:
    bad = tmp_path / "cdk.json"
    bad.write_text('{"context": []}', encoding="utf-8")
    with pytest.raises(ValueError, match=r'cdk\.json: "context" must be an object'):
        cdk_json_context(bad)
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="is not valid JSON"):
        cdk_json_context(bad)
    bad.write_text("{}", encoding="utf-8")
    assert cdk_json_context(bad) == {}


def test_substitutions_are_exactly_the_placeholders_of_the_asl() -> None:
    substitutions = _substitutions()
    assert set(substitutions) == asl_placeholders(ASL_PATH.read_text(encoding="utf-8"))
    assert set(substitutions) == {function_spec(name).placeholder for name in REVOCATION_FUNCTIONS} | set(
        RESOURCE_PLACEHOLDERS
    )
    for spec in map(function_spec, REVOCATION_FUNCTIONS):
        assert substitutions[spec.placeholder] == FUNCTION_ARNS[spec.logical_name]


def test_restore_substitutions_are_exactly_the_placeholders_of_the_restore_asl() -> None:
    substitutions = definition_substitutions(
        FUNCTION_ARNS,
        report_bucket_name="reports",
        notification_topic_arn="arn:aws:sns:us-east-1:1:topic",
        lock_table_name="locks",
        functions=RESTORE_FUNCTIONS,
    )
    assert set(substitutions) == asl_placeholders(RESTORE_ASL_PATH.read_text(encoding="utf-8"))
    assert set(substitutions) == contract_placeholders(restore=True)
    rendered = json.loads(render_definition(substitutions, RESTORE_ASL_PATH))
    assert rendered["StartAt"] == "PrepareRestore"


def test_substitutions_refuse_a_function_without_an_arn() -> None:
    arns = dict(FUNCTION_ARNS)
    del arns["VerifyRevocation"]
    with pytest.raises(KeyError, match="VerifyRevocation"):
        definition_substitutions(
            arns, report_bucket_name="r", notification_topic_arn="t", lock_table_name="l"
        )


def test_render_fills_every_placeholder_and_keeps_json() -> None:
    rendered = render_definition(_substitutions())
    assert not PLACEHOLDER.search(rendered)
    definition = json.loads(rendered)
    assert "States" in definition
    assert FUNCTION_ARNS["NormalizeInput"] in rendered and '"locks"' in rendered


def test_render_names_a_placeholder_without_substitution(tmp_path: Path) -> None:
    asl = tmp_path / "revoke_ca.asl.json"
    asl.write_text('{"Comment": "${Unknown}"}', encoding="utf-8")
    with pytest.raises(KeyError, match="Unknown"):
        render_definition(_substitutions(), asl)


def test_exit_codes_are_keyed_by_the_named_error_classes() -> None:
    named = {cls.__name__: cls for cls in errors.WorkflowError.__subclasses__()}
    assert set(exit_codes.BY_ERROR) <= set(named)
    for cls, code in exit_codes.BY_ERROR_CLASS.items():
        assert exit_codes.BY_ERROR[cls.__name__] == code
        assert code not in (exit_codes.VERIFIED, exit_codes.FAILED)
    assert exit_codes.BY_ERROR == {
        "InvalidInput": exit_codes.BAD_INPUT,
        "VerificationFailed": exit_codes.NOT_VERIFIED,
        "CaNotFound": exit_codes.CA_NOT_FOUND,
        "RevocationAlreadyInProgress": exit_codes.ALREADY_RUNNING,
    }


def _imported_modules(path: Path) -> set[str]:
    """Every module an ``import`` or ``from ... import`` of the file names, at any depth (lazy ones too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_cli_imports_the_emulator_only_in_the_emulator_commands() -> None:
    leaking = {
        path.name: sorted(m for m in _imported_modules(path) if m == "emulator" or m.startswith("emulator."))
        for path in sorted((REPO_ROOT / "cli").glob("*.py"))
        if path.name not in EMULATOR_COMMANDS
    }
    assert {name: modules for name, modules in leaking.items() if modules} == {}


def test_run_against_aws_loads_neither_the_emulator_nor_moto() -> None:
    # A fresh interpreter: what `ca-revoke run` loads, as an operator's machine would.
    probe = (
        "import sys, cli.main, cli.run, cli.requests, cli.workflow, cli.diagram\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('emulator', 'moto', 'aws_cdk')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_no_module_of_the_project_edits_sys_path() -> None:
    sources = [REPO_ROOT / "app.py", *(REPO_ROOT / ".ci").glob("*.py")]
    for package in ("cli", "contract", "emulator", "infra", "lambdas"):
        sources += sorted((REPO_ROOT / package).rglob("*.py"))
    editing = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("insert", "append", "extend")
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "path"
                and isinstance(node.value.value, ast.Name)
                and node.value.value.id == "sys"
            ):
                editing.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert editing == []
