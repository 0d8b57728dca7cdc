"""The Done-when of the operator path: ``ca-revoke emulator`` serving on loopback, the AWS CLI registering a
CA and its certificates, ``ca-revoke run --wait`` revoking them, the AWS CLI reading REVOKED back."""

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"emulator exited: {process.stdout.read() if process.stdout else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                pass
        except OSError:
            time.sleep(0.2)
            continue
        # The port opens before the workflow is deployed; the banner line comes after.
        time.sleep(0.5)
        return
    raise AssertionError("emulator did not start")


def aws_cli(url: str, env: dict[str, str], *args: str) -> str:
    """The AWS CLI at the served emulator, text output; raises CalledProcessError when it fails."""
    done = subprocess.run(
        [str(BIN / "aws"), "--endpoint-url", url, "--output", "text", *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout.strip()


def register_with_the_aws_cli(url: str, env: dict[str, str], tmp_path: Path, owner: str, devices: int):
    """A CA and ``devices`` certificates registered under it with the AWS CLI; (caId, [certificateId])."""
    pems = issued_pems(owner)
    (tmp_path / "ca.pem").write_text(pems.ca_certificate_pem)
    ca_id = aws_cli(
        url,
        env,
        *("iot", "register-ca-certificate", "--ca-certificate", f"file://{tmp_path / 'ca.pem'}"),
        *("--set-as-active", "--allow-auto-registration", "--query", "certificateId"),
    )
    ids = []
    for number in range(devices):
        pem = tmp_path / f"device{number}.pem"
        pem.write_text(pems.client_certificate_pem(number))
        ids.append(
            aws_cli(
                url,
                env,
                *("iot", "register-certificate", "--certificate-pem", f"file://{pem}"),
                *("--ca-certificate-pem", f"file://{tmp_path / 'ca.pem'}", "--set-as-active"),
                *("--query", "certificateId"),
            )
        )
    return ca_id, ids


@pytest.fixture
def emulator_args():
    """Extra arguments of ``ca-revoke emulator`` (overridden by a test's parametrize)."""
    return []


@pytest.fixture
def served_emulator(tmp_path, emulator_args):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [str(BIN / "ca-revoke"), "emulator", "--port", str(port), *emulator_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    try:
        _wait_for_port(port, process)
        deadline = time.monotonic() + 60
        url = f"http://127.0.0.1:{port}"
        cli_env = {
            **env,
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        while time.monotonic() < deadline:  # deployed once the state machine is listed
            listed = subprocess.run(
                [str(BIN / "aws"), "--endpoint-url", url, "stepfunctions", "list-state-machines"],
                capture_output=True,
                text=True,
                env=cli_env,
                check=False,
            )
            if listed.returncode == 0 and "iot-ca-revocation" in listed.stdout:
                break
            time.sleep(0.3)
        yield url, cli_env
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.slow
def test_aws_cli_registers_and_ca_revoke_run_revokes(served_emulator, tmp_path, request):
    url, env = served_emulator
    pems = issued_pems(request.node.nodeid)
    (tmp_path / "ca.pem").write_text(pems.ca_certificate_pem)

    def aws(*args: str) -> str:
        return aws_cli(url, env, *args)

    ca_id = aws(
        "iot",
        "register-ca-certificate",
        "--ca-certificate",
        f"file://{tmp_path / 'ca.pem'}",
        "--set-as-active",
        "--allow-auto-registration",
        "--query",
        "certificateId",
    )
    ids = []
    for number in range(3):
        pem = tmp_path / f"device{number}.pem"
        pem.write_text(pems.client_certificate_pem(number))
        ids.append(
            aws(
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

    run = ca_revoke(env, "run", "--endpoint-url", url, "--ca-certificate-id", ca_id, "--wait", "--json")

    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["status"] == "SUCCEEDED"
    assert report["certificates"]["revoked"] == 3
    assert report["verification"]["verified"] is True
    for certificate_id in ids:
        assert (
            aws(
                "iot",
                "describe-certificate",
                "--certificate-id",
                certificate_id,
                "--query",
                "certificateDescription.status",
            )
            == "REVOKED"
        )
    assert (
        aws(
            "iot",
            "describe-ca-certificate",
            "--certificate-id",
            ca_id,
            "--query",
            "certificateDescription.status",
        )
        == "INACTIVE"
    )


@pytest.mark.slow
def test_run_refuses_a_malformed_request_with_one_line(served_emulator):
    url, env = served_emulator
    run = subprocess.run(
        [str(BIN / "ca-revoke"), "run", "--endpoint-url", url, "--ca-certificate-id", "NOT-HEX", "--wait"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=REPO_ROOT,
    )
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0
    assert "caCertificateId" in run.stderr


@pytest.mark.slow
@pytest.mark.parametrize("emulator_args", [["--iot-tps", "5"]])
def test_served_emulator_refuses_calls_above_the_quota(served_emulator):
    import boto3
    from botocore.config import Config

    url, _ = served_emulator
    iot = boto3.client(
        "iot",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}),
    )
    admitted, throttled = [], 0
    for _ in range(40):  # as fast as one client can: far above 5 per second
        try:
            iot.describe_ca_certificate(certificateId="0" * 64)
        except iot.exceptions.ClientError as error:
            code = error.response["Error"]["Code"]
            assert code in ("ThrottlingException", "ResourceNotFoundException")
            if code == "ThrottlingException":
                assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
                throttled += 1
            else:
                admitted.append(time.monotonic())
    assert throttled > 0
    assert admitted
    # No one-second window admitted more than the quota. The times are taken here, when each answer
    # arrives, not when the server admitted it; one call of jitter at a window's edge is allowed for.
    assert max(sum(1 for t in admitted if start <= t < start + 1) for start in admitted) <= 5 + 1
    elapsed = admitted[-1] - admitted[0]
    assert len(admitted) <= 5 * (elapsed + 1) + 1


def test_emulator_refuses_a_port_in_use_at_once():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [str(BIN / "ca-revoke"), "emulator", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=REPO_ROOT,
        )
    assert done.returncode == 2
    assert "--port" in done.stderr and "in use" in done.stderr


@pytest.mark.slow
def test_quarantine_then_restore_and_the_aws_cli_reads_active_and_the_hand_revoked_one(
    served_emulator, tmp_path, request
):
    """Issue 13's Done-when: quarantine, revoke one by hand, restore with the CA; describe-certificate
    shows ACTIVE for the restored ones and REVOKED for the one revoked by hand."""
    url, env = served_emulator
    ca_id, ids = register_with_the_aws_cli(url, env, tmp_path, request.node.nodeid, devices=4)
    run = ca_revoke(
        env, "run", "--endpoint-url", url, "--ca-certificate-id", ca_id, "--target-status", "INACTIVE",
        "--wait", "--json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    quarantine = json.loads(run.stdout)
    aws_cli(url, env, "iot", "update-certificate", "--certificate-id", ids[0], "--new-status", "REVOKED")

    restore = ca_revoke(
        env, "restore", "--endpoint-url", url, "--execution", quarantine["executionArn"], "--include-ca",
        "--wait", "--json",
    )  # fmt: skip

    assert restore.returncode == 0, restore.stderr
    report = json.loads(restore.stdout)
    assert (report["certificates"]["restored"], report["certificates"]["skipped"]) == (3, 1)
    status = "certificateDescription.status"
    read = {
        cid: aws_cli(url, env, "iot", "describe-certificate", "--certificate-id", cid, "--query", status)
        for cid in ids
    }
    assert read == {ids[0]: "REVOKED", ids[1]: "ACTIVE", ids[2]: "ACTIVE", ids[3]: "ACTIVE"}
    ca_read = aws_cli(
        url, env, "iot", "describe-ca-certificate", "--certificate-id", ca_id, "--query", status
    )
    assert ca_read == "ACTIVE"
