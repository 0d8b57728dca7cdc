"""The Standard state machine, defined by statemachine/revoke_ca.asl.json with definition substitutions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from aws_cdk import ArnFormat, Aws, Fn, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from contract.asl import asl_placeholders, definition_substitutions
from contract.functions import REVOCATION_FUNCTIONS
from contract.paths import ASL_PATH
from infra.functions import RevocationFunctions
from infra.nag import acknowledge, iam5_resource_finding
from infra.notifications import PUBLISHER_KEY_ACTIONS, Notifications
from infra.settings import Settings
from infra.storage import ReportStorage

# Step Functions Developer Guide, "Logging in CloudWatch Logs": the log group of a state machine's
# vended logs goes under /aws/vendedlogs/, where the CloudWatch Logs resource policy that log delivery
# needs stays small (Step Functions adds no per-group policy statements there).
VENDED_LOGS_PREFIX: Final = "/aws/vendedlogs/states/"

# State machine names: 1-80 characters of letters, digits, '-' and '_' (CreateStateMachine, name).
_STATE_MACHINE_NAME: Final = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def distributed_maps(definition: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Yield ``(state name, state)`` for every Map state in DISTRIBUTED mode, at any nesting depth."""
    for name, state in definition.get("States", {}).items():
        if state.get("Type") == "Map":
            processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            if processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
                yield name, state
            yield from distributed_maps(processor)
        elif state.get("Type") == "Parallel":
            for branch in state.get("Branches", []):
                yield from distributed_maps(branch)


class RevocationStateMachine(Construct):
    """Standard workflow read from the ASL file, with logging ALL (execution data included) and X-Ray.

    The definition is passed as a string with ``definition_substitutions`` (not rebuilt with CDK state
    classes), so the emulator, the tests and CloudFormation all run the same file. The role gets exactly:
    ``lambda:InvokeFunction`` on the task functions (ARN and ARN:* for versions and aliases);
    ``s3:GetObject``/``s3:PutObject`` on ``executions/*`` for the Map ItemReader and ResultWriter (plus
    the multipart actions ResultWriter uses, when the ASL has one); ``states:StartExecution`` on itself,
    ``states:DescribeExecution``/``StopExecution`` on its own executions and its Distributed Map child
    executions, ``states:RedriveExecution`` on the child executions (redriving a Map Run);
    ``sns:Publish`` on the topic and ``kms:GenerateDataKey``/``kms:Decrypt`` on its key;
    ``dynamodb:DeleteItem`` on the lock table (ReleaseLock, ReleaseLockAfterFailure); and, added by CDK,
    CloudWatch Logs delivery and X-Ray. The state
    machine's ARN is built from its fixed name with ``Stack.format_arn``, because referencing the
    resource from its own role policy would be circular.

    Follows the Step Functions Developer Guide pages "IAM policies for using Distributed Map states",
    "Logging in CloudWatch Logs" and "Trace Step Functions request data in AWS X-Ray".

    Attributes:
        state_machine: the state machine.
        log_group: its execution log group.
        substitutions: placeholder name -> value (tokens), exactly the contract's placeholders.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        functions: RevocationFunctions,
        storage: ReportStorage,
        notifications: Notifications,
        state_machine_name: str,
        asl_path: Path = ASL_PATH,
        function_names: Sequence[str] = REVOCATION_FUNCTIONS,
        description: str = "Execution role of the IoT CA revocation state machine",
    ) -> None:
        """Create the state machine, its role and its log group.

        Args:
            scope: parent construct.
            construct_id: construct id.
            settings: validated deployment settings (log retention).
            functions: the task functions.
            storage: the report bucket.
            notifications: the notification topic.
            state_machine_name: fixed name, 1-80 of [A-Za-z0-9_-], unique in the account and Region.
            asl_path: the ASL file.
            function_names: the task functions the ASL calls (REVOCATION_FUNCTIONS, or RESTORE_FUNCTIONS
                for statemachine/restore.asl.json); the role may invoke these and no other.
            description: the role's description.

        Raises:
            ValueError: the name is not valid, the ASL is not JSON, or its placeholders differ from the
                substitutions (each missing and unexpected name is listed).
        """
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        if Token.is_unresolved(state_machine_name) or not _STATE_MACHINE_NAME.match(state_machine_name):
            raise ValueError(f"state machine name must be 1-80 of [A-Za-z0-9_-], got {state_machine_name!r}")

        definition = asl_path.read_text(encoding="utf-8")
        try:
            parsed = json.loads(definition)
        except json.JSONDecodeError as error:
            raise ValueError(f"{asl_path} is not valid JSON: {error}") from error

        self.substitutions: dict[str, str] = definition_substitutions(
            {name: function.function_arn for name, function in functions.functions.items()},
            report_bucket_name=storage.bucket.bucket_name,
            notification_topic_arn=notifications.topic.topic_arn,
            lock_table_name=storage.lock_table.table_name,
            functions=function_names,
        )
        found = asl_placeholders(definition)
        if found != set(self.substitutions):
            raise ValueError(
                f"{asl_path}: placeholders differ from the definition substitutions; "
                f"missing in the ASL: {sorted(set(self.substitutions) - found)}, "
                f"unknown to the stack: {sorted(found - set(self.substitutions))}"
            )

        # Named after the state machine, with the stack's own id (a UUID per stack creation) appended: two
        # deployments never share it, and a log group retained from a deleted stack never blocks a new one.
        stack_uuid = Fn.select(2, Fn.split("/", Aws.STACK_ID))
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=f"{VENDED_LOGS_PREFIX}{state_machine_name}-{stack_uuid}",
            retention=settings.log_retention,
        )
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=description,
        )

        findings: list[tuple[str, str]] = []  # (cdk-nag finding id, reason) of the role's policy

        # Lambda: the ASL calls the functions by ARN; ARN:* also allows a version or alias.
        for function in (functions.functions[name] for name in function_names):
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"],
                    resources=[function.function_arn, f"{function.function_arn}:*"],
                )
            )
            findings.append(
                (
                    iam5_resource_finding(self, f"{function.function_arn}:*"),
                    "ARN:* covers the published versions and aliases of this one task function only; the "
                    "Lambda task may be invoked through a qualified ARN.",
                )
            )

        # S3: ItemReader reads the manifest, ResultWriter writes the Map results (both under executions/).
        uses_result_writer = any("ResultWriter" in state for _, state in distributed_maps(parsed))
        s3_actions = ["s3:GetObject", "s3:PutObject"]
        if uses_result_writer:
            # ResultWriter uploads large result files in parts (Step Functions guide, ResultWriter).
            s3_actions += ["s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]
        role.add_to_policy(iam.PolicyStatement(actions=s3_actions, resources=[storage.objects_arn()]))
        findings.append(
            (
                iam5_resource_finding(self, storage.objects_arn()),
                "The manifest key and the Map result prefix contain the execution name, known only at run "
                "time; access is limited to the executions/ prefix of the report bucket.",
            )
        )

        # Step Functions: Distributed Map child executions run as executions of this state machine.
        state_machine_arn = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=state_machine_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        execution_arns = [self._execution_arn(stack, f"{state_machine_name}:*")]
        # Child execution ARNs are <name>/<Map Run label>:<id>; without a Label the label is generated.
        child_execution_arns = sorted(
            {
                self._execution_arn(
                    stack,
                    f"{state_machine_name}/{state['Label']}:*"
                    if "Label" in state
                    else f"{state_machine_name}/*",
                )
                for _, state in distributed_maps(parsed)
            }
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["states:StartExecution"], resources=[state_machine_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:StopExecution"],
                resources=execution_arns + child_execution_arns,
            )
        )
        if child_execution_arns:
            # Redriving a parent execution redrives its Map Run's failed child executions.
            role.add_to_policy(
                iam.PolicyStatement(actions=["states:RedriveExecution"], resources=child_execution_arns)
            )
        for arn in execution_arns + child_execution_arns:
            findings.append(
                (
                    iam5_resource_finding(self, arn),
                    "Execution names are generated at run time; the pattern matches only the executions "
                    "(and Distributed Map child executions) of this one state machine.",
                )
            )

        # SNS: Notify and NotifyFailure publish to a topic encrypted with a customer managed key.
        role.add_to_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[notifications.topic.topic_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=PUBLISHER_KEY_ACTIONS, resources=[notifications.key.key_arn])
        )
        # DynamoDB: the lock is released by the state machine itself (optimized DynamoDB integration).
        role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:DeleteItem"], resources=[storage.lock_table.table_arn])
        )

        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(definition),
            definition_substitutions=self.substitutions,
            role=role,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
            tracing_enabled=True,
        )
        findings.append(
            (
                "AwsSolutions-IAM5[Resource::*]",
                "Added by CDK for execution logging and tracing: the CloudWatch Logs delivery actions "
                "(logs:CreateLogDelivery, ...) and the X-Ray actions support only '*' (Step Functions "
                "guide, 'IAM policies for logging to CloudWatch Logs'; Service Authorization Reference, "
                "X-Ray).",
            )
        )
        # Acknowledged on the role's policy, the one resource that holds these statements.
        default_policy = role.node.find_child("DefaultPolicy")
        for finding, reason in findings:
            acknowledge(default_policy, finding, reason)

    @staticmethod
    def _execution_arn(stack: Stack, resource_name: str) -> str:
        return stack.format_arn(
            service="states",
            resource="execution",
            resource_name=resource_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
