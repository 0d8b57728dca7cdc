"""``ca-revoke demo``: the whole workflow on the embedded emulator, in one process."""

from __future__ import annotations

import argparse
import json
import time

from rich.console import Console

from cli import exit_codes
from cli.progress_view import execution_progress
from cli.report_view import print_demo_summary, print_json, print_report
from cli.workflow import result_of, start_execution, wait_for
from emulator.fleet import seed_fleet
from emulator.session import EmulatorOptions, EmulatorSession


def run_demo(args: argparse.Namespace) -> int:
    """Start the emulator, seed a CA with N certificates and decoys, run the workflow, print the report.

    The emulator enforces --iot-tps (transactions per second) on every AWS IoT control-plane API and the
    workflow is deployed with the same quota, as an operator would set it from Service Quotas.
    Output: the report (table, or JSON with --json) with a "demo" section: seeding and run wall time
    (seconds), whether every decoy certificate is still ACTIVE, the IoT writes outside the CA (0), and
    the faults injected (--fault-rate, --lambda-crash-rate, throttling at --iot-tps; replayable by --seed).
    Exit code: 0 only when the execution succeeded, the report is verified and no decoy was touched.
    """
    err = Console(stderr=True, soft_wrap=True)
    out = Console(highlight=False, soft_wrap=True)
    options = EmulatorOptions.at_quota(
        args.iot_tps, fault_rate=args.fault_rate, lambda_crash_rate=args.lambda_crash_rate, seed=args.seed
    )
    started = time.monotonic()
    with EmulatorSession(options) as emulator:
        assert emulator.deployment is not None
        iot, sfn, s3 = emulator.client("iot"), emulator.client("stepfunctions"), emulator.client("s3")
        with err.status(
            f"Seeding a CA with {args.certificates} client certificates and {args.decoys} decoys"
        ):
            fleet = seed_fleet(iot, certificates=args.certificates, decoys=args.decoys, seed=args.seed)
        seeded = time.monotonic()
        err.print(
            f"CA {fleet.ca_certificate_id} with {len(fleet.certificate_ids)} certificates "
            f"({seeded - started:.1f} s); running the workflow",
            highlight=False,
        )
        emulator.apply_iot_limits()
        document = json.dumps(
            {
                "caCertificateId": fleet.ca_certificate_id,
                "reason": "demo: CA key compromised",
                "incidentId": "DEMO-1",
            }
        )
        execution_arn = start_execution(sfn, emulator.deployment.state_machine_arn, document)
        layer = emulator.iot_layer

        def certificates_done() -> int:
            return len(layer.stats.update_certificate_times)

        with execution_progress(
            err, certificates_total=len(fleet.certificate_ids), certificates_done=certificates_done
        ) as on_progress:
            description = wait_for(sfn, execution_arn, on_progress=on_progress, poll_seconds=0.25)
        finished = time.monotonic()
        emulator.iot_layer.configure(quotas=None, fault_rate=0.0, seed=args.seed)
        stats = emulator.iot_layer.stats
        assert emulator.lambda_runtime is not None
        tasks = emulator.lambda_runtime.stats
        result = result_of(sfn, s3, description)
        decoys_untouched = sum(
            1
            for certificate_id in fleet.decoy_certificate_ids
            if iot.describe_certificate(certificateId=certificate_id)["certificateDescription"]["status"]
            == "ACTIVE"
        )
    own = {fleet.ca_certificate_id, *fleet.certificate_ids}
    demo = {
        "certificates": len(fleet.certificate_ids),
        "decoys": len(fleet.decoy_certificate_ids),
        "decoysUntouched": decoys_untouched,
        # Successful IoT writes (UpdateCertificate, UpdateCACertificate, ...) to anything but this CA and
        # its certificates, from the emulator's own log: must be 0.
        "foreignWrites": sum(1 for _, resource in stats.writes if resource not in own),
        "iotTps": args.iot_tps,
        "seedSeconds": round(seeded - started, 2),
        "workflowSeconds": round(finished - seeded, 2),
        # What was injected (replayable with the same --seed): IoT calls refused by the quota, answered
        # with an injected 5xx, and task invocations that crashed part-way (retried by the state machine).
        "faults": {
            "seed": args.seed,
            "iotCalls": sum(stats.calls.values()),
            "iotThrottled": sum(stats.throttled.values()),
            "iotServerErrors": sum(stats.faults.values()),
            "taskInvocations": tasks.invocations,
            "taskCrashes": tasks.crashes,
        },
    }
    if result.report is not None:
        result.report["demo"] = demo
    else:
        result.extra["demo"] = demo
    if args.json:
        print_json(result, out)
    else:
        print_report(result, out)
        print_demo_summary(demo, out, faults_requested=bool(args.fault_rate or args.lambda_crash_rate))
    code = result.exit_code
    untouched = decoys_untouched == len(fleet.decoy_certificate_ids) and demo["foreignWrites"] == 0
    if code == exit_codes.VERIFIED and not untouched:
        return exit_codes.NOT_VERIFIED
    return code
