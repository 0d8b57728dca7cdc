"""``ca-revoke emulator``: the emulator on a loopback port, with the workflow deployed."""

from __future__ import annotations

import argparse
import signal
import threading

from rich.console import Console

from cli import exit_codes
from emulator.session import REGION, EmulatorOptions, EmulatorSession


def serve(args: argparse.Namespace) -> int:
    """Serve the emulator on 127.0.0.1:PORT until interrupted (Ctrl-C or SIGTERM).

    --iot-tps Q: every AWS IoT control-plane API refuses calls above Q per second with ThrottlingException,
    and the deployed workflow paces itself at Q. --fault-rate and --lambda-crash-rate inject faults.
    Output: the endpoint, the state machine ARN and example commands, on stdout.
    """
    console = Console(highlight=False)
    options = EmulatorOptions.at_quota(
        args.iot_tps, fault_rate=args.fault_rate, lambda_crash_rate=args.lambda_crash_rate, seed=args.seed
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with EmulatorSession(options, port=args.port) as emulator:
        emulator.apply_iot_limits()
        assert emulator.deployment is not None
        url = emulator.endpoint_url
        console.print(f"Emulator listening on {url} (region {REGION}; any credentials are accepted)")
        console.print(f"State machine: {emulator.deployment.state_machine_arn}")
        console.print(f"Report bucket: {emulator.deployment.report_bucket}")
        console.print(
            f"IoT quota: {args.iot_tps or 'none'} TPS; fault rate {args.fault_rate}; "
            f"task crash rate {args.lambda_crash_rate}"
        )
        console.print("Try:")
        console.print(f"  aws --endpoint-url {url} --region {REGION} iot list-ca-certificates")
        console.print(f"  ca-revoke run --endpoint-url {url} --ca-certificate-id <CA_ID> --wait")
        console.print("Ctrl-C stops it.", style="dim")
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return exit_codes.VERIFIED
