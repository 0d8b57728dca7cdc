"""The served emulator as an operator meets it: a first line at once, the port open only once the workflow is
deployed, a port that only TIME_WAIT holds free again, and ``run --wait`` with stderr to a file writing the
phases, progress, rate and ETA, with no traceback in the emulator's log."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from cli.serve import port_is_free
from emulator.fleet import seed_fleet
from tests.support.served import ca_revoke

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_port_only_time_wait_holds_is_free():
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the server side closes first: its end of the connection sits in TIME_WAIT
        client.recv(1)
        client.close()
    assert port_is_free(port)


def test_a_port_with_a_listener_is_not_free():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert not port_is_free(busy.getsockname()[1])


@pytest.mark.slow
def test_served_emulator_is_deployed_when_its_port_opens_and_run_wait_reports_progress(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log = tmp_path / "emulator.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            # 12 pages at an enforced 500 per second: more pages than the Map runs at once (cdk.json
            # revokeMaxConcurrency 10), so pages end at different polls and a rate and an ETA show.
            [str(BIN / "ca-revoke"), "emulator", "--port", str(port), "--iot-tps", "500"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=REPO,
        )
    try:
        deadline = time.monotonic() + 120
        while not log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        assert log.read_text().splitlines()[0].startswith(f"Starting the emulator on 127.0.0.1:{port}")
        while True:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        clients = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "x"}
        clients["aws_secret_access_key"] = "x"
        sfn = boto3.client("stepfunctions", **clients)
        # The first call after the port opens finds the workflow.
        assert sorted(m["name"] for m in sfn.list_state_machines()["stateMachines"]) == [
            "iot-ca-revocation",
            "iot-ca-revocation-restore",
        ]

        fleet = seed_fleet(boto3.client("iot", **clients), certificates=3000, seed=4711)
        stderr_file = tmp_path / "stderr.txt"
        cli_env = {
            **env,
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        with stderr_file.open("w") as stderr:
            run = ca_revoke(
                cli_env,
                "run",
                "--endpoint-url",
                url,
                "--ca-certificate-id",
                fleet.ca_certificate_id,
                "--wait",
                "--json",
                stderr=stderr,
            )
        assert run.returncode == 0, stderr_file.read_text()
        progress = [line for line in stderr_file.read_text().splitlines() if line.startswith("progress: ")]
        phases = {line.split()[1] for line in progress}
        assert {"listing", "revoking"} <= phases, progress
        assert any("pages " in line and "certificates " in line and "/3000" in line for line in progress)
        assert any("certificates/s" in line and "ETA " in line for line in progress), progress
        assert all("throttles absorbed" in line for line in progress if not line.endswith(" done"))
        totals = [int(m.group(1)) for m in map(re.compile(r"certificates \d+/(\d+)").search, progress) if m]
        assert totals == sorted(totals)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Traceback" not in log.read_text()
