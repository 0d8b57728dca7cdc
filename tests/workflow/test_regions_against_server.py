"""The Done-when of issue 10 on the operator path: ``ca-revoke emulator --regions us-east-1,eu-west-1``
serving, the AWS CLI registering one CA and its devices in both Regions, ``ca-revoke run --regions
... --wait --json`` revoking them in both, and ``aws iot describe-certificate --region eu-west-1`` REVOKED."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contract.paths import REPO_ROOT
from tests.support.fleet import issued_pems
from tests.support.served import ca_revoke

BIN = Path(sys.executable).parent
REGIONS = ("us-east-1", "eu-west-1")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served_regions():
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [str(BIN / "ca-revoke"), "emulator", "--port", str(port), "--regions", ",".join(REGIONS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    cli_env = {
        **env,
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    try:
        deadline = time.monotonic() + 90
        deployed: set[str] = set()
        while time.monotonic() < deadline and deployed != set(REGIONS):
            if process.poll() is not None:
                raise AssertionError(f"emulator exited: {process.stdout.read() if process.stdout else ''}")
            for region in REGIONS:
                listed = subprocess.run(
                    [
                        str(BIN / "aws"),
                        "--endpoint-url",
                        url,
                        "--region",
                        region,
                        "stepfunctions",
                        "list-state-machines",
                    ],
                    capture_output=True,
                    text=True,
                    env=cli_env,
                    check=False,
                )
                if listed.returncode == 0 and "iot-ca-revocation" in listed.stdout:
                    deployed.add(region)
            time.sleep(0.3)
        assert deployed == set(REGIONS), "the workflow is not deployed in every Region"
        yield url, cli_env
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.slow
def test_aws_cli_registers_in_two_regions_and_run_regions_revokes_both(served_regions, tmp_path, request):
    url, env = served_regions
    pems = issued_pems(request.node.nodeid)
    (tmp_path / "ca.pem").write_text(pems.ca_certificate_pem)

    def aws(region: str, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "aws"), "--endpoint-url", url, "--region", region, "--output", "text", *args],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return done.stdout.strip()

    ids: dict[str, list[str]] = {}
    ca_ids = set()
    for region, devices in zip(REGIONS, (3, 2), strict=True):
        ca_ids.add(
            aws(
                region,
                "iot",
                "register-ca-certificate",
                "--ca-certificate",
                f"file://{tmp_path / 'ca.pem'}",
                "--set-as-active",
                "--query",
                "certificateId",
            )
        )
        ids[region] = []
        for number in range(devices):
            pem = tmp_path / f"device{number}.pem"
            pem.write_text(pems.client_certificate_pem(number))
            ids[region].append(
                aws(
                    region,
                    "iot",
                    "register-certificate",
                    "--certificate-pem",
                    f"file://{pem}",
                    "--ca-certificate-pem",
                    f"file://{tmp_path / 'ca.pem'}",
                    "--set-as-active",
                    "--query",
                    "certificateId",
                )
            )
    (ca_id,) = ca_ids  # the same CA, the same certificateId in both Regions

    run = ca_revoke(
        env,
        "run",
        "--endpoint-url",
        url,
        "--regions",
        ",".join(REGIONS),
        "--ca-certificate-id",
        ca_id,
        "--wait",
        "--json",
    )

    assert run.returncode == 0, run.stderr
    combined = json.loads(run.stdout)
    assert combined["verified"] is True
    assert {entry["region"]: entry["report"]["certificates"]["revoked"] for entry in combined["regions"]} == {
        "us-east-1": 3,
        "eu-west-1": 2,
    }
    assert combined["totals"]["revoked"] == 5
    for region in REGIONS:
        for certificate_id in ids[region]:
            status = aws(
                region,
                "iot",
                "describe-certificate",
                "--certificate-id",
                certificate_id,
                "--query",
                "certificateDescription.status",
            )
            assert status == "REVOKED", (region, certificate_id)
