"""The whole synthesized CaRevocationStack: least privilege across its roles, the asset, the outputs,
cdk-nag, and the settings read from cdk.json.

These are the tests that need the whole app (tests/support/synth.py synthesizes it once per process);
each construct is tested alone in a fresh Stack by tests/infra/test_<construct>.py. All need Node.js
(jsii), hence the ``synth`` marker.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from aws_cdk import App, CfnElement, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

import infra.nag
from contract.cdk_json import cdk_json_context
from contract.functions import FUNCTION_SPECS, RESTORE_FUNCTIONS, REVOCATION_FUNCTIONS
from infra.nag import add_nag_checks, flatten_cfn
from infra.settings import CONTEXT_KEYS, Settings, SettingsError
from infra.stack import build_app, default_environment
from tests.support.synth import STAR_RESOURCE_ACTIONS, Synthesized

pytestmark = pytest.mark.synth

CACERT = "arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:cacert/*"
CERT = "arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:cert/*"


# --------------------------------------------------------------------------------------------------
# helpers


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _logical_id(synth: Synthesized, construct: Any) -> str:
    return synth.stack.get_logical_id(cast(CfnElement, construct.node.default_child))


def _identity_statements(synth: Synthesized) -> list[tuple[str, dict[str, Any]]]:
    """(policy logical id, statement) of every Allow statement of every identity policy."""
    found: list[tuple[str, dict[str, Any]]] = []
    for logical_id, resource in synth.resources.items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(props["PolicyDocument"])
        if resource["Type"] == "AWS::IAM::Role":
            documents += [p["PolicyDocument"] for p in props.get("Policies", [])]
            assert not props.get("ManagedPolicyArns"), f"{logical_id} has managed policies"
        for document in documents:
            found += [(logical_id, s) for s in document["Statement"] if s["Effect"] == "Allow"]
    return found


def _role_statements(synth: Synthesized, role_id: str) -> list[dict[str, Any]]:
    statements = []
    for resource in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in resource["Properties"]["Roles"]:
            statements += [
                s for s in resource["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
            ]
    return statements


def _functions_by_name(synth: Synthesized) -> dict[str, dict[str, Any]]:
    by_handler = {r["Properties"]["Handler"]: r for r in synth.of_type("AWS::Lambda::Function").values()}
    return {spec.logical_name: by_handler[spec.handler] for spec in FUNCTION_SPECS}


def _grants(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """{(action, flattened resource)} of a list of statements."""
    return {
        (action, flatten_cfn(resource))
        for s in statements
        for action in _as_list(s["Action"])
        for resource in _as_list(s["Resource"])
    }


# --------------------------------------------------------------------------------------------------
# the state machine


@pytest.mark.parametrize(
    ("machine_name", "function_names", "map_label"),
    [
        ("iot-ca-revocation", REVOCATION_FUNCTIONS, "RevokeCertificatePages"),
        ("iot-ca-revocation-restore", RESTORE_FUNCTIONS, "RestoreCertificatePages"),
    ],
)
def test_state_machine_role_has_exactly_the_workflow_permissions(
    synthesized: Synthesized, machine_name: str, function_names: tuple[str, ...], map_label: str
) -> None:
    """Each state machine's role may invoke only the functions its ASL calls: the revocation's role can
    never run the restore's tasks, nor the other way round."""
    (machine,) = [
        m
        for m in synthesized.of_type("AWS::StepFunctions::StateMachine").values()
        if m["Properties"]["StateMachineName"] == machine_name
    ]
    role_id = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    name = machine["Properties"]["StateMachineName"]
    bucket = _logical_id(synthesized, synthesized.stack.storage.bucket)
    topic = _logical_id(synthesized, synthesized.stack.notifications.topic)
    key = _logical_id(synthesized, synthesized.stack.notifications.key)
    table = _logical_id(synthesized, synthesized.stack.storage.lock_table)
    states_arn = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>"

    grants = {g for g in _grants(_role_statements(synthesized, role_id)) if g[0] not in STAR_RESOURCE_ACTIONS}
    expected = {
        ("sns:Publish", f"<{topic}>"),
        ("kms:GenerateDataKey", f"<{key}.Arn>"),
        ("kms:Decrypt", f"<{key}.Arn>"),
        ("dynamodb:DeleteItem", f"<{table}.Arn>"),
        ("states:StartExecution", f"{states_arn}:stateMachine:{name}"),
    }
    for function_name in function_names:
        function = synthesized.stack.functions.functions[function_name]
        arn = f"<{_logical_id(synthesized, function)}.Arn>"
        expected |= {("lambda:InvokeFunction", arn), ("lambda:InvokeFunction", f"{arn}:*")}
    objects = f"<{bucket}.Arn>/executions/*"
    for action in ("s3:GetObject", "s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"):
        expected.add((action, objects))
    own = f"{states_arn}:execution:{name}:*"
    children = f"{states_arn}:execution:{name}/{map_label}:*"
    for action in ("states:DescribeExecution", "states:StopExecution"):
        expected |= {(action, own), (action, children)}
    expected.add(("states:RedriveExecution", children))
    assert grants == expected


# --------------------------------------------------------------------------------------------------
# least privilege


def test_no_wildcard_actions(synthesized: Synthesized) -> None:
    for policy, statement in _identity_statements(synthesized):
        for action in _as_list(statement["Action"]):
            assert "*" not in action, f"{policy}: wildcard action {action}"


def test_iot_writes_are_scoped_to_their_resource_type(synthesized: Synthesized) -> None:
    scoped = {
        "iot:UpdateCertificate": CERT,
        "iot:DescribeCertificate": CERT,
        "iot:UpdateCACertificate": CACERT,
        "iot:DescribeCACertificate": CACERT,
    }
    seen = set()
    for policy, statement in _identity_statements(synthesized):
        for action in set(_as_list(statement["Action"])) & set(scoped):
            seen.add(action)
            resources = [flatten_cfn(r) for r in _as_list(statement["Resource"])]
            assert resources == [scoped[action]], f"{policy}: {action} on {resources}"
    assert seen == set(scoped)


def test_only_actions_without_resource_types_use_star(synthesized: Synthesized) -> None:
    for policy, statement in _identity_statements(synthesized):
        if "*" in _as_list(statement["Resource"]):
            actions = set(_as_list(statement["Action"]))
            assert actions <= STAR_RESOURCE_ACTIONS, f"{policy}: {actions - STAR_RESOURCE_ACTIONS} on *"
            # "*" is never mixed with other resources, which would hide a real scope.
            assert _as_list(statement["Resource"]) == ["*"]


def test_s3_actions_only_on_the_report_bucket(synthesized: Synthesized) -> None:
    bucket = _logical_id(synthesized, synthesized.stack.storage.bucket)
    for policy, statement in _identity_statements(synthesized):
        if any(a.startswith("s3:") for a in _as_list(statement["Action"])):
            for resource in _as_list(statement["Resource"]):
                flat = flatten_cfn(resource)
                allowed = (  # the last one: the CI policy's report objects (infra/ci_access.py)
                    f"<{bucket}.Arn>",
                    f"<{bucket}.Arn>/executions/*",
                    f"<{bucket}.Arn>/executions/*/report.json",
                )
                assert flat in allowed, f"{policy}: {flat}"


def test_each_function_has_exactly_the_contract_permissions(synthesized: Synthesized) -> None:
    bucket = _logical_id(synthesized, synthesized.stack.storage.bucket)
    table = f"<{_logical_id(synthesized, synthesized.stack.storage.lock_table)}.Arn>"
    objects, bucket_arn = f"<{bucket}.Arn>/executions/*", f"<{bucket}.Arn>"
    executions = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:iot-ca-revocation:*"
    restores = executions.replace(":iot-ca-revocation:", ":iot-ca-revocation-restore:")
    expected: dict[str, set[tuple[str, str]]] = {
        "NormalizeInput": set(),
        "SummarizeFailure": set(),
        "AcquireLock": {
            ("dynamodb:PutItem", table),
            ("dynamodb:GetItem", table),
            ("states:DescribeExecution", executions),
            ("states:DescribeExecution", restores),
        },
        # The restore's tasks: PrepareRestore describes only the revocation's executions (is the one to
        # restore finished?), never a restore's.
        "PrepareRestore": {
            ("states:DescribeExecution", executions),
            ("s3:GetObject", objects),
            ("s3:PutObject", objects),
            ("s3:ListBucket", bucket_arn),
        },
        "RestoreCertificates": {
            ("iot:UpdateCertificate", CERT),
            ("iot:DescribeCertificate", CERT),
            ("s3:GetObject", objects),
            ("s3:PutObject", objects),
        },
        "FinishRestore": {
            ("iot:ListCertificatesByCA", "*"),
            ("iot:DescribeCACertificate", CACERT),
            ("iot:UpdateCACertificate", CACERT),
            ("iot:DescribeCertificate", CERT),
            ("s3:GetObject", objects),
            ("s3:PutObject", objects),
            ("s3:ListBucket", bucket_arn),
        },
        "DeactivateCa": {
            ("iot:DescribeCACertificate", CACERT),
            ("iot:UpdateCACertificate", CACERT),
            ("s3:GetObject", objects),
            ("s3:PutObject", objects),
        },
        # Service Authorization Reference, "Actions, resources, and condition keys for AWS IoT": the three
        # listings have no resource type ("*"); DescribeCACertificate acts on cacert, DescribeCertificate
        # on cert.
        "DiscoverScope": {
            ("iot:ListCACertificates", "*"),
            ("iot:ListCertificates", "*"),
            ("iot:ListCertificatesByCA", "*"),
            ("iot:DescribeCACertificate", CACERT),
            ("iot:DescribeCertificate", CERT),
            ("s3:GetObject", objects),
            ("s3:PutObject", objects),
            ("s3:ListBucket", bucket_arn),  # page-index/ parts an invocation without pages never wrote
        },
        # iot:ListPrincipalThings (the affected Things): no resource type in the Service Authorization
        # Reference, "Actions, resources, and condition keys for AWS IoT", so "*".
        "RevokeCertificates": {
            ("iot:UpdateCertificate", CERT),
            ("iot:DescribeCertificate", CERT),
            ("iot:ListPrincipalThings", "*"),
            ("s3:GetObject", objects),
            ("s3:PutObject", objects),
            ("s3:ListBucket", bucket_arn),  # the outcomes of a page not yet done: missing, not denied
        },
        "VerifyRevocation": {
            ("s3:GetObject", objects),
            ("s3:PutObject", objects),
            ("s3:ListBucket", bucket_arn),
        },
    }
    for name, function in _functions_by_name(synthesized).items():
        role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
        log_group = f"<{function['Properties']['LoggingConfig']['LogGroup']['Ref']}.Arn>"
        statements = _role_statements(synthesized, role_id)
        platform = {
            ("xray:PutTraceSegments", "*"),
            ("xray:PutTelemetryRecords", "*"),
            ("logs:CreateLogStream", log_group),
            ("logs:PutLogEvents", log_group),
        }
        assert _grants(statements) == expected[name] | platform, name
        for statement in statements:
            if statement["Action"] == "s3:ListBucket":
                assert "Condition" not in statement  # test_aws_fidelity: GetObject's 404, not 403


# --------------------------------------------------------------------------------------------------
# functions


def test_asset_leaves_out_caches_and_tests(synthesized: Synthesized) -> None:
    (asset_dir,) = [p for p in synthesized.outdir.glob("asset.*") if p.is_dir()]
    names = {p.name for p in asset_dir.rglob("*")}
    assert not names & {"__pycache__", "tests", ".pytest_cache", ".mypy_cache"}
    assert not any(n.endswith(".pyc") for n in names)
    assert (asset_dir / "revocation_common").is_dir()


def test_outputs(synthesized: Synthesized) -> None:
    outputs = synthesized.template_json["Outputs"]
    assert set(outputs) == {
        "StateMachineArn",
        "RestoreStateMachineArn",
        "ReportBucketName",
        "NotificationTopicArn",
        "LockTableName",
        "TriggerDeadLetterQueueUrl",
        "DashboardName",
        "CiAccessPolicyArn",
    }


# --------------------------------------------------------------------------------------------------
# cdk-nag


def test_cdk_nag_reports_nothing_unacknowledged(synthesized: Synthesized) -> None:
    assert synthesized.synth_error is None, synthesized.synth_error
    report = json.loads((synthesized.outdir / "validation-report.json").read_text(encoding="utf-8"))
    # cdk-nag and CDK's own template validation: no violation left (acknowledged ones are listed apart).
    assert [v for plugin in report["pluginReports"] for v in plugin["violations"]] == []


def test_nag_plugin_fails_synth_on_a_finding(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    s3.Bucket(Stack(app, "NagProbe"), "PlainBucket")  # no SSL policy, no access logs
    add_nag_checks(app)
    with pytest.raises(RuntimeError, match=r"(?s)ValidationFailed.*AwsSolutions-S10"):
        app.synth()


def test_every_acknowledgement_is_used_narrow_and_reasoned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded: list[tuple[str, str, str]] = []

    class _Recorder:
        def __init__(self, construct: Any) -> None:
            self.path = construct.node.path

        def acknowledge(self, *acks: Any) -> None:
            recorded.extend((self.path, a.id, a.reason) for a in acks)

    class _Validations:
        @staticmethod
        def of(construct: Any) -> _Recorder:
            return _Recorder(construct)

    monkeypatch.setattr(infra.nag, "Validations", _Validations)
    app, _ = build_app(outdir=str(tmp_path), nag=False)
    report = AwsSolutionsChecks().validate_scope(app)
    findings = {(r.construct_path, v.rule_name) for v in report.violations for r in v.violating_resources}

    acknowledged = {(path + "/Resource", rule) for path, rule, _ in recorded}
    assert findings - acknowledged == set(), (
        "unacknowledged, or acknowledged on a parent instead of the resource"
    )
    assert acknowledged - findings == set(), "acknowledgements without a finding"
    for path, rule, reason in recorded:
        # L1: the runtime is pinned by the contract; IAM5: run-time resource names, each narrowed to its
        # resource type; SQS3: the dead-letter queue needs no dead-letter queue of its own.
        assert rule.startswith(("AwsSolutions-L1", "AwsSolutions-IAM5[Resource::", "AwsSolutions-SQS3")), (
            path,
            rule,
        )
        assert len(reason) >= 40, (path, rule)


# --------------------------------------------------------------------------------------------------
# settings and construct guards (no synthesis)


def _settings(**overrides: Any) -> Settings:
    context = {**cdk_json_context(), **overrides}
    return Settings.from_context(App(context={k: v for k, v in context.items() if v is not None}).node)


def test_cdk_json_defaults() -> None:
    assert _settings() == Settings(
        update_certificate_tps=10,
        list_certificates_by_ca_tps=10,
        revoke_max_concurrency=10,
        default_target_status="REVOKED",
        automatic_response_mode="dry-run",
        security_hub_check_names=(
            "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK",
            "CA_CERTIFICATE_KEY_QUALITY_CHECK",
        ),
        security_hub_custom_actions=False,
        ci_access_policy=True,
        list_time_budget_seconds=780,
        list_ca_certificates_tps=10,
        describe_ca_certificate_tps=10,
        list_certificates_tps=10,
        describe_certificate_tps=10,
        scan_unlinked_certificates=True,
        log_retention_days=365,
        powertools_layer_parameter="/aws/service/powertools/python/x86_64/python3.13/3.37.0",
        report_retention_days=365,
        state_machine_name="iot-ca-revocation",
    )
    assert set(CONTEXT_KEYS) <= set(cdk_json_context())


def test_command_line_strings_are_accepted() -> None:
    settings = _settings(updateCertificateTps="25", logRetentionDays="30", defaultTargetStatus="INACTIVE")
    assert (settings.update_certificate_tps, settings.log_retention_days, settings.default_target_status) == (
        25,
        30,
        "INACTIVE",
    )
    flags = _settings(
        securityHubCustomActions="true",
        ciAccessPolicy="False",
        securityHubCheckNames="CA_CERTIFICATE_KEY_QUALITY_CHECK, REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK",
    )
    assert (flags.security_hub_custom_actions, flags.ci_access_policy) == (True, False)
    assert flags.security_hub_check_names == (
        "CA_CERTIFICATE_KEY_QUALITY_CHECK",
        "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK",
    )
    assert _settings(
        securityHubCheckNames='["CA_CERTIFICATE_KEY_QUALITY_CHECK"]'
    ).security_hub_check_names == ("CA_CERTIFICATE_KEY_QUALITY_CHECK",)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("updateCertificateTps", 0),
        ("updateCertificateTps", "ten"),
        ("updateCertificateTps", True),
        ("listCertificatesByCaTps", -1),
        ("revokeMaxConcurrency", 10_001),
        ("updateCertificateLatencyMs", 0),
        ("defaultTargetStatus", "DELETED"),
        ("automaticResponseMode", "ENFORCE"),
        ("securityHubCheckNames", []),
        ("securityHubCheckNames", ["DEVICE_CERTIFICATE_KEY_QUALITY_CHECK"]),
        ("securityHubCheckNames", "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK,LOGGING_DISABLED_CHECK"),
        ("securityHubCustomActions", "yes"),
        ("ciAccessPolicy", 1),
        ("listTimeBudgetSeconds", 900),
        ("logRetentionDays", 100),
        ("powertoolsLayerParameter", "arn:aws:lambda:us-east-1:017000801446:layer:x:1"),
        ("reportRetentionDays", 0),
    ],
)
def test_invalid_setting_names_the_key(key: str, value: Any) -> None:
    with pytest.raises(SettingsError, match=f"'{key}'"):
        _settings(**{key: value})


def test_a_concurrency_whose_pages_outlast_the_timeout_is_refused() -> None:
    """At 10 TPS, 1/24 of the quota is 0.41 TPS: a revocation page of 250 takes 609 s, past the 600 s a batch
    may take (two thirds of the 900 s RevokeCertificates timeout, Lambda developer guide, "Lambda quotas").
    The restore's page makes two calls per certificate at the lower of the UpdateCertificate and
    DescribeCertificate quotas, so it is the tighter bound: at 1/12 of 10 TPS a page takes 619 s."""
    assert _settings(revokeMaxConcurrency=11).revoke_max_concurrency == 11
    with pytest.raises(
        SettingsError,
        match="'revokeMaxConcurrency': expected at most 11 at updateCertificateTps=10 and "
        "describeCertificateTps=10 \\(a restore page",
    ):
        _settings(revokeMaxConcurrency=12)
    with pytest.raises(SettingsError, match="describeCertificateTps=5 \\(a restore page"):
        _settings(revokeMaxConcurrency=11, updateCertificateTps=100, describeCertificateTps=5)
    wide = {"updateCertificateTps": 100, "describeCertificateTps": 100}
    assert _settings(revokeMaxConcurrency=24, **wide).revoke_max_concurrency == 24


def test_missing_setting_names_the_key() -> None:
    with pytest.raises(SettingsError, match="'logRetentionDays' is missing"):
        _settings(logRetentionDays=None)


def test_environment_agnostic_unless_both_defaults_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDK_DEFAULT_ACCOUNT", raising=False)
    monkeypatch.setenv("CDK_DEFAULT_REGION", "eu-west-1")
    assert default_environment() is None
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "123456789012")
    env = default_environment()
    assert env is not None
    assert (env.account, env.region) == ("123456789012", "eu-west-1")


def test_settings_toggle_the_ci_policy_and_its_output() -> None:
    _, stack = build_app(context={"ciAccessPolicy": False}, nag=False)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 0)
    assert "CiAccessPolicyArn" not in template.to_json()["Outputs"]
    assert stack.ci_access is None
