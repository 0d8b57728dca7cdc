"""cdk-nag 3 wiring: the AwsSolutions pack as a CDK validation plugin, and narrow acknowledgements.

cdk-nag 3 is an ``IPolicyValidationPlugin`` registered with ``Validations.of(app).add_plugins(...)``;
an unacknowledged finding makes ``app.synth()`` raise. Findings are acknowledged per resource with
``Validations.of(construct).acknowledge(...)``; multi-finding rules such as IAM5 are acknowledged one
finding at a time, ``AwsSolutions-IAM5[Resource::<flattened ARN>]``. Follows the cdk-nag README
("Acknowledging a Rule") and the AWS CDK guide page "Policy validation at synthesis time".
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import Construct, IConstruct

# A reason must say why, not just restate the rule.
_MIN_REASON_LENGTH = 40


def add_nag_checks(app: Construct) -> None:
    """Register the AwsSolutions rule pack on ``app`` so that every synth runs it.

    Args:
        app: the App (plugins can only be registered on an App or Stage).

    Raises nothing here; at synth time an unacknowledged finding raises a jsii ``RuntimeError`` whose
    message starts with "ValidationFailed" and lists each rule id and construct path; the same report
    is written to ``<outdir>/validation-report.json``.
    """
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding on ``construct`` and its children only.

    Args:
        construct: the narrowest construct holding the finding (the L2 whose child is the CfnResource).
        rule_id: e.g. ``AwsSolutions-S1`` or ``AwsSolutions-IAM5[Resource::*]``.
        reason: why the finding is accepted; at least 40 characters.

    Raises:
        ValueError: the reason is too short to be a real justification.
    """
    if len(reason.strip()) < _MIN_REASON_LENGTH:
        raise ValueError(f"acknowledgement of {rule_id} needs a real reason, got {reason!r}")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def flatten_reference(scope: IConstruct, value: Any) -> str:
    """Flatten a (token) string the way cdk-nag names IAM5 findings.

    ``{"Fn::GetAtt": ["Bucket", "Arn"]}`` becomes ``<Bucket.Arn>``, ``{"Ref": "AWS::Region"}`` becomes
    ``<AWS::Region>``, and ``Fn::Join`` pieces are joined (cdk-nag ``utils/flatten-cfn-reference``).

    Args:
        scope: any construct of the stack that resolves the token.
        value: a string, possibly containing CDK tokens.

    Returns:
        The flattened string cdk-nag puts after ``Resource::``.
    """
    return flatten_cfn(Stack.of(scope).resolve(value))


def iam5_resource_finding(scope: IConstruct, resource: Any) -> str:
    """The cdk-nag id of the IAM5 finding for a wildcard ``resource`` of a policy statement."""
    return f"AwsSolutions-IAM5[Resource::{flatten_reference(scope, resource)}]"


def flatten_cfn(node: Any) -> str:
    """Flatten a resolved CloudFormation value (string, Ref, Fn::GetAtt, Fn::Join, Fn::Sub) to a string.

    Raises:
        ValueError: ``node`` holds another intrinsic function (cdk-nag would fall back to JSON).
    """
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(flatten_cfn(item) for item in items)
        if "Fn::Sub" in node:
            return flatten_cfn(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_cfn(resource)}.{flatten_cfn(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_cfn(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_cfn(node['Ref'])}>"
    raise ValueError(f"cannot flatten {node!r} the way cdk-nag does")
