"""``ca-revoke demo``: the whole workflow on the embedded emulator, in one process.

The fleet is what a compromised CA's key reaches (issue 9's scope): certificates registered under the CA,
a registered intermediate CA that the CA signed with certificates registered under it, and certificates
registered without a CA signed by either; beside it, decoys of four kinds that must stay untouched.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from rich.console import Console

from cli import exit_codes
from cli.progress_view import execution_progress
from cli.report_view import print_demo_summary, print_json, print_report
from cli.workflow import result_of, start_execution, wait_for
from emulator.fleet import DECOY_KINDS, Fleet, Intermediate, seed_fleet
from emulator.session import EmulatorOptions, EmulatorSession

# Where the demo's in-scope certificates are (of --certificates): a tenth registered under the CA's
# intermediate, a tenth registered without a CA (half signed by the CA, half by the intermediate), the
# rest registered under the CA.
SCOPE_SHARE = 10
TARGET_STATUS = "REVOKED"  # the demo's request takes the default target


def demo_fleet(iot: Any, *, certificates: int, decoys: int, seed: int) -> Fleet:
    """Seed the demo's fleet: ``certificates`` in scope (SCOPE_SHARE), ``decoys`` spread evenly over the
    kinds "other-ca", "unlinked-other-ca", "name-spoof" and "impostor-ca" (emulator.fleet.DECOY_KINDS),
    and Things attached to the certificates (emulator.fleet_things).

    Returns the emulator.fleet.Fleet (which ids are in scope, which are decoys, by kind).
    """
    intermediate = certificates // SCOPE_SHARE
    unlinked = certificates // SCOPE_SHARE
    by_intermediate = unlinked // 2
    kinds = [decoys // 4 + (1 if i < decoys % 4 else 0) for i in range(4)]
    return seed_fleet(
        iot,
        certificates=certificates - intermediate - unlinked,
        unlinked=unlinked - by_intermediate,
        intermediates=[Intermediate(certificates=intermediate, unlinked=by_intermediate)],
        decoys=kinds[0] + kinds[1],  # ceil of half under the other CA, the rest CA-less
        spoofs=kinds[2],
        impostor_ca=kinds[3] or None,
        seed=seed,
        things=True,
    )


def _end_state(iot: Any, fleet: Fleet) -> dict[str, Any]:
    """What AWS IoT holds at the end, read through the API (ListCertificates pages, DescribeCACertificate):
    in-scope certificates and CAs at target, decoy certificates and CAs untouched (ACTIVE)."""
    status: dict[str, str] = {}
    for page in iot.get_paginator("list_certificates").paginate(PaginationConfig={"PageSize": 250}):
        status.update({c["certificateId"]: c["status"] for c in page["certificates"]})

    def ca_state(ca_id: str) -> tuple[str, str]:
        description = iot.describe_ca_certificate(certificateId=ca_id)["certificateDescription"]
        return str(description["status"]), str(description["autoRegistrationStatus"])

    seeded_auto = {ca.certificate_id: "ENABLE" if ca.in_scope else "DISABLE" for ca in fleet.cas}
    return {
        "inScopeAtTarget": sum(status.get(c) == TARGET_STATUS for c in fleet.in_scope_certificate_ids),
        "casAtTarget": sum(ca_state(c) == ("INACTIVE", "DISABLE") for c in fleet.in_scope_ca_ids),
        "decoysUntouched": sum(status.get(c) == "ACTIVE" for c in fleet.decoy_certificate_ids),
        "decoyCasUntouched": sum(ca_state(c) == ("ACTIVE", seeded_auto[c]) for c in fleet.decoy_ca_ids),
    }


def run_demo(args: argparse.Namespace) -> int:
    """Start the emulator, seed a compromised CA's reach and decoys, run the workflow, print the report.

    The emulator enforces --iot-tps (transactions per second) on every AWS IoT control-plane API and the
    workflow is deployed with the same quota, as an operator would set it from Service Quotas.
    Output: the report (table, or JSON with --json) with a "demo" section: seeding and run wall time
    (seconds); the scope seeded (certificates, CAs) and how much of it AWS IoT holds at the target at the
    end (read back through the API); the decoys by kind and how many are untouched (certificates still
    ACTIVE, decoy CAs as seeded); the IoT writes outside the scope (0); and the faults injected
    (--fault-rate, --lambda-crash-rate, throttling at --iot-tps; replayable by --seed).
    Exit code: 0 only when the execution succeeded, the report is verified, every certificate and CA in
    scope is at its target and no decoy was touched (else 3, not verified).
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
            f"Seeding a CA's reach of {args.certificates} certificates (under the CA, under its "
            f"intermediate CA, registered without a CA) and {args.decoys} decoys"
        ):
            fleet = demo_fleet(iot, certificates=args.certificates, decoys=args.decoys, seed=args.seed)
        seeded = time.monotonic()
        in_scope = fleet.in_scope_certificate_ids
        err.print(
            f"CA {fleet.ca_certificate_id}: {len(in_scope)} certificates in scope, "
            f"{len(fleet.in_scope_ca_ids)} CAs ({seeded - started:.1f} s); running the workflow",
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
            err, certificates_total=len(in_scope), certificates_done=certificates_done
        ) as on_progress:
            description = wait_for(sfn, execution_arn, on_progress=on_progress, poll_seconds=0.25)
        finished = time.monotonic()
        emulator.iot_layer.configure(quotas=None, fault_rate=0.0, seed=args.seed)
        stats = emulator.iot_layer.stats
        # Counted before the end-state reads below add their own calls.
        calls, throttled, server_errors = (
            sum(stats.calls.values()),
            sum(stats.throttled.values()),
            sum(stats.faults.values()),
        )
        assert emulator.lambda_runtime is not None
        tasks = emulator.lambda_runtime.stats
        result = result_of(sfn, s3, description)
        end = _end_state(iot, fleet)
    own = {*fleet.in_scope_ca_ids, *in_scope}
    demo = {
        "certificates": len(in_scope),
        "cas": len(fleet.in_scope_ca_ids),
        "unlinkedInScope": len(fleet.unlinked_in_scope_ids),
        "inScopeAtTarget": end["inScopeAtTarget"],
        "casAtTarget": end["casAtTarget"],
        "decoys": len(fleet.decoy_certificate_ids),
        "decoysByKind": {kind: len(fleet.decoys[kind]) for kind in DECOY_KINDS if fleet.decoys[kind]},
        "decoysUntouched": end["decoysUntouched"],
        "decoyCas": len(fleet.decoy_ca_ids),
        "decoyCasUntouched": end["decoyCasUntouched"],
        # Successful IoT writes (UpdateCertificate, UpdateCACertificate, ...) to anything outside the
        # scope, from the emulator's own log: must be 0.
        "foreignWrites": sum(1 for _, resource in stats.writes if resource not in own),
        # The Things attached to the certificates in scope: the report's count (ListPrincipalThings) and
        # what the fleet attached (emulator.fleet_things).
        "affectedThings": (result.report or {}).get("affectedThings"),
        "thingsSeeded": len({name for cid in in_scope for name in fleet.things.get(cid, ())}),
        "certificatesWithoutThings": sum(1 for cid in in_scope if not fleet.things.get(cid)),
        "iotTps": args.iot_tps,
        "seedSeconds": round(seeded - started, 2),
        "workflowSeconds": round(finished - seeded, 2),
        # What was injected (replayable with the same --seed): IoT calls refused by the quota, answered
        # with an injected 5xx, and task invocations that crashed part-way (retried by the state machine).
        "faults": {
            "seed": args.seed,
            "iotCalls": calls,
            "iotThrottled": throttled,
            "iotServerErrors": server_errors,
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
    complete = (
        demo["inScopeAtTarget"] == demo["certificates"]
        and demo["casAtTarget"] == demo["cas"]
        and demo["decoysUntouched"] == demo["decoys"]
        and demo["decoyCasUntouched"] == demo["decoyCas"]
        and demo["foreignWrites"] == 0
    )
    if code == exit_codes.VERIFIED and not complete:
        return exit_codes.NOT_VERIFIED
    return code
