"""Deploys the workflow into the emulator: the same ASL and handlers as the CDK stack.

The functions, environment and substitutions follow docs/data-contract.md; the settings come from the
cdk.json context (one source of truth with the CDK app).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.function_specs import FUNCTION_SPECS
from infra.task_environment import task_environment as infra_task_environment

REPO_ROOT = Path(__file__).resolve().parents[1]
ASL_PATH = REPO_ROOT / "statemachine" / "revoke_ca.asl.json"
CDK_JSON = REPO_ROOT / "cdk.json"
STATE_MACHINE_NAME = "iot-ca-revocation"
LOCK_TABLE_NAME = "iot-ca-revocation-locks"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")


@dataclass(frozen=True)
class Deployment:
    """What the emulator deployed: the ARNs and names the CLI and tests need."""

    state_machine_arn: str
    report_bucket: str
    notification_topic_arn: str
    notification_queue_url: str
    function_arns: Mapping[str, str]
    lock_table: str = LOCK_TABLE_NAME


def cdk_context() -> dict[str, Any]:
    """The "context" object of cdk.json."""
    return dict(json.loads(CDK_JSON.read_text())["context"])


def task_environment(
    report_bucket: str, overrides: Mapping[str, Any] | None = None, lock_table: str = LOCK_TABLE_NAME
) -> dict[str, str]:
    """The environment of every function, from cdk.json context with ``overrides`` (context keys)."""
    context = {**cdk_context(), **(overrides or {})}
    return infra_task_environment(context, report_bucket=report_bucket, lock_table=lock_table)


def render_definition(substitutions: Mapping[str, str]) -> str:
    """The ASL with every ${Placeholder} replaced, as CDK's definition_substitutions does.

    Raises KeyError naming a placeholder without a substitution.
    """
    text = ASL_PATH.read_text()
    return PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], text)


def _placeholder_zip() -> bytes:
    # moto stores a code package; the code itself runs in-process from lambdas/.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "README.txt", "Handlers run in-process from lambdas/ (emulator/lambda_runtime.py).\n"
        )
    return buffer.getvalue()


def deploy_workflow(client: Any, environment: Mapping[str, str]) -> Deployment:
    """Create the report bucket, the lock table, the topic (with an SQS queue subscribed, to read
    notifications), the role, the functions and the state machine. ``client(service)`` returns a boto3
    client. The lock table has the CDK table's key and TTL attribute (moto does not expire items).
    """
    bucket = environment["REPORT_BUCKET"]
    client("s3").create_bucket(Bucket=bucket)
    lock_table = environment["LOCK_TABLE"]
    dynamodb = client("dynamodb")
    dynamodb.create_table(
        TableName=lock_table,
        KeySchema=[{"AttributeName": "caCertificateId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "caCertificateId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=lock_table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
    )
    sns, sqs = client("sns"), client("sqs")
    topic_arn = sns.create_topic(Name="iot-ca-revocation-notifications")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="iot-ca-revocation-notifications")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role_arn = client("iam").create_role(
        RoleName="iot-ca-revocation", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    code = _placeholder_zip()
    lam = client("lambda")
    arns: dict[str, str] = {}
    for spec in FUNCTION_SPECS:
        arns[spec.logical_name] = lam.create_function(
            FunctionName=f"iot-ca-revocation-{spec.logical_name}",
            Runtime="python3.13",
            Role=role_arn,
            Handler=spec.handler,
            Code={"ZipFile": code},
            Timeout=spec.timeout_seconds,
            MemorySize=spec.memory_mb,
            Environment={"Variables": dict(environment)},
        )["FunctionArn"]
    substitutions = {spec.placeholder: arns[spec.logical_name] for spec in FUNCTION_SPECS}
    substitutions["ReportBucketName"] = bucket
    substitutions["NotificationTopicArn"] = topic_arn
    substitutions["LockTableName"] = lock_table
    state_machine_arn = client("stepfunctions").create_state_machine(
        name=STATE_MACHINE_NAME,
        definition=render_definition(substitutions),
        roleArn=role_arn,
        type="STANDARD",
    )["stateMachineArn"]
    return Deployment(
        state_machine_arn=state_machine_arn,
        report_bucket=bucket,
        notification_topic_arn=topic_arn,
        notification_queue_url=queue_url,
        function_arns=arns,
        lock_table=lock_table,
    )
