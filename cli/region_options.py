"""The ``--regions``/``--all-regions`` options of ``run``, ``demo`` and ``emulator`` (parsing, no AWS)."""

from __future__ import annotations

import argparse
import re

# Region names as the AWS General Reference lists them (us-east-1, eu-west-1, us-gov-west-1, ...).
REGION_NAME = re.compile(r"^[a-z]{2}(-(gov|iso[a-z]?))?-[a-z]+-[0-9]{1,2}$")


def region_list(text: str) -> tuple[str, ...]:
    """``us-east-1,eu-west-1`` -> ("us-east-1", "eu-west-1"); argparse error for a bad or repeated name."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    bad = [name for name in names if not REGION_NAME.match(name)]
    if not names or bad or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(
            "expected distinct AWS Region names separated by commas, such as us-east-1,eu-west-1, "
            f"got {text!r}"
        )
    return names


def add_run_region_options(parser: argparse.ArgumentParser) -> None:
    """``run --regions R1,R2`` and ``run --all-regions`` (cli/regions.py)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--regions",
        type=region_list,
        help="revoke in each of these Regions at once (comma-separated) and print one combined report",
    )
    group.add_argument(
        "--all-regions",
        action="store_true",
        help="revoke in every Region of the partition where the state machine is deployed",
    )


def add_emulator_region_option(parser: argparse.ArgumentParser) -> None:
    """``demo --regions`` / ``emulator --regions``: the emulated Regions (default: us-east-1 only)."""
    parser.add_argument(
        "--regions",
        type=region_list,
        help="deploy the workflow in each of these Regions (comma-separated; default: us-east-1 only)",
    )
