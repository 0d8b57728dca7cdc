"""Deploys the workflow into the emulator: the same ASL and handlers as the CDK stack.

The functions (contract.functions), the environment (contract.task_environment) and the substitutions
(contract.asl) are the ones the CDK app uses, from docs/data-contract.md; the settings come from the
cdk.json context (contract.cdk_json, one source of truth with the CDK app).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from contract.asl import definition_substitutions, render_definition
from contract.cdk_json import cdk_json_context
from contract.functions import FUNCTION_SPECS, RESTORE_FUNCTIONS
from contract.names import RESOURCE_PREFIX, RESTORE_STATE_MACHINE_NAME, STATE_MACHINE_NAME
from contract.paths import RESTORE_ASL_PATH
from contract.task_environment import task_environment as contract_task_environment

LOCK_TABLE_NAME = f"{RESOURCE_PREFIX}-locks"
NOTIFICATIONS_NAME = f"{RESOURCE_PREFIX}-notifications"


@dataclass(frozen=True)
class Deployment:
    """What the emulator deployed: the ARNs and names the CLI and tests need."""

    state_machine_arn: str
    report_bucket: str
    notification_topic_arn: str
    notification_queue_url: str
    function_arns: Mapping[str, str]
    lock_table: str = LOCK_TABLE_NAME
    restore_state_machine_arn: str = ""


# The emulator answers in-process, in a few milliseconds (AWS IoT from a Lambda function in the same
# Region: cdk.json's estimate): each child keeps as many calls in flight as this latency needs.
EMULATED_LATENCY: Final = {"updateCertificateLatencyMs": 5}


def deployed_context(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The context the emulator deploys with: cdk.json's, EMULATED_LATENCY, then ``overrides``."""
    return {**cdk_json_context(), **EMULATED_LATENCY, **(overrides or {})}


def task_environment(
    report_bucket: str, overrides: Mapping[str, Any] | None = None, lock_table: str = LOCK_TABLE_NAME
) -> dict[str, str]:
    """The environment of every function, from the deployed context (``deployed_context``)."""
    context = deployed_context(overrides)
    return contract_task_environment(context, report_bucket=report_bucket, lock_table=lock_table)


def _placeholder_zip() -> bytes:
    # moto stores a code package; the code itself runs in-process from lambdas/.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "README.txt", "Handlers run in-process from lambdas/ (emulator/lambda_runtime.py).\n"
        )
    return buffer.getvalue()


def deploy_workflow(client: Any, environment: Mapping[str, str], region: str = "us-east-1") -> Deployment:
    """Create the report bucket, the lock table, the topic (with an SQS queue subscribed, to read
    notifications), the role, the functions and the two state machines (the revocation, and the restore of
    statemachine/restore.asl.json). ``client(service)`` returns a boto3
    client of ``region``. The lock table has the CDK table's key and TTL attribute (moto does not expire
    items).

    Called once per Region for an emulator of several Regions: the regional resources (table, topic,
    queue, functions, state machine) are created in each, as each Region's stack does; the report
    bucket (S3 bucket names are global, Amazon S3 User Guide, "Bucket naming rules") and the role (IAM is
    global) are created by the first call and shared by the others. The tasks read the bucket and table
    names from the one environment of the emulator's process, so every Region uses the same names.
    """
    bucket = environment["REPORT_BUCKET"]
    s3 = client("s3")
    existing = {entry["Name"] for entry in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        # CreateBucket outside us-east-1 names its Region (Amazon S3 API reference, CreateBucket).
        location = (
            {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        s3.create_bucket(Bucket=bucket, **location)
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
    topic_arn = sns.create_topic(Name=NOTIFICATIONS_NAME)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=NOTIFICATIONS_NAME)["QueueUrl"]
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
    iam = client("iam")
    try:
        role_arn = iam.get_role(RoleName=RESOURCE_PREFIX)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role_arn = iam.create_role(RoleName=RESOURCE_PREFIX, AssumeRolePolicyDocument=json.dumps(trust))[
            "Role"
        ]["Arn"]
    code = _placeholder_zip()
    lam = client("lambda")
    arns: dict[str, str] = {}
    for spec in FUNCTION_SPECS:
        arns[spec.logical_name] = lam.create_function(
            FunctionName=f"{RESOURCE_PREFIX}-{spec.logical_name}",
            Runtime="python3.13",
            Role=role_arn,
            Handler=spec.handler,
            Code={"ZipFile": code},
            Timeout=spec.timeout_seconds,
            MemorySize=spec.memory_mb,
            Environment={"Variables": dict(environment)},
        )["FunctionArn"]
    substitutions = definition_substitutions(
        arns, report_bucket_name=bucket, notification_topic_arn=topic_arn, lock_table_name=lock_table
    )
    stepfunctions = client("stepfunctions")
    state_machine_arn = stepfunctions.create_state_machine(
        name=STATE_MACHINE_NAME,
        definition=render_definition(substitutions),
        roleArn=role_arn,
        type="STANDARD",
    )["stateMachineArn"]
    restore_substitutions = definition_substitutions(
        arns,
        report_bucket_name=bucket,
        notification_topic_arn=topic_arn,
        lock_table_name=lock_table,
        functions=RESTORE_FUNCTIONS,
    )
    restore_state_machine_arn = stepfunctions.create_state_machine(
        name=RESTORE_STATE_MACHINE_NAME,
        definition=render_definition(restore_substitutions, RESTORE_ASL_PATH),
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
        restore_state_machine_arn=restore_state_machine_arn,
    )
