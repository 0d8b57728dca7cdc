"""The fault injection itself: it happens, where it says, and a seed replays it.

--fault-rate F: a fraction F of AWS IoT calls answered ServiceUnavailableException (503) or
InternalFailureException (500) before they run. --iot-tps Q: ThrottlingException above Q calls a second.
--lambda-crash-rate F: a fraction F of task invocations die part-way (after some AWS calls) or after all
their work, before their result is returned. --seed S: the same seed injects the same faults into the same
requests, whatever the thread interleaving (emulator/faults.py).
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from cli.main import main
from contract.paths import REPO_ROOT
from emulator.iot import IotLayer, install_iot_layer
from emulator.lambda_runtime import InProcessLambdaRuntime, InvocationFaults, invocation_key
from emulator.session import EmulatorOptions, EmulatorSession
from tests.support.fleet import FleetBuilder
from tests.support.workflow import run_workflow

BIN = Path(sys.executable).parent
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
SERVER_ERRORS = {"ServiceUnavailableException", "InternalFailureException"}


# ------------------------------------------------------------------------------------------- AWS IoT 5xx
@pytest.fixture
def layer(monkeypatch: pytest.MonkeyPatch) -> Iterator[IotLayer]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    layer = install_iot_layer()
    layer.configure()
    layer.reset_stats()
    yield layer
    layer.configure()
    layer.reset_stats()


def _update_from_threads(iot: Any, certificate_ids: list[str], order_seed: int) -> set[tuple[str, int, str]]:
    """Three UpdateCertificate calls per certificate from 8 threads, each thread taking its certificates
    in an order shuffled by ``order_seed``; returns {(certificateId, attempt, error code)} of the calls
    answered with an injected fault."""
    faulted: set[tuple[str, int, str]] = set()
    lock = threading.Lock()

    def worker(mine: list[str]) -> None:
        random.Random(order_seed).shuffle(mine)
        for cid in mine:
            for attempt in (1, 2, 3):
                try:
                    iot.update_certificate(
                        certificateId=cid, newStatus="INACTIVE"
                    )  # INACTIVE again: idempotent
                except ClientError as error:
                    with lock:
                        faulted.add((cid, attempt, error.response["Error"]["Code"]))

    threads = [threading.Thread(target=worker, args=(certificate_ids[n::8],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return faulted


def test_iot_faults_replay_with_the_seed_whatever_the_thread_order(layer: IotLayer) -> None:
    with mock_aws():
        iot = boto3.client("iot", region_name="us-east-1", config=NO_RETRY)
        ca = iot.register_ca_certificate(caCertificate="-----CA replay-----", setAsActive=True)
        ids = [
            iot.register_certificate(
                certificatePem=f"-----CERT replay {n}-----",
                caCertificatePem="-----CA replay-----",
                status="ACTIVE",
            )["certificateId"]
            for n in range(60)
        ]
        assert ca["certificateId"]
        runs = {}
        for name, fault_seed, order_seed in (("first", 5, 1), ("replay", 5, 2), ("other seed", 6, 1)):
            layer.configure(fault_rate=0.3, seed=fault_seed)
            layer.reset_stats()
            runs[name] = _update_from_threads(iot, ids, order_seed)
            assert layer.stats.faults["UpdateCertificate"] == len(runs[name])

    assert runs["first"] == runs["replay"]
    assert runs["first"] != runs["other seed"]
    codes = {code for _, _, code in runs["first"]}
    assert codes == SERVER_ERRORS
    # About 30 % of the 180 calls (binomial, far from the bounds for any seed worth keeping).
    assert 30 <= len(runs["first"]) <= 80


def test_throttled_calls_are_not_attempts_so_throttling_does_not_shift_the_faults(layer: IotLayer) -> None:
    with mock_aws():
        iot = boto3.client("iot", region_name="us-east-1", config=NO_RETRY)
        ca_id = iot.register_ca_certificate(caCertificate="-----CA t-----", setAsActive=True)["certificateId"]

        def outcomes(quota: float | None) -> list[str]:
            layer.configure(quotas={"DescribeCACertificate": quota}, fault_rate=0.4, seed=9)
            seen = []
            while len(seen) < 30:
                try:
                    iot.describe_ca_certificate(certificateId=ca_id)
                    seen.append("ok")
                except ClientError as error:
                    code = error.response["Error"]["Code"]
                    if code != "ThrottlingException":  # a throttled call is refused before it is an attempt
                        seen.append(code)
            return seen

        unthrottled = outcomes(None)
        throttled = outcomes(20)
        assert layer.stats.throttled["DescribeCACertificate"] > 0
    assert throttled == unthrottled


# ----------------------------------------------------------------------------------------- task crashes
def _event(execution: str, page: int) -> dict[str, Any]:
    return {
        "pageKey": f"executions/{execution}/pages/{page:06d}.json",
        "pageNumber": page,
        "pageCount": 400,
        "request": {"caCertificateId": "a" * 64, "targetStatus": "REVOKED"},
        "context": {
            "executionName": execution,
            "executionArn": f"arn:aws:states:us-east-1:123456789012:execution:iot-ca-revocation:{execution}",
            "startTime": f"2026-01-01T00:00:{page % 60:02d}Z"
            if execution == "run-a"
            else "2027-02-02T01:01:01Z",
        },
    }


def test_an_invocation_is_known_by_its_input_not_by_its_execution_name_or_start_time() -> None:
    assert invocation_key("RevokeCertificates", _event("run-a", 3)) == invocation_key(
        "RevokeCertificates", _event("run-b", 3)
    )
    assert invocation_key("RevokeCertificates", _event("run-a", 3)) != invocation_key(
        "RevokeCertificates", _event("run-a", 4)
    )
    assert invocation_key("RevokeCertificates", {}) != invocation_key("VerifyRevocation", {})


def _decisions(runtime: InProcessLambdaRuntime, order: list[int], execution: str) -> dict[int, int | None]:
    return {page: runtime._crash_after("RevokeCertificates", _event(execution, page))[1] for page in order}


def test_task_crashes_replay_with_the_seed_in_any_order_at_the_configured_rate() -> None:
    runtime = InProcessLambdaRuntime()
    pages = list(range(400))
    runtime.configure_faults(InvocationFaults(crash_rate=0.25, seed=3))
    first = _decisions(runtime, pages, "run-a")
    runtime.configure_faults(InvocationFaults(crash_rate=0.25, seed=3))
    replay = _decisions(runtime, random.Random(1).sample(pages, len(pages)), "run-b")
    runtime.configure_faults(InvocationFaults(crash_rate=0.25, seed=4))
    other = _decisions(runtime, pages, "run-a")

    assert first == replay
    assert first != other
    crashing = [after for after in first.values() if after is not None]
    assert 70 <= len(crashing) <= 130  # 25 % of 400
    # Part-way: after at least one AWS call, at most max_crash_calls (a page task makes about 252).
    assert min(crashing) >= 1 and max(crashing) <= 256
    # A retry is a new attempt with its own draw: the same page does not crash forever.
    second_attempts = _decisions(runtime, pages, "run-a")
    assert {p for p, a in first.items() if a} != {p for p, a in second_attempts.items() if a}


def test_a_crashed_invocation_answers_lambda_unknown_and_its_calls_stay_done() -> None:
    runtime = InProcessLambdaRuntime()
    done: list[int] = []

    def handler(event: Any, context: Any) -> dict[str, Any]:
        s3 = boto3.client("s3", region_name="us-east-1")
        for number in range(5):
            s3.put_object(Bucket="crash-test-bucket", Key=f"k{number}", Body=b"x")
            done.append(number)
        return {"ok": True}

    runtime._handlers["fake.handler"] = handler
    function = SimpleNamespace(
        function_name="iot-ca-revocation-Fake",
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:iot-ca-revocation-Fake",
        memory_size=128,
        timeout=3,
        handler="fake.handler",
    )
    runtime.configure_faults(
        InvocationFaults(crash_plan=lambda name, event, attempt: 3 if attempt == 1 else None)
    )
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="crash-test-bucket")
        boto3.setup_default_session()
        from emulator import crash_points

        boto3.DEFAULT_SESSION.events.register("before-call", crash_points.before_call)
        payload, errored, _ = runtime.invoke(function, {"n": 1})
        assert errored and json.loads(payload)["errorType"] == "Lambda.Unknown"
        assert done == [0, 1, 2]  # three PutObject calls took effect before the crash
        payload, errored, _ = runtime.invoke(function, {"n": 1})  # the retry (attempt 2) runs through
        assert not errored and json.loads(payload) == {"ok": True}
    (record,) = runtime.stats.crash_log
    assert (record.function, record.attempt, record.calls_done, record.at_end) == ("Fake", 1, 3, False)
    assert runtime.stats.aws_calls["Fake"] == {"s3:PutObject"}


# ------------------------------------------------------------------------------- whole runs, end to end
def _faulty_run(seed: int, owner: str) -> dict[str, Any]:
    """One seeded run under 5xx and crashes in a fresh emulator, on ``owner``'s first fleet (the same
    fleet in every fresh emulator); what was injected, and the outcome."""
    options = EmulatorOptions(
        fault_rate=0.1,
        lambda_crash_rate=0.4,
        seed=seed,
        context={
            "updateCertificateTps": 1000,
            "listCertificatesByCaTps": 1000,
            "listPrincipalThingsTps": 1000,
        },
        retry_delay_scale=0.05,
    )
    with EmulatorSession(options) as emulator:
        fleet = FleetBuilder(emulator, owner)(300)
        emulator.apply_iot_limits()
        assert emulator.deployment is not None and emulator.lambda_runtime is not None
        result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})
        tasks = emulator.lambda_runtime.stats
        return {
            "status": result.status,
            "certificates": result.report["certificates"] if result.report else None,
            "faults": emulator.iot_layer.stats.faults,
            "crashes": sorted((c.function, c.attempt, c.calls_done, c.at_end) for c in tasks.crash_log),
            "invocations": tasks.by_function,
        }


@pytest.mark.slow
def test_a_seeded_run_replays_the_same_faults_and_crashes(request):
    owner = request.node.nodeid
    first, replay, other = _faulty_run(5, owner), _faulty_run(5, owner), _faulty_run(6, owner)

    assert first["status"] == "SUCCEEDED"
    assert first["certificates"] == {
        "total": 300,
        "revoked": 300,
        "alreadyRevoked": 0,
        "skipped": 0,
        "failed": 0,
    }
    assert first["crashes"] and sum(first["faults"].values()) > 0
    assert replay == first  # the same injected 5xx on the same calls, the same crashes at the same points
    assert (other["faults"], other["crashes"]) != (first["faults"], first["crashes"])


@pytest.mark.slow
def test_demo_flags_inject_faults_and_the_run_still_ends_verified(capsys):
    code = main(
        [
            "demo",
            "--json",
            *("--certificates", "120", "--iot-tps", "100"),
            *("--fault-rate", "0.1", "--lambda-crash-rate", "0.5", "--seed", "7"),
        ]
    )
    report = json.loads(capsys.readouterr().out)

    assert code == 0
    assert report["verification"]["verified"] is True
    assert report["certificates"] == {
        "total": 120,
        "revoked": 120,
        "alreadyRevoked": 0,
        "skipped": 0,
        "failed": 0,
    }
    demo = report["demo"]
    assert demo["decoysUntouched"] == demo["decoys"] and demo["foreignWrites"] == 0
    assert demo["faults"]["seed"] == 7
    assert demo["faults"]["iotServerErrors"] > 0 and demo["faults"]["taskCrashes"] > 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_emulator_command_serves_with_the_quota_the_faults_and_the_crashes():
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = [
        str(BIN / "ca-revoke"),
        "emulator",
        "--port",
        str(port),
        "--iot-tps",
        "20",
        "--fault-rate",
        "0.3",
        "--lambda-crash-rate",
        "0.5",
        "--seed",
        "3",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO_ROOT
    )
    try:
        session = boto3.session.Session(
            aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1"
        )
        url = f"http://127.0.0.1:{port}"
        patient = Config(retries={"mode": "standard", "total_max_attempts": 20})
        sfn = session.client("stepfunctions", endpoint_url=url, config=patient)
        deadline = time.monotonic() + 90
        while True:  # up once the workflow is deployed
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if sfn.list_state_machines()["stateMachines"]:
                    break
            except Exception:  # noqa: BLE001 - not listening yet
                assert time.monotonic() < deadline
                time.sleep(0.3)
        iot = session.client("iot", endpoint_url=url, config=NO_RETRY)
        codes = []
        for _ in range(60):
            try:
                iot.list_certificates()
                codes.append("ok")
            except ClientError as error:
                codes.append(error.response["Error"]["Code"])
        assert {"ok", "ThrottlingException"} <= set(codes)
        assert set(codes) & SERVER_ERRORS

        # Task crashes: NormalizeInput makes no AWS call, so a crashing invocation dies after its work.
        lam = session.client("lambda", endpoint_url=url, config=NO_RETRY)
        answers = []
        for number in range(20):
            payload = {"input": {"caCertificateId": f"{number:064x}"}, "execution": {"executionName": "x"}}
            response = lam.invoke(
                FunctionName="iot-ca-revocation-NormalizeInput", Payload=json.dumps(payload)
            )
            body = json.loads(response["Payload"].read())
            answers.append(body.get("errorType", "ok") if response.get("FunctionError") else "ok")
        assert set(answers) == {"ok", "Lambda.Unknown"}
        assert 3 <= answers.count("Lambda.Unknown") <= 17  # half of 20
    finally:
        process.terminate()
        process.wait(timeout=20)
