"""The managed policy a CI pipeline's role needs to start a revocation, follow it and read its report."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge, iam5_resource_finding
from infra.storage import EXECUTIONS_PREFIX

# What ``ca-revoke run --wait``, ``follow`` and ``report`` call (cli/run.py, cli/follow.py,
# cli/workflow.py, cli/history.py), by the resource type the Service Authorization Reference ("Actions,
# resources, and condition keys for AWS Step Functions") gives each action.
STATE_MACHINE_ACTIONS = ("states:StartExecution",)  # resource type stateMachine
EXECUTION_ACTIONS = (  # resource type execution
    "states:DescribeExecution",
    "states:GetExecutionHistory",
    "states:ListMapRuns",
)
MAP_RUN_ACTIONS = ("states:DescribeMapRun",)  # resource type mapRun
REPORT_ACTIONS = ("s3:GetObject",)  # a failed run's report (VerificationFailed names it in its cause)
# ``run --regions`` / ``--all-regions`` find the state machine by name in each Region: ListStateMachines
# has no resource type, so only "*" grants it (Service Authorization Reference, AWS Step Functions).
LIST_ACTIONS = ("states:ListStateMachines",)
# ``run --regions`` reads the CA's PEM where it is registered (cli/regions.py with_ca_pem), so a Region where
# it is not registered still finds what its key signed: resource type cacert (Service Authorization
# Reference, "Actions, resources, and condition keys for AWS IoT").
CA_ACTIONS = ("iot:DescribeCACertificate",)
REPORT_OBJECT = "report.json"  # executions/<execution name>/report.json (docs/data-contract.md)


class CiAccess(Construct):
    """A customer managed policy for CI roles, scoped to this state machine and its report objects:

    - states:StartExecution on the state machine;
    - states:DescribeExecution, GetExecutionHistory and ListMapRuns on its executions
      (``arn:...:execution:<name>:*``);
    - states:DescribeMapRun on its Map Runs (``arn:...:mapRun:<name>/*``: a Map Run ARN is
      ``mapRun:<state machine name>/<Map label>:<Map Run id>``);
    - s3:GetObject on the report objects (``<bucket>/executions/*/report.json``), which the report of a
      failed run is read from. The bucket is SSE-S3 encrypted, so no KMS permission is needed.

    - states:ListStateMachines ("*": the action has no resource type), for ``run --regions`` and
      ``--all-regions``, which find the state machine by name in each Region;
    - iot:DescribeCACertificate on this account's CA certificates (``arn:...:cacert/*``), for
      ``run --regions``, which reads the CA's PEM where it is registered.

    Attach it to the role CI assumes (for GitHub Actions, by OIDC: docs/ci/github-actions-example.yml).
    Follows the Step Functions Developer Guide page "IAM policies for starting and monitoring executions",
    the Service Authorization Reference (Step Functions resource types stateMachine, execution and
    mapRun; Amazon S3 resource type object) and the IAM User Guide page "Managed policies and inline
    policies".

    Attributes:
        policy: the managed policy (unattached).
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, state_machine_name: str, report_bucket: s3.IBucket
    ) -> None:
        """Create the policy.

        Args:
            scope: parent construct.
            construct_id: construct id.
            state_machine_name: the state machine's fixed name.
            report_bucket: the bucket of the reports (executions/<execution name>/report.json).
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
        map_runs = stack.format_arn(
            service="states",
            resource="mapRun",
            resource_name=f"{state_machine_name}/*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        reports = report_bucket.arn_for_objects(f"{EXECUTIONS_PREFIX}*/{REPORT_OBJECT}")
        ca_certificates = stack.format_arn(service="iot", resource="cacert", resource_name="*")
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Start and follow executions of the IoT CA revocation state machine and read their "
            "reports (for CI roles)",
            statements=[
                iam.PolicyStatement(actions=list(STATE_MACHINE_ACTIONS), resources=[machine]),
                iam.PolicyStatement(actions=list(EXECUTION_ACTIONS), resources=[executions]),
                iam.PolicyStatement(actions=list(MAP_RUN_ACTIONS), resources=[map_runs]),
                iam.PolicyStatement(actions=list(REPORT_ACTIONS), resources=[reports]),
                iam.PolicyStatement(actions=list(LIST_ACTIONS), resources=["*"]),
                iam.PolicyStatement(actions=list(CA_ACTIONS), resources=[ca_certificates]),
            ],
        )
        reason = (
            "Execution and Map Run names are chosen when a run starts; the actions are limited to the "
            "executions and Map Runs of this one state machine and to the report objects of its executions."
        )
        for resource in (executions, map_runs, reports):
            acknowledge(self.policy, iam5_resource_finding(self, resource), reason)
        acknowledge(
            self.policy,
            iam5_resource_finding(self, "*"),
            "states:ListStateMachines has no resource type (Service Authorization Reference, AWS Step "
            "Functions); it lists names only, for run --regions.",
        )
        acknowledge(
            self.policy,
            iam5_resource_finding(self, ca_certificates),
            "run --regions reads the named CA's PEM, whose id is known only at run time; "
            "DescribeCACertificate only reads.",
        )
