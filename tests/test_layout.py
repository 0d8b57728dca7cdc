"""Rules of the repository's layout that a reader relies on:

- no test module imports a conftest module: pytest finds fixtures in conftest.py files by itself, and
  helpers shared by the test tiers live in tests/support/;
- no file of the project cites a design document outside the repository (the design is docs/).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from contract.paths import REPO_ROOT
from tests.support.repository import project_files

pytestmark = pytest.mark.unit

TESTS_DIR = REPO_ROOT / "tests"
# Spelled in two parts so that this file does not mention it.
OUTSIDE_DESIGN_DOCUMENT = "DESIGN" + ".md"


def conftest_imports(path: Path) -> list[str]:
    """The imports of the module at ``path`` that name a conftest module, as written (``a.b.conftest``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if "conftest" in alias.name.split(".")]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if "conftest" in module.split("."):
                found.append(module)
            found += [f"{module}.{alias.name}" for alias in node.names if alias.name == "conftest"]
    return found


def test_the_conftest_check_finds_every_form_of_import(tmp_path: Path) -> None:
    module = tmp_path / "test_sample.py"
    module.write_text(
        "import tests.workflow.conftest\n"
        "from tests.reliability.conftest import inject\n"
        "from tests.triggers import conftest\n"
        "from .conftest import fixture\n"
        "from tests.support.fleet import new_fleet\n",
        encoding="utf-8",
    )
    assert conftest_imports(module) == [
        "tests.workflow.conftest",
        "tests.reliability.conftest",
        "tests.triggers.conftest",
        ".conftest",
    ]


def test_no_test_module_imports_a_conftest_module() -> None:
    modules = sorted(TESTS_DIR.rglob("*.py"))
    assert len(modules) > 20  # the tiers were found
    offenders = {
        str(path.relative_to(REPO_ROOT)): imports for path in modules if (imports := conftest_imports(path))
    }
    assert offenders == {}


def test_no_project_file_cites_a_design_document_outside_the_repository() -> None:
    files = project_files()
    assert REPO_ROOT / "README.md" in files and Path(__file__) in files
    citing = sorted(
        str(path.relative_to(REPO_ROOT))
        for path in files
        if OUTSIDE_DESIGN_DOCUMENT.encode() in path.read_bytes()
    )
    assert citing == []


def test_every_lambda_package_is_installed_by_pyproject() -> None:
    """Each task package under lambdas/ is in pyproject's package include list: pytest finds them through its
    pythonpath, but the installed ``ca-revoke`` (the demo, the emulator) imports them from the install, and a
    package left out fails only there (ModuleNotFoundError in the demo on a fresh clone)."""
    import tomllib

    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = {
        pattern.rstrip("*") for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    packages = {path.parent.name for path in (REPO_ROOT / "lambdas").glob("*/__init__.py")}
    assert packages, "no task packages found under lambdas/"
    assert packages - included == set()
