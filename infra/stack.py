"""The one stack of the tool, and the App factory shared by app.py and the tests."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from constructs import Construct

from contract.cdk_json import cdk_json_context
from contract.functions import RESTORE_FUNCTIONS
from contract.names import STACK_ID
from contract.paths import REPO_ROOT, RESTORE_ASL_PATH
from infra.ci_access import CiAccess
from infra.functions import RevocationFunctions
from infra.monitoring import Monitoring
from infra.nag import add_nag_checks
from infra.notifications import Notifications
from infra.settings import Settings, parse_regions
from infra.state_machine import RevocationStateMachine
from infra.storage import ReportStorage
from infra.triggers import Triggers


class CaRevocationStack(cdk.Stack):
    """Report storage and lock table, notification topic, the task functions, the revocation state
    machine, the EventBridge triggers, monitoring, and (optionally) the CI access policy.

    Settings are read once from the context (``Settings.from_context``). Outputs: StateMachineArn,
    ReportBucketName, NotificationTopicArn, LockTableName, TriggerDeadLetterQueueUrl, DashboardName,
    and CiAccessPolicyArn when ciAccessPolicy is true. Follows the AWS CDK v2 Developer Guide
    ("Constructs", "Stacks") and docs/data-contract.md.

    Attributes:
        settings, storage, notifications, functions, workflow, triggers, monitoring, ci_access: the
        settings and the constructs (ci_access is None when ciAccessPolicy is false).

    Raises:
        SettingsError: a context value is missing or malformed.
        ValueError: the ASL placeholders differ from the substitutions the stack provides.
    """

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        """Build the stack; ``kwargs`` are ``cdk.Stack`` properties (env, description, ...)."""
        super().__init__(scope, construct_id, **kwargs)
        self.settings = Settings.from_context(self.node)

        self.storage = ReportStorage(
            self, "ReportStorage", retention_days=self.settings.report_retention_days
        )
        self.notifications = Notifications(self, "Notifications")
        self.functions = RevocationFunctions(
            self,
            "RevocationFunctions",
            settings=self.settings,
            storage=self.storage,
            state_machine_name=self.settings.state_machine_name,
        )
        self.workflow = RevocationStateMachine(
            self,
            "RevocationStateMachine",
            settings=self.settings,
            functions=self.functions,
            storage=self.storage,
            notifications=self.notifications,
            # Known at synth time so that the role policy can name the state machine's own executions (see
            # the construct), and so that `ca-revoke run` finds it by name (cli/workflow.py); context
            # stateMachineName (default iot-ca-revocation) lets two deployments share an account and Region.
            state_machine_name=self.settings.state_machine_name,
        )

        # The restore of a quarantine is a state machine of its own (docs/architecture.md, "Restore"):
        # states:StartExecution has no condition key on the execution input (Service Authorization
        # Reference, AWS Step Functions), so only a separate resource lets IAM grant revoking without
        # reactivating. It shares the functions' asset, the lock table, the bucket and the topic.
        self.restore_workflow = RevocationStateMachine(
            self,
            "RestoreStateMachine",
            settings=self.settings,
            functions=self.functions,
            storage=self.storage,
            notifications=self.notifications,
            state_machine_name=self.settings.restore_state_machine_name,
            asl_path=RESTORE_ASL_PATH,
            function_names=RESTORE_FUNCTIONS,
            description="Execution role of the IoT CA quarantine restore state machine",
        )

        self.triggers = Triggers(
            self, "Triggers", settings=self.settings, state_machine=self.workflow.state_machine
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            state_machine=self.workflow.state_machine,
            functions=self.functions.functions,
            notifications=self.notifications,
            dead_letter_queue=self.triggers.dead_letter_queue,
            restore_state_machine=self.restore_workflow.state_machine,
        )
        self.ci_access = (
            CiAccess(
                self,
                "CiAccess",
                state_machine_name=self.settings.state_machine_name,
                report_bucket=self.storage.bucket,
            )
            if self.settings.ci_access_policy
            else None
        )

        cdk.CfnOutput(self, "StateMachineArn", value=self.workflow.state_machine.state_machine_arn)
        cdk.CfnOutput(
            self, "RestoreStateMachineArn", value=self.restore_workflow.state_machine.state_machine_arn
        )
        cdk.CfnOutput(self, "ReportBucketName", value=self.storage.bucket.bucket_name)
        cdk.CfnOutput(self, "NotificationTopicArn", value=self.notifications.topic.topic_arn)
        cdk.CfnOutput(self, "LockTableName", value=self.storage.lock_table.table_name)
        cdk.CfnOutput(self, "TriggerDeadLetterQueueUrl", value=self.triggers.dead_letter_queue.queue_url)
        cdk.CfnOutput(self, "DashboardName", value=self.monitoring.dashboard.dashboard_name)
        if self.ci_access is not None:
            cdk.CfnOutput(
                self,
                "CiAccessPolicyArn",
                value=self.ci_access.policy.managed_policy_arn,
                description="Attach to the role your CI assumes to start and follow revocations",
            )


def default_environment() -> cdk.Environment | None:
    """Account and Region from CDK_DEFAULT_ACCOUNT/CDK_DEFAULT_REGION when both are set, else None.

    None makes the stack environment-agnostic (``AWS::AccountId``/``AWS::Region`` resolve at deploy).
    """
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    return cdk.Environment(account=account, region=region) if account and region else None


STACK_DESCRIPTION = "Deactivates a compromised AWS IoT CA and revokes every client certificate it signed"


def regional_stack_id(region: str) -> str:
    """The stack id (and CloudFormation stack name) in ``region``, e.g. CaRevocationStack-us-east-1."""
    return f"{STACK_ID}-{region}"


def build_stacks(
    *,
    outdir: str | None = None,
    context: Mapping[str, Any] | None = None,
    nag: bool = True,
) -> tuple[cdk.App, list[CaRevocationStack]]:
    """Build the App with one stack per Region of context ``regions``, and (by default) cdk-nag.

    ``regions`` empty (cdk.json's default): the one stack ``CaRevocationStack`` of the environment
    (``default_environment``), as before, so that an existing single-Region deployment keeps its stack.
    ``regions`` a list (or ``-c regions=us-east-1,eu-west-1``): one stack per Region, named
    ``CaRevocationStack-<region>``, pinned to that Region (and to CDK_DEFAULT_ACCOUNT when set), all in
    one app, so ``cdk deploy --all`` deploys every Region (AWS CDK v2 Developer Guide, "Environments":
    a stack's env names the account and Region it deploys to; one app may hold stacks of many).

    The cdk.json context is passed explicitly so that ``python app.py`` works without the CDK CLI; the
    CLI's own context (cdk.json, cdk.context.json, ``-c``) arrives through CDK_CONTEXT_JSON and wins.

    Args:
        outdir: cloud assembly directory; default CDK_OUTDIR (set by the CLI) or ``<repo>/cdk.out``.
        context: extra context applied over cdk.json (tests use it to vary settings).
        nag: register the AwsSolutions checks (synth then raises on an unacknowledged finding).

    Returns:
        (app, stacks in the order of ``regions``); call ``app.synth()`` to write the cloud assembly.

    Raises:
        SettingsError: ``regions`` (or another context value) is malformed.
    """
    merged = {**cdk_json_context(), **(context or {})}
    app = cdk.App(outdir=outdir or os.environ.get("CDK_OUTDIR") or str(REPO_ROOT / "cdk.out"), context=merged)
    regions = parse_regions(app.node.try_get_context("regions"))
    if not regions:
        stacks = [CaRevocationStack(app, STACK_ID, env=default_environment(), description=STACK_DESCRIPTION)]
    else:
        account = os.environ.get("CDK_DEFAULT_ACCOUNT") or None
        stacks = [
            CaRevocationStack(
                app,
                regional_stack_id(region),
                env=cdk.Environment(account=account, region=region),
                description=f"{STACK_DESCRIPTION} (Region {region})",
            )
            for region in regions
        ]
    if nag:
        add_nag_checks(app)
    return app, stacks


def build_app(
    *,
    outdir: str | None = None,
    context: Mapping[str, Any] | None = None,
    nag: bool = True,
) -> tuple[cdk.App, CaRevocationStack]:
    """``build_stacks``, returning the app and its first stack (the only one without ``regions``)."""
    app, stacks = build_stacks(outdir=outdir, context=context, nag=nag)
    return app, stacks[0]
