"""The files of the project, for the tests that scan all of them (secrets, account ids, citations)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from contract.paths import REPO_ROOT

__all__ = ["project_files"]


def project_files() -> list[Path]:
    """Every file git tracks or would track (new and not ignored by .gitignore), sorted; files deleted
    from the working tree are left out. Raises CalledProcessError when REPO_ROOT is not a git checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    paths = (REPO_ROOT / name for name in sorted(set(filter(None, listed.split("\0")))))
    return [path for path in paths if path.is_file()]
