"""``ca-revoke``: the operator CLI.

Commands:
  demo      the whole workflow on the embedded emulator, with a seeded fleet
  emulator  serve the emulator, with the workflow deployed, on 127.0.0.1:PORT
  run       start a revocation in AWS (or at --endpoint-url) and optionally wait for its report
  follow    re-attach to an execution, wait for its end, print its report (the exit codes of run --wait)
  report    print the report of a past execution
  bench     the workflow against the AWS CLI and boto3 loops, at an enforced quota
  diagram   the workflow as a Mermaid flowchart generated from the ASL (--check/--write a document)
Exit codes: see cli/exit_codes.py and the README.
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.parse
from collections.abc import Sequence
from typing import Any, NoReturn

from cli import exit_codes
from cli.region_options import add_emulator_region_option, add_run_region_options
from contract.names import RESTORE_STATE_MACHINE_NAME

# arn:<partition>:states:<region>:<account>:execution:<state machine name>:<execution name>
# (AWS Step Functions API reference, DescribeExecution: executionArn).
EXECUTION_ARN = re.compile(r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:\s]+:[^:\s]+$")


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Help that gives every option's default: ``(default: X)``, unless its help already says it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or action.default is argparse.SUPPRESS or "default" in text:
            return text
        if isinstance(action, argparse._StoreTrueAction):
            default = "off"
        elif action.default is None or action.default == "":
            default = "none"
        else:
            default = str(action.default).replace("%", "%%")
        return f"{text} (default: {default})" if text else f"default: {default}"


class CliParser(argparse.ArgumentParser):
    """argparse with one-line errors, no abbreviated options, and unknown options named as unknown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # --dry must not silently mean --dry-run
        kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """One line on stderr naming the problem, and exit 2 (cli/exit_codes.BAD_INPUT)."""
        self.exit(exit_codes.BAD_INPUT, f"{self.prog}: {message} (see {self.prog} --help)\n")

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            parser = self._command_parser(parsed)
            flag = next((extra for extra in extras if extra.startswith("-")), None)
            option = flag.split("=", 1)[0] if flag else ""
            parser.error(f"unknown option {option}" if flag else f"unexpected argument {extras[0]!r}")
        return parsed

    def _command_parser(self, parsed: argparse.Namespace) -> argparse.ArgumentParser:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(parsed, action.dest, None) or "")
                if isinstance(chosen, argparse.ArgumentParser):
                    return chosen
        return self


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {text!r}")
    return value


def _one_or_more(text: str) -> int:
    value = _positive_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {text!r}")
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


def _endpoint_url(text: str) -> str:
    expected = f"expected a URL with its scheme, such as http://127.0.0.1:5000, got {text!r}"
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(expected)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not 0-65535
    except ValueError:
        raise argparse.ArgumentTypeError(expected) from None
    return text


def _execution_arn(text: str) -> str:
    if not EXECUTION_ARN.match(text):
        raise argparse.ArgumentTypeError(
            "expected an execution ARN, arn:aws:states:REGION:ACCOUNT:execution:STATE_MACHINE:NAME "
            f"(printed by ca-revoke run), got {text!r}"
        )
    return text


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint-url",
        type=_endpoint_url,
        help="an AWS-compatible endpoint, with its scheme, e.g. the emulator's http://127.0.0.1:5000 "
        "(default: AWS)",
    )
    parser.add_argument(
        "--region", help="AWS Region (default: your AWS configuration; us-east-1 at an endpoint)"
    )


def _add_fault_options(parser: argparse.ArgumentParser, default_tps: float | None) -> None:
    parser.add_argument(
        "--iot-tps",
        type=_tps,
        default=default_tps,
        help="AWS IoT quota enforced by the emulator for each control-plane API, in transactions per second "
        "(calls above it get ThrottlingException)"
        + (f"; default {default_tps:g}" if default_tps else "; default: none, nothing is refused"),
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
    parser = CliParser(
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
    add_emulator_region_option(demo)
    _add_fault_options(demo, default_tps=200.0)

    emulator = commands.add_parser("emulator", help="serve the emulator with the workflow deployed")
    emulator.add_argument("--port", type=_port, default=5000, help="loopback port, 1-65535 (default 5000)")
    add_emulator_region_option(emulator)
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
    run.add_argument(
        "--target-status", help="REVOKED (final) or INACTIVE (reversible quarantine); default: REVOKED"
    )
    run.add_argument("--reason", default="", help="why (kept in the report and the notification)")
    run.add_argument("--incident-id", default="", help="your incident or ticket id")
    run.add_argument(
        "--registered-after",
        help="ISO 8601 with its UTC offset, e.g. 2026-11-30T08:00:00Z: revoke the certificates registered "
        "after it first, then all the others (default: newest first)",
    )
    run.add_argument("--state-machine-arn", help="default: the state machine named iot-ca-revocation")
    _add_connection_options(run)
    run.add_argument("--wait", action="store_true", help="wait for the end, show progress, print the report")
    run.add_argument("--json", action="store_true", help="print JSON")
    add_run_region_options(run)

    follow = commands.add_parser(
        "follow", help="re-attach to an execution, wait for its end and print its report (exit codes of run)"
    )
    follow.add_argument(
        "execution_arn", metavar="EXECUTION_ARN", type=_execution_arn, help="what run printed"
    )
    _add_connection_options(follow)
    follow.add_argument("--json", action="store_true", help="print the report as JSON")

    restore = commands.add_parser(
        "restore",
        help="undo a quarantine: set back to ACTIVE the certificates a run with target INACTIVE set INACTIVE",
    )
    restore.add_argument(
        "--execution",
        required=True,
        metavar="EXECUTION_ARN",
        type=_execution_arn,
        help="the finished revocation execution (target INACTIVE) whose quarantine to undo",
    )
    restore.add_argument(
        "--include-ca",
        action="store_true",
        help="also set the CAs it deactivated back to their status before it (default: they stay INACTIVE)",
    )
    restore.add_argument(
        "--dry-run", action="store_true", help="change nothing; report what would be restored"
    )
    restore.add_argument("--reason", default="", help="why (kept in the report and the notification)")
    restore.add_argument("--incident-id", default="", help="your incident or ticket id")
    restore.add_argument(
        "--state-machine-arn", help=f"default: the state machine named {RESTORE_STATE_MACHINE_NAME}"
    )
    _add_connection_options(restore)
    restore.add_argument(
        "--wait", action="store_true", help="wait for the end, show progress, print the report"
    )
    restore.add_argument("--json", action="store_true", help="print JSON")

    report = commands.add_parser("report", help="print the report of a past execution")
    report.add_argument(
        "execution_arn", metavar="EXECUTION_ARN", type=_execution_arn, help="what run printed"
    )
    _add_connection_options(report)
    report_format = report.add_mutually_exclusive_group()
    report_format.add_argument("--json", action="store_true", help="print the report as JSON")
    report_format.add_argument(
        "--csv",
        action="store_true",
        help="print the run's affected-Things CSV (certificateId,thingName,statusBefore,statusAfter,outcome)",
    )

    bench = commands.add_parser("bench", help="benchmark the workflow against the AWS CLI and boto3 loops")
    bench.add_argument(
        "--certificates",
        type=_one_or_more,
        default=2000,
        help="client certificates of the seeded CA (1 or more)",
    )
    bench.add_argument(
        "--iot-tps", type=_tps, default=100.0, help="enforced AWS IoT quota (transactions per second)"
    )
    bench.add_argument(
        "--cli-sample", type=_positive_int, default=50, help="certificates revoked by the AWS CLI loop"
    )
    bench.add_argument("--seed", type=int, default=0, help="seed of the fleet")
    bench.add_argument(
        "--list-time-budget",
        type=float,
        default=None,
        help="seconds a listing invocation runs before it returns a continuation marker (default: cdk.json)",
    )
    bench.add_argument("--no-baselines", action="store_true", help="measure the workflow only")
    bench.add_argument("--json", action="store_true", help="print the results as JSON")
    diagram = commands.add_parser("diagram", help="the workflow as a Mermaid flowchart, from the ASL")
    target = diagram.add_mutually_exclusive_group()
    target.add_argument(
        "--check",
        metavar="FILE",
        help="exit 1 if FILE's diagram block differs from the ASL (default: print the diagram)",
    )
    target.add_argument(
        "--write",
        metavar="FILE",
        help="replace FILE's diagram block with the current one (default: print the diagram)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ca-revoke``; returns the process exit code (cli/exit_codes.py)."""
    args = build_parser().parse_args(argv)
    if args.command == "demo" and args.regions:
        from cli.demo_regions import run_demo_regions

        return run_demo_regions(args)
    if args.command == "run" and (args.regions or args.all_regions):
        from cli.regions import run_regions

        return run_regions(args)
    if args.command == "demo":
        from cli.demo import run_demo

        return run_demo(args)
    if args.command == "emulator":
        from cli.serve import serve

        return serve(args)
    if args.command == "run":
        from cli.run import run

        return run(args)
    if args.command == "restore":
        from cli.restore import restore

        return restore(args)
    if args.command == "follow":
        from cli.follow import follow

        return follow(args)
    if args.command == "report":
        from cli.follow import report

        return report(args)
    if args.command == "bench":
        from cli.bench import run_bench

        return run_bench(args)
    if args.command == "diagram":
        from cli.diagram import run_diagram

        return run_diagram(args)
    return exit_codes.BAD_INPUT  # pragma: no cover - argparse refuses unknown commands


if __name__ == "__main__":
    sys.exit(main())
