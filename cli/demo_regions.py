"""``ca-revoke demo --regions R1,R2,R3``: the multi-Region revocation on the embedded emulator.

The emulator deploys the workflow in each Region (moto keeps a backend per Region); the same CA (the same
seed) is registered in each with a fleet of a different size, as a fleet that connects in several
Regions has its CA and certificates registered in each (AWS IoT is regional). One execution per Region
runs at once, followed together (cli/regions.py), and the combined report is printed.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from rich.console import Console

from cli import exit_codes
from cli.regions import RegionOutcome, combined_report, follow_regions, print_combined
from cli.workflow import start_execution
from emulator.fleet import Fleet, seed_fleet
from emulator.session import EmulatorOptions, EmulatorSession


def fleet_sizes(certificates: int, regions: int) -> list[int]:
    """A different fleet size per Region: --certificates in the first, then ``(n-i)/n`` of it (1200 over
    three Regions: 1200, 800, 400)."""
    return [certificates * (regions - index) // regions for index in range(regions)]


def run_demo_regions(args: argparse.Namespace) -> int:
    """Start the emulator in --regions, seed the same CA with a fleet of a different size in each (and
    --decoys decoys in each), run one execution per Region at once and print the combined report.

    Output: the combined report (docs/data-contract.md, "The combined report"; a table, or JSON with
    --json) with, per Region, a "demo" section: certificates, decoys, decoysUntouched, seedSeconds and
    workflowSeconds (wall time from the start of the executions to that Region's end, seconds); and a
    top-level "demo" section: seedSeconds and workflowSeconds (all Regions). Progress per Region on stderr.
    Exit code: the combined one (cli/regions.py, SEVERITY); 3 when a decoy was touched in some Region.
    """
    regions = list(args.regions)
    err = Console(stderr=True, soft_wrap=True)
    out = Console(highlight=False, soft_wrap=True)
    options = EmulatorOptions.at_quota(
        args.iot_tps, fault_rate=args.fault_rate, lambda_crash_rate=args.lambda_crash_rate, seed=args.seed
    )
    started = time.monotonic()
    with EmulatorSession(options, regions=regions) as emulator:
        fleets: dict[str, Fleet] = {}
        seed_seconds: dict[str, float] = {}
        for region, size in zip(regions, fleet_sizes(args.certificates, len(regions)), strict=True):
            before = time.monotonic()
            with err.status(
                f"{region}: seeding the CA with {size} client certificates and {args.decoys} decoys"
            ):
                fleets[region] = seed_fleet(
                    emulator.client("iot", region), certificates=size, decoys=args.decoys, seed=args.seed
                )
            seed_seconds[region] = time.monotonic() - before
            err.print(
                f"{region}: CA {fleets[region].ca_certificate_id}, {size} certificates", highlight=False
            )
        seeded = time.monotonic()
        emulator.apply_iot_limits()
        ca_id = fleets[regions[0]].ca_certificate_id
        document = json.dumps(
            {"caCertificateId": ca_id, "reason": "demo: CA key compromised", "incidentId": "DEMO-1"}
        )
        executions = {
            region: start_execution(
                emulator.client("stepfunctions", region),
                emulator.deployments[region].state_machine_arn,
                document,
            )
            for region in regions
        }
        clients = {
            region: (emulator.client("stepfunctions", region), emulator.client("s3", region))
            for region in regions
        }
        outcomes = follow_regions(clients, executions, err, poll_seconds=0.25)
        finished = time.monotonic()
        emulator.iot_layer.configure(quotas=None, fault_rate=0.0, seed=args.seed)
        untouched = {
            region: _decoys_untouched(emulator.client("iot", region), fleets[region]) for region in regions
        }
    combined = combined_report([outcomes[region] for region in regions])
    for entry in combined["regions"]:
        region = entry["region"]
        entry["demo"] = _region_demo(
            outcomes[region], fleets[region], untouched[region], seed_seconds[region]
        )
    combined["demo"] = {
        "iotTps": args.iot_tps,
        "seed": args.seed,
        "seedSeconds": round(seeded - started, 2),
        "workflowSeconds": round(finished - seeded, 2),
    }
    code = print_combined(combined, "demo", as_json=args.json, out=out, err=err)
    if code == exit_codes.VERIFIED and any(
        untouched[region] != len(fleets[region].decoy_certificate_ids) for region in regions
    ):
        return exit_codes.NOT_VERIFIED
    return code


def _decoys_untouched(iot: Any, fleet: Fleet) -> int:
    return sum(
        1
        for certificate_id in fleet.decoy_certificate_ids
        if iot.describe_certificate(certificateId=certificate_id)["certificateDescription"]["status"]
        == "ACTIVE"
    )


def _region_demo(outcome: RegionOutcome, fleet: Fleet, untouched: int, seed_seconds: float) -> dict[str, Any]:
    return {
        "certificates": len(fleet.certificate_ids),
        "decoys": len(fleet.decoy_certificate_ids),
        "decoysUntouched": untouched,
        "seedSeconds": round(seed_seconds, 2),
        "workflowSeconds": round(outcome.seconds, 2),
    }
