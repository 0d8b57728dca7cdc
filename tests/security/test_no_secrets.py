"""No secrets and no real AWS account ids in the repository (every file git tracks or would track).

Account ids are recognised where they mean an account: inside an ARN, or next to a word "account"
(AwsAccountId, "account": ..., TRANSFER_TARGET_ACCOUNT = ...). Only placeholder accounts are allowed.
`make security` also runs checkov's secrets scanner over the same files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contract.paths import REPO_ROOT
from tests.support.repository import project_files

ALLOWED_ACCOUNTS = {
    "123456789012": "moto's default account, the emulator's; the AWS documentation example account",
    "111122223333": "AWS documentation example account",
    "444455556666": "AWS documentation example account",
    "210987654321": "the emulator's made-up destination of seeded certificate transfers",
    "000000000000": "placeholder",
    "017000801446": "AWS's own public account that publishes the Powertools for AWS Lambda layers",
}
ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})(?=[:/])")
NEAR_ACCOUNT = re.compile(r"account[\w\"' ]{0,30}?[:=(,]\s*[\"']?(\d{12})(?!\d)", re.IGNORECASE)
SECRETS = {
    "AWS access key id": re.compile(r"(?<![A-Z0-9])(AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}(?![A-Z0-9])"),
    "AWS secret access key": re.compile(
        r"(?i)aws.{0,20}secret.{0,20}[=:]\s*[\"']?(?=[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+]))[A-Za-z0-9/+]{40}"
    ),
    "private key": re.compile(r"-----BEGIN (RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}\b"),
}
# Dependency lock files hold only package names, versions and hashes.
SKIPPED = {"package-lock.json"}


def repository_files() -> list[Path]:
    return [path for path in project_files() if path.name not in SKIPPED]


def text_of(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None  # binary
    return data.decode("utf-8", errors="replace")


def test_the_scan_sees_the_repository():
    names = {path.relative_to(REPO_ROOT).as_posix() for path in repository_files()}
    assert {"README.md", "statemachine/revoke_ca.asl.json", "tests/security/test_no_secrets.py"} <= names


# Samples are assembled at run time, so that this file does not contain what it looks for.
SAMPLE = "9988776" + "65544"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (f"role = 'arn:aws:iam::{SAMPLE}:role/x'", SAMPLE),
        (f'"AwsAccountId": "{SAMPLE}"', SAMPLE),
        (f"TARGET_ACCOUNT = '{SAMPLE}'", SAMPLE),
        (f"id = abad1dea-0000-4111-8222-{SAMPLE}", None),  # a UUID, not an account
    ],
)
def test_the_account_patterns_find_accounts_and_only_accounts(text, found):
    hits = [m.group(1) for pattern in (ARN_ACCOUNT, NEAR_ACCOUNT) for m in pattern.finditer(text)]
    assert set(hits) == ({found} if found else set())


def test_the_secret_patterns_find_secrets():
    fake_key = "AKIA" + "Q" * 16
    fake_secret = "aws_secret_access_key = " + "a1B2" * 10
    assert SECRETS["AWS access key id"].search(fake_key)
    assert SECRETS["AWS secret access key"].search(fake_secret)
    assert SECRETS["private key"].search("-----BEGIN EC " + "PRIVATE KEY-----")


def test_no_secrets_in_the_repository():
    found = []
    for path in repository_files():
        text = text_of(path)
        if text is None:
            continue
        for kind, pattern in SECRETS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(REPO_ROOT)}:{line}: {kind}")
    assert found == []


def test_no_account_ids_but_placeholders_in_the_repository():
    found = []
    for path in repository_files():
        text = text_of(path)
        if text is None:
            continue
        for pattern in (ARN_ACCOUNT, NEAR_ACCOUNT):
            for match in pattern.finditer(text):
                if match.group(1) not in ALLOWED_ACCOUNTS:
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(f"{path.relative_to(REPO_ROOT)}:{line}: account {match.group(1)}")
    assert found == []
