"""The managed policy a CI pipeline's role needs to start a revocation and follow it."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.nag import acknowledge, iam5_resource_finding


class CiAccess(Construct):
    """A customer managed policy: states:StartExecution on this state machine and states:DescribeExecution
    on its executions, nothing else.

    Attach it to the role CI assumes (for GitHub Actions, by OIDC: docs/ci/github-actions-example.yml).
    With it, ``ca-revoke run --state-machine-arn ARN --wait`` starts an execution and follows it to its
    end; its progress view and the S3 report of a failed run are best effort and need more (optional).
    Follows the Step Functions Developer Guide page "IAM policies for starting and monitoring executions"
    and the IAM User Guide page "Managed policies and inline policies".

    Attributes:
        policy: the managed policy (unattached).
    """

    def __init__(self, scope: Construct, construct_id: str, *, state_machine_name: str) -> None:
        """Create the policy.

        Args:
            scope: parent construct.
            construct_id: construct id.
            state_machine_name: the state machine's fixed name.
        """
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        machine = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=state_machine_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        executions = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Start and follow executions of the IoT CA revocation state machine (for CI roles)",
            statements=[
                iam.PolicyStatement(actions=["states:StartExecution"], resources=[machine]),
                iam.PolicyStatement(actions=["states:DescribeExecution"], resources=[executions]),
            ],
        )
        acknowledge(
            self.policy,
            iam5_resource_finding(self, executions),
            "Execution names are chosen when a run starts; DescribeExecution is limited to the executions "
            "of this one state machine.",
        )
