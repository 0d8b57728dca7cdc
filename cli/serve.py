"""``ca-revoke emulator``: the emulator on a loopback port, with the workflow deployed."""

from __future__ import annotations

import argparse
import signal
import socket
import threading
from typing import NoReturn

from rich.console import Console

from cli import exit_codes
from emulator.session import REGION, UNENFORCED_PACING_TPS, EmulatorOptions, EmulatorSession


def port_is_free(port: int) -> bool:
    """True when 127.0.0.1:``port`` can be bound now by a server, as the emulator's binds it.

    The probe sets SO_REUSEADDR as the emulator's HTTP server does (socketserver's allow_reuse_address), so
    a port that only connections in TIME_WAIT hold (the emulator's own, just stopped) is free; a port with
    a listener on it is not (Linux socket(7), SO_REUSEADDR).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _stop(*_: object) -> NoReturn:
    # SIGTERM ends the process the way Ctrl-C does, wherever it is (also during start-up).
    raise KeyboardInterrupt


def serve(args: argparse.Namespace) -> int:
    """Serve the emulator on 127.0.0.1:PORT until interrupted (Ctrl-C or SIGTERM).

    --regions R1,R2: the workflow is deployed in each Region (default us-east-1 only).
    --iot-tps Q: every AWS IoT certificate API refuses calls above Q per second with ThrottlingException,
    and the deployed workflow paces itself at Q. Without it nothing is refused and the workflow paces
    itself at UNENFORCED_PACING_TPS. --fault-rate and --lambda-crash-rate inject faults.
    Output: a first line at once; once the workflow is deployed and the port accepts connections, the
    endpoint, the state machine ARN, the notification queue and example commands, on stdout.
    Exit codes: 0 when stopped, 2 when the port is in use.
    """
    console = Console(highlight=False, soft_wrap=True)
    if not port_is_free(args.port):
        Console(stderr=True, soft_wrap=True).print(
            f"ca-revoke emulator: --port: 127.0.0.1:{args.port} is in use; choose another port", markup=False
        )
        return exit_codes.BAD_INPUT
    options = EmulatorOptions.at_quota(
        args.iot_tps, fault_rate=args.fault_rate, lambda_crash_rate=args.lambda_crash_rate, seed=args.seed
    )
    signal.signal(signal.SIGTERM, _stop)
    stop = threading.Event()
    # At once: the deployment takes seconds; the port accepts connections only once it is done.
    console.print(f"Starting the emulator on 127.0.0.1:{args.port}: deploying the workflow ...")
    try:
        regions = tuple(getattr(args, "regions", None) or (REGION,))
        with EmulatorSession(options, port=args.port, regions=regions) as emulator:
            emulator.apply_iot_limits()
            assert emulator.deployment is not None
            url = emulator.endpoint_url
            listed = ", ".join(regions)
            console.print(
                f"Emulator listening on {url} (region{'s' if len(regions) > 1 else ''} {listed}; "
                "any credentials are accepted)"
            )
            for region, deployment in emulator.deployments.items():
                label = f" ({region})" if len(regions) > 1 else ""
                console.print(f"State machine{label}: {deployment.state_machine_arn}")
                console.print(f"Restore state machine{label}: {deployment.restore_state_machine_arn}")
            console.print(f"Report bucket: {emulator.deployment.report_bucket}")
            console.print(
                "Notifications (the topic's messages, in an SQS queue): "
                f"{emulator.deployment.notification_queue_url}"
            )
            if args.iot_tps:
                quota = f"IoT quota: {args.iot_tps:g} TPS per API, and the workflow paces itself at it"
            else:
                quota = (
                    f"IoT quota: none (the workflow paces itself at {UNENFORCED_PACING_TPS:g} TPS; "
                    "--iot-tps Q enforces Q)"
                )
            console.print(f"{quota}; fault rate {args.fault_rate}; task crash rate {args.lambda_crash_rate}")
            console.print("Try:")
            console.print(f"  aws --endpoint-url {url} --region {REGION} iot list-certificates")
            console.print(f"  ca-revoke run --endpoint-url {url} --ca-certificate-id <CA_ID> --wait")
            if len(regions) > 1:
                console.print(
                    f"  ca-revoke run --endpoint-url {url} --regions {','.join(regions)} "
                    "--ca-certificate-id <CA_ID> --wait"
                )
            console.print(
                f"  aws --endpoint-url {url} --region {REGION} sqs receive-message "
                f"--queue-url {emulator.deployment.notification_queue_url} --query 'Messages[].Body'"
            )
            console.print("Ctrl-C stops it.", style="dim")
            while not stop.wait(0.5):
                pass
    except KeyboardInterrupt:
        pass
    return exit_codes.VERIFIED
