"""The Lambda tasks of the workflow (FUNCTION_SPECS), built from the one asset ``lambdas/``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct
from revocation_common.vocabulary import RESTORE_STATE_MACHINE_SUFFIX

from contract.functions import FUNCTION_SPECS
from contract.paths import LAMBDAS_DIR
from infra.nag import acknowledge, iam5_resource_finding
from infra.settings import Settings
from infra.storage import ReportStorage

# Left out of the asset: byte code and test/tool caches are rebuilt or useless in Lambda.
ASSET_EXCLUDE: Final = (
    "__pycache__",
    "**/__pycache__",
    "*.pyc",
    "**/*.pyc",
    "tests",
    "**/tests",
    ".pytest_cache",
    "**/.pytest_cache",
    ".mypy_cache",
    "**/.mypy_cache",
)

RUNTIME: Final = lambda_.Runtime.PYTHON_3_13


class RevocationFunctions(Construct):
    """The task functions (FUNCTION_SPECS), one asset, one execution role each with exactly the contract's
    permissions.

    Every function: runtime python3.13 on x86_64, the Powertools for AWS Lambda (Python) v3 layer whose
    ARN CloudFormation reads from the public SSM parameter at deploy time, X-Ray tracing ACTIVE, its own
    log group with the configured retention (the ``logGroup`` property, not the deprecated
    ``logRetention`` custom resource), and the same environment (docs/data-contract.md).

    IAM follows docs/data-contract.md and the Service Authorization Reference page "Actions, resources,
    and condition keys for AWS IoT": UpdateCACertificate/DescribeCACertificate act on the ``cacert``
    resource type, UpdateCertificate/DescribeCertificate on ``cert``, and ListCACertificates,
    ListCertificates and ListCertificatesByCA have no resource type, so DiscoverScope gets these three,
    and only these, on ``*``, in a policy of its own. VerifyRevocation makes no AWS IoT call: the
    re-discovery (DiscoverScope) read AWS IoT. AcquireLock reads and writes the lock table's items and
    describes the executions of both state machines (is a lock's holder still running?). The restore's
    tasks: PrepareRestore describes the revocation's executions and reads/writes executions/*;
    RestoreCertificates has RevokeCertificates' permissions; FinishRestore lists (ListCertificatesByCA on
    ``*``), describes certificates and CAs and sets CAs back (UpdateCACertificate on ``cacert``).

    Attributes:
        functions: logical name (see FUNCTION_SPECS) -> function.
        roles: logical name -> execution role.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        storage: ReportStorage,
        state_machine_name: str,
    ) -> None:
        """Create the functions.

        Args:
            scope: parent construct.
            construct_id: construct id.
            settings: validated deployment settings.
            storage: the report bucket the functions read and write under ``executions/``, and the lock
                table.
            state_machine_name: the state machine's fixed name (AcquireLock describes its executions).
        """
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        code = lambda_.Code.from_asset(str(LAMBDAS_DIR), exclude=list(ASSET_EXCLUDE))
        layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            ssm.StringParameter.value_for_string_parameter(self, settings.powertools_layer_parameter),
        )
        environment = settings.lambda_environment(storage.bucket.bucket_name, storage.lock_table.table_name)

        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        for spec in FUNCTION_SPECS:
            role = iam.Role(
                self,
                f"{spec.logical_name}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"Execution role of the {spec.logical_name} task of the IoT CA revocation",
            )
            log_group = logs.LogGroup(self, f"{spec.logical_name}LogGroup", retention=settings.log_retention)
            function = lambda_.Function(
                self,
                spec.logical_name,
                description=f"IoT CA revocation: {spec.logical_name}",
                runtime=RUNTIME,
                architecture=lambda_.Architecture.X86_64,
                code=code,
                handler=spec.handler,
                timeout=Duration.seconds(spec.timeout_seconds),
                memory_size=spec.memory_mb,
                environment=environment,
                layers=[layer],
                tracing=lambda_.Tracing.ACTIVE,
                log_group=log_group,
                role=role,
            )
            log_group.grant_write(role)
            self.functions[spec.logical_name] = function
            self.roles[spec.logical_name] = role

            acknowledge(
                function,
                "AwsSolutions-L1",
                "docs/data-contract.md pins python3.13 and the Powertools v3 layer parameter in cdk.json is "
                "the python3.13 x86_64 build; a newer runtime must change the contract and the layer "
                "parameter together.",
            )
            default_policy = role.node.find_child("DefaultPolicy")
            acknowledge(
                default_policy,
                "AwsSolutions-IAM5[Resource::*]",
                "Added by Lambda active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support "
                "no resource-level permissions (Service Authorization Reference, AWS X-Ray).",
            )

        cacert_arn = stack.format_arn(
            service="iot", resource="cacert", resource_name="*", arn_format=ArnFormat.SLASH_RESOURCE_NAME
        )
        cert_arn = stack.format_arn(
            service="iot", resource="cert", resource_name="*", arn_format=ArnFormat.SLASH_RESOURCE_NAME
        )
        objects_arn = storage.objects_arn()
        # The readers of objects that may be missing (DiscoverScope's page-index parts, RevokeCertificates'
        # outcomes of a page not yet done, VerifyRevocation's outcomes of a failed page, the restore's
        # quarantine report and ca-states): without s3:ListBucket, GetObject of a missing key answers 403
        # AccessDenied, not 404 NoSuchKey (Amazon S3 API reference, GetObject, "Permissions"). On the
        # bucket, with no s3:prefix condition: that page does not say S3 evaluates one for that decision,
        # and a 403 there would stop every child after the CAs are deactivated. The bucket holds only
        # this stack's executions/, so listing it reveals nothing these readers cannot already read.
        missing_objects_read_as_missing = iam.PolicyStatement(
            actions=["s3:ListBucket"], resources=[storage.bucket.bucket_arn]
        )

        self._grant(
            "DeactivateCa",
            [
                _allow(["iot:DescribeCACertificate", "iot:UpdateCACertificate"], [cacert_arn]),
                _allow(["s3:GetObject", "s3:PutObject"], [objects_arn]),
            ],
            wildcard_reasons={cacert_arn: _CACERT_REASON, objects_arn: _OBJECTS_REASON},
        )
        self._grant(
            "DiscoverScope",
            [
                _allow(["iot:ListCACertificates", "iot:ListCertificates", "iot:ListCertificatesByCA"], ["*"]),
                _allow(["iot:DescribeCACertificate"], [cacert_arn]),
                _allow(["iot:DescribeCertificate"], [cert_arn]),
                _allow(["s3:GetObject", "s3:PutObject"], [objects_arn]),
                missing_objects_read_as_missing,
            ],
            wildcard_reasons={
                "*": _LISTINGS_REASON,
                cacert_arn: _CACERT_REASON,
                cert_arn: _CERT_REASON,
                objects_arn: _OBJECTS_REASON,
            },
        )
        self._grant(
            "RevokeCertificates",
            [
                _allow(["iot:UpdateCertificate", "iot:DescribeCertificate"], [cert_arn]),
                # The affected Things of each certificate (cdk.json listAffectedThings). Service Authorization
                # Reference, "Actions, resources, and condition keys for AWS IoT": iot:ListPrincipalThings
                # has no resource type, so it can only be granted on "*" (a cert/* resource would never
                # match and AWS would deny the call).
                _allow(["iot:ListPrincipalThings"], ["*"]),
                _allow(["s3:GetObject", "s3:PutObject"], [objects_arn]),
                missing_objects_read_as_missing,
            ],
            wildcard_reasons={
                "*": _PRINCIPAL_THINGS_REASON,
                cert_arn: _CERT_REASON,
                objects_arn: _OBJECTS_REASON,
            },
        )
        self._grant(
            "RestoreCertificates",
            [
                _allow(["iot:UpdateCertificate", "iot:DescribeCertificate"], [cert_arn]),
                _allow(["s3:GetObject", "s3:PutObject"], [objects_arn]),
            ],
            wildcard_reasons={cert_arn: _CERT_REASON, objects_arn: _OBJECTS_REASON},
        )
        self._grant(
            "VerifyRevocation",
            [
                # No AWS IoT call: the re-discovery (DiscoverScope, purpose verify) re-read AWS IoT and
                # wrote what it found under verify/; this function compares it with the target.
                _allow(["s3:GetObject", "s3:PutObject"], [objects_arn]),
                missing_objects_read_as_missing,
            ],
            wildcard_reasons={objects_arn: _OBJECTS_REASON},
        )
        executions_arn, restore_executions_arn = (
            stack.format_arn(
                service="states",
                resource="execution",
                resource_name=f"{name}:*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for name in (state_machine_name, f"{state_machine_name}{RESTORE_STATE_MACHINE_SUFFIX}")
        )
        self._grant(
            "AcquireLock",
            [
                _allow(["dynamodb:PutItem", "dynamodb:GetItem"], [storage.lock_table.table_arn]),
                # A lock's holder is a revocation or a restore execution (they share the lock).
                _allow(["states:DescribeExecution"], [executions_arn, restore_executions_arn]),
            ],
            wildcard_reasons={executions_arn: _EXECUTIONS_REASON, restore_executions_arn: _EXECUTIONS_REASON},
        )
        # The restore state machine's tasks (statemachine/restore.asl.json).
        self._grant(
            "PrepareRestore",
            [
                # Is the named revocation execution finished? Only that state machine's executions.
                _allow(["states:DescribeExecution"], [executions_arn]),
                _allow(["s3:GetObject", "s3:PutObject"], [objects_arn]),
                missing_objects_read_as_missing,
            ],
            wildcard_reasons={executions_arn: _EXECUTIONS_REASON, objects_arn: _OBJECTS_REASON},
        )
        self._grant(
            "FinishRestore",
            [
                _allow(["iot:ListCertificatesByCA"], ["*"]),
                _allow(["iot:DescribeCACertificate", "iot:UpdateCACertificate"], [cacert_arn]),
                _allow(["iot:DescribeCertificate"], [cert_arn]),
                _allow(["s3:GetObject", "s3:PutObject"], [objects_arn]),
                missing_objects_read_as_missing,
            ],
            wildcard_reasons={
                "*": _LISTINGS_REASON,
                cacert_arn: _CACERT_REASON,
                cert_arn: _CERT_REASON,
                objects_arn: _OBJECTS_REASON,
            },
        )
        # NormalizeInput and SummarizeFailure make no AWS call: nothing beyond their log groups and X-Ray.

    def _grant(
        self,
        logical_name: str,
        statements: Sequence[iam.PolicyStatement],
        *,
        wildcard_reasons: dict[str, str],
    ) -> None:
        """Attach the contract permissions of one function as a policy of their own.

        A separate policy (not the role's DefaultPolicy, which CDK fills with logs and X-Ray) keeps each
        cdk-nag acknowledgement on the one policy it is about. The function depends on the policy so
        that no invocation can start before its permissions exist.
        """
        policy = iam.Policy(
            self, f"{logical_name}Permissions", statements=list(statements), roles=[self.roles[logical_name]]
        )
        self.functions[logical_name].node.add_dependency(policy)
        for resource, reason in wildcard_reasons.items():
            acknowledge(policy, iam5_resource_finding(self, resource), reason)


def _allow(actions: list[str], resources: list[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(actions=actions, resources=resources)


_CACERT_REASON = (
    "The compromised CA is a run-time input (caCertificateId); the actions are limited to the cacert "
    "resource type of this account and Region."
)
_CERT_REASON = (
    "The certificates in scope are discovered at run time (ListCertificatesByCA, ListCertificates); the "
    "actions are "
    "limited to the cert resource type of this account and Region."
)
_LISTINGS_REASON = (
    "iot:ListCACertificates, iot:ListCertificates and iot:ListCertificatesByCA have no resource type in "
    "the Service Authorization Reference (AWS IoT), so they can only be granted on '*'; they are the only "
    "actions of this policy on '*'."
)
_PRINCIPAL_THINGS_REASON = (
    "iot:ListPrincipalThings (the Things attached to each certificate in scope) has no resource type in the "
    "Service Authorization Reference (AWS IoT), so it can only be granted on '*'; it is the only action of "
    "this policy on '*', and it only reads."
)
_EXECUTIONS_REASON = (
    "A lock's holder is an execution whose name is known only at run time; DescribeExecution is limited "
    "to the executions of this one state machine."
)
_OBJECTS_REASON = (
    "Object keys contain the execution name, known only at run time; access is limited to the "
    "executions/ prefix of the report bucket."
)
