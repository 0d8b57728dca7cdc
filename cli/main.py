"""``ca-revoke``: the operator CLI.

Commands:
  demo      the whole workflow on the embedded emulator, with a seeded fleet
  emulator  serve the emulator, with the workflow deployed, on 127.0.0.1:PORT
  run       start a revocation in AWS (or at --endpoint-url) and optionally wait for its report
  bench     the workflow against the AWS CLI and boto3 loops, at an enforced quota
  diagram   the workflow as a Mermaid flowchart generated from the ASL (--check/--write a document)
Exit codes: see cli/exit_codes.py and the README.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli import exit_codes


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}")
    return value


def _tps(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected transactions per second, got {text!r}") from None
    if not 0 < value <= 100_000:
        raise argparse.ArgumentTypeError(f"expected transactions per second in (0, 100000], got {text!r}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction from 0 to 1, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction from 0 to below 1, got {text!r}")
    return value


def _add_fault_options(parser: argparse.ArgumentParser, default_tps: float | None) -> None:
    parser.add_argument(
        "--iot-tps",
        type=_tps,
        default=default_tps,
        help="AWS IoT quota enforced by the emulator for each control-plane API, in transactions per second "
        "(calls above it get ThrottlingException)" + (f"; default {default_tps:g}" if default_tps else ""),
    )
    parser.add_argument(
        "--fault-rate",
        type=_fraction,
        default=0.0,
        help="fraction of AWS IoT calls answered with ServiceUnavailableException/InternalFailureException",
    )
    parser.add_argument(
        "--lambda-crash-rate",
        type=_fraction,
        default=0.0,
        help="fraction of task invocations that crash part-way (after some of their AWS calls)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the fleet and of the injected faults")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ca-revoke",
        description=(
            "Deactivate a compromised AWS IoT CA, revoke every certificate it signed, verify the end state."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="run the whole workflow on the embedded emulator with a seeded fleet"
    )
    demo.add_argument(
        "--certificates",
        type=_positive_int,
        default=1200,
        help="client certificates in the CA's scope: a tenth registered under its intermediate CA, a tenth "
        "registered without a CA (signed by the CA or the intermediate), the rest under the CA "
        "(default 1200)",
    )
    demo.add_argument(
        "--decoys",
        type=_positive_int,
        default=8,
        help="certificates that must stay untouched, spread over four kinds: another CA's, CA-less ones of "
        "another CA, CA-less name-spoofing ones (the CA's name, another key's signature), and those of an "
        "impostor CA carrying the CA's name (default 8)",
    )
    demo.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_fault_options(demo, default_tps=200.0)

    emulator = commands.add_parser("emulator", help="serve the emulator with the workflow deployed")
    emulator.add_argument("--port", type=_port, default=5000, help="loopback port, 1-65535 (default 5000)")
    _add_fault_options(emulator, default_tps=None)

    run = commands.add_parser("run", help="start a revocation execution and optionally wait for its report")
    run.add_argument(
        "--ca-certificate-id", help="the registered CA's certificateId (64 lowercase hex characters)"
    )
    run.add_argument(
        "--ca-certificate-file",
        metavar="FILE",
        help="the CA's PEM certificate, sent as caCertificatePem: names a CA registered here or not "
        "(with --ca-certificate-id too: the same CA); checked locally to be one PEM CA certificate",
    )
    run.add_argument(
        "--input-file", help="a JSON file sent as the execution input as it is (instead of the flags)"
    )
    run.add_argument(
        "--scan-unlinked",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="scan the certificates registered without a CA for those the CA's key signed (default: the "
        "deployment's cdk.json context scanUnlinkedCertificates, true unless changed)",
    )
    run.add_argument("--dry-run", action="store_true", help="change nothing; report what would be done")
    run.add_argument("--target-status", help="REVOKED (default, final) or INACTIVE (reversible quarantine)")
    run.add_argument("--reason", default="", help="why (kept in the report and the notification)")
    run.add_argument("--incident-id", default="", help="your incident or ticket id")
    run.add_argument("--state-machine-arn", help="default: the state machine named iot-ca-revocation")
    run.add_argument(
        "--endpoint-url", help="an AWS-compatible endpoint, e.g. the emulator's http://127.0.0.1:5000"
    )
    run.add_argument(
        "--region", help="AWS Region (default: your AWS configuration; us-east-1 at an endpoint)"
    )
    run.add_argument("--wait", action="store_true", help="wait for the end, show progress, print the report")
    run.add_argument("--json", action="store_true", help="print JSON")

    bench = commands.add_parser("bench", help="benchmark the workflow against the AWS CLI and boto3 loops")
    bench.add_argument("--certificates", type=_positive_int, default=2000)
    bench.add_argument(
        "--iot-tps", type=_tps, default=100.0, help="enforced AWS IoT quota (transactions per second)"
    )
    bench.add_argument(
        "--cli-sample", type=_positive_int, default=50, help="certificates revoked by the AWS CLI loop"
    )
    bench.add_argument("--seed", type=int, default=0)
    bench.add_argument(
        "--list-time-budget",
        type=float,
        default=None,
        help="seconds a listing invocation runs before it returns a continuation marker (default: cdk.json)",
    )
    bench.add_argument("--no-baselines", action="store_true", help="measure the workflow only")
    bench.add_argument("--json", action="store_true")
    diagram = commands.add_parser("diagram", help="the workflow as a Mermaid flowchart, from the ASL")
    target = diagram.add_mutually_exclusive_group()
    target.add_argument("--check", metavar="FILE", help="exit 1 if FILE's diagram block differs from the ASL")
    target.add_argument("--write", metavar="FILE", help="replace FILE's diagram block with the current one")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ca-revoke``; returns the process exit code (cli/exit_codes.py)."""
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from cli.demo import run_demo

        return run_demo(args)
    if args.command == "emulator":
        from cli.serve import serve

        return serve(args)
    if args.command == "run":
        from cli.run import run

        return run(args)
    if args.command == "bench":
        from cli.bench import run_bench

        return run_bench(args)
    if args.command == "diagram":
        from cli.diagram import run_diagram

        return run_diagram(args)
    return exit_codes.BAD_INPUT  # pragma: no cover - argparse refuses unknown commands


if __name__ == "__main__":
    sys.exit(main())
