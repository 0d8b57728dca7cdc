"""The synthesized CaRevocationStack against docs/data-contract.md, least privilege and cdk-nag.

Most tests read the one template the session fixture synthesizes; the settings and construct tests
build small apps without synthesizing them. All need Node.js (jsii), hence the ``synth`` marker.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, cast

import pytest
from aws_cdk import App, CfnElement, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match
from cdk_nag import AwsSolutionsChecks

import infra.nag
from infra.functions import FUNCTION_SPECS, RevocationFunctions
from infra.nag import add_nag_checks, flatten_cfn
from infra.notifications import Notifications
from infra.settings import CONTEXT_KEYS, Settings, SettingsError
from infra.stack import REPO_ROOT, build_app, cdk_json_context, default_environment
from infra.state_machine import ASL_PATH, RevocationStateMachine, asl_placeholders
from infra.storage import ReportStorage
from tests.support.synth import STAR_RESOURCE_ACTIONS, Synthesized

pytestmark = pytest.mark.synth

CONTRACT = (REPO_ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")

CACERT = "arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:cacert/*"
CERT = "arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:cert/*"


# --------------------------------------------------------------------------------------------------
# helpers


def _section(title: str) -> str:
    """The text of one ``## title`` section of the data contract."""
    start = CONTRACT.index(f"## {title}")
    end = CONTRACT.find("\n## ", start + 3)
    return CONTRACT[start : end if end != -1 else len(CONTRACT)]


def _contract_functions() -> dict[str, tuple[str, int, int]]:
    rows = re.findall(
        r"^\|\s*(\w+)\s*\|\s*([\w.]+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*$", _section("Lambda functions"), re.M
    )
    return {name: (handler, int(timeout), int(memory)) for name, handler, timeout, memory in rows}


def _contract_env_vars() -> set[str]:
    table = _section("Lambda functions").split("Environment variables", 1)[1]
    return set(re.findall(r"^\|\s*([A-Z][A-Z_]+)\s*\|", table, re.M))


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


def _grants(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """{(action, flattened resource)} of a list of statements."""
    return {
        (action, flatten_cfn(resource))
        for s in statements
        for action in _as_list(s["Action"])
        for resource in _as_list(s["Resource"])
    }


def _functions_by_name(synth: Synthesized) -> dict[str, dict[str, Any]]:
    by_handler = {r["Properties"]["Handler"]: r for r in synth.of_type("AWS::Lambda::Function").values()}
    return {spec.logical_name: by_handler[spec.handler] for spec in FUNCTION_SPECS}


def _definition(synth: Synthesized) -> dict[str, Any]:
    (machine,) = synth.of_type("AWS::StepFunctions::StateMachine").values()
    return cast(dict[str, Any], json.loads(machine["Properties"]["DefinitionString"]))


# --------------------------------------------------------------------------------------------------
# the state machine


def test_definition_has_the_workflow_states(synthesized: Synthesized) -> None:
    states = _definition(synthesized)["States"]
    for name in (
        "NormalizeInput",
        "DeactivateCa",
        "ListCertificatePages",
        "RevokeCertificatePages",
        "VerifyRevocation",
        "Notify",
        "NotifyFailure",
    ):
        assert name in states, name
    revoke = states["RevokeCertificatePages"]
    assert revoke["Type"] == "Map"
    assert revoke["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
    assert revoke["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"


def test_placeholders_equal_the_substitutions_and_the_contract(synthesized: Synthesized) -> None:
    (machine,) = synthesized.of_type("AWS::StepFunctions::StateMachine").values()
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    in_file = asl_placeholders(ASL_PATH.read_text(encoding="utf-8"))
    in_contract = set(re.findall(r"\$\{(\w+)\}", _section("ASL placeholders")))
    assert len(in_contract) == len(FUNCTION_SPECS) + 3
    assert in_file == set(substitutions) == in_contract
    # The template carries the file unchanged; CloudFormation does the substitution.
    assert asl_placeholders(machine["Properties"]["DefinitionString"]) == in_file

    functions = synthesized.stack.functions.functions
    for spec in FUNCTION_SPECS:
        assert substitutions[spec.placeholder] == {
            "Fn::GetAtt": [_logical_id(synthesized, functions[spec.logical_name]), "Arn"]
        }
    assert substitutions["ReportBucketName"] == {
        "Ref": _logical_id(synthesized, synthesized.stack.storage.bucket)
    }
    assert substitutions["NotificationTopicArn"] == {
        "Ref": _logical_id(synthesized, synthesized.stack.notifications.topic)
    }
    assert substitutions["LockTableName"] == {
        "Ref": _logical_id(synthesized, synthesized.stack.storage.lock_table)
    }


def test_state_machine_is_standard_with_full_logging_and_tracing(synthesized: Synthesized) -> None:
    synthesized.template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineType": "STANDARD",
            "LoggingConfiguration": {
                "Level": "ALL",
                "IncludeExecutionData": True,
                "Destinations": Match.any_value(),
            },
            "TracingConfiguration": {"Enabled": True},
        },
    )
    (machine,) = synthesized.of_type("AWS::StepFunctions::StateMachine").values()
    (destination,) = machine["Properties"]["LoggingConfiguration"]["Destinations"]
    log_group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert synthesized.resources[log_group_id]["Properties"]["RetentionInDays"] == 365


def test_state_machine_role_has_exactly_the_workflow_permissions(synthesized: Synthesized) -> None:
    (machine,) = synthesized.of_type("AWS::StepFunctions::StateMachine").values()
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
    for function in synthesized.stack.functions.functions.values():
        arn = f"<{_logical_id(synthesized, function)}.Arn>"
        expected |= {("lambda:InvokeFunction", arn), ("lambda:InvokeFunction", f"{arn}:*")}
    objects = f"<{bucket}.Arn>/executions/*"
    for action in ("s3:GetObject", "s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"):
        expected.add((action, objects))
    own = f"{states_arn}:execution:{name}:*"
    children = f"{states_arn}:execution:{name}/RevokeCertificatePages:*"
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
    expected: dict[str, set[tuple[str, str]]] = {
        "NormalizeInput": set(),
        "SummarizeFailure": set(),
        "AcquireLock": {
            ("dynamodb:PutItem", table),
            ("dynamodb:GetItem", table),
            ("states:DescribeExecution", executions),
        },
        "DeactivateCa": {
            ("iot:DescribeCACertificate", CACERT),
            ("iot:UpdateCACertificate", CACERT),
            ("s3:GetObject", objects),
            ("s3:PutObject", objects),
        },
        "ListCertificatePages": {("iot:ListCertificatesByCA", "*"), ("s3:PutObject", objects)},
        "RevokeCertificates": {
            ("iot:UpdateCertificate", CERT),
            ("iot:DescribeCertificate", CERT),
            ("s3:GetObject", objects),
            ("s3:PutObject", objects),
        },
        "VerifyRevocation": {
            ("iot:DescribeCACertificate", CACERT),
            ("iot:ListCertificatesByCA", "*"),
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
                assert statement["Condition"] == {"StringLike": {"s3:prefix": ["executions/*"]}}


# --------------------------------------------------------------------------------------------------
# storage and notifications


def test_report_bucket_is_encrypted_private_ssl_only_versioned_and_expiring(synthesized: Synthesized) -> None:
    storage = synthesized.stack.storage
    for bucket in (storage.bucket, storage.access_logs_bucket):
        logical_id = _logical_id(synthesized, bucket)
        resource = synthesized.resources[logical_id]
        props = resource["Properties"]
        (sse,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        (rule,) = props["LifecycleConfiguration"]["Rules"]
        assert rule["Status"] == "Enabled"
        assert rule["ExpirationInDays"] == 365
        assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 365}
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"

        (policy,) = [
            p
            for p in synthesized.of_type("AWS::S3::BucketPolicy").values()
            if p["Properties"]["Bucket"] == {"Ref": logical_id}
        ]
        deny = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert deny == [
            {
                "Action": "s3:*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Resource": [
                    {"Fn::GetAtt": [logical_id, "Arn"]},
                    {"Fn::Join": ["", [{"Fn::GetAtt": [logical_id, "Arn"]}, "/*"]]},
                ],
            }
        ]

    report = synthesized.resources[_logical_id(synthesized, storage.bucket)]["Properties"]
    assert report["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": _logical_id(synthesized, storage.access_logs_bucket)
    }


def test_topic_is_encrypted_with_a_rotated_customer_key_usable_by_alarms_and_rules(
    synthesized: Synthesized,
) -> None:
    (topic,) = synthesized.of_type("AWS::SNS::Topic").values()
    key_id = _logical_id(synthesized, synthesized.stack.notifications.key)
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    key = synthesized.resources[key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    services = {
        s["Principal"]["Service"]: s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if "Service" in s.get("Principal", {})
    }
    assert set(services) == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}
    for statement in services.values():
        assert statement["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}

    (policy,) = synthesized.of_type("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    allows = {s["Principal"]["Service"]: s for s in statements if s["Effect"] == "Allow"}
    assert set(allows) == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}
    # Every service grant is conditioned on this account's alarms, or on the one rule that publishes.
    assert allows["cloudwatch.amazonaws.com"]["Condition"]["StringEquals"] == {
        "aws:SourceAccount": {"Ref": "AWS::AccountId"}
    }
    (rule_arn,) = allows["events.amazonaws.com"]["Condition"]["ArnEquals"].values()
    assert synthesized.resources[rule_arn["Fn::GetAtt"][0]]["Type"] == "AWS::Events::Rule"


# --------------------------------------------------------------------------------------------------
# functions


def test_function_specs_match_the_contract() -> None:
    assert {
        s.logical_name: (s.handler, s.timeout_seconds, s.memory_mb) for s in FUNCTION_SPECS
    } == _contract_functions()


def test_functions_runtime_handler_timeout_memory_env_layer_tracing_logs(synthesized: Synthesized) -> None:
    synthesized.template.resource_count_is("AWS::Lambda::Function", len(FUNCTION_SPECS))
    bucket = _logical_id(synthesized, synthesized.stack.storage.bucket)
    expected_env = {
        "REPORT_BUCKET": {"Ref": bucket},
        "LOCK_TABLE": {"Ref": _logical_id(synthesized, synthesized.stack.storage.lock_table)},
        "SECURITY_HUB_CHECK_NAMES": "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK,"
        "CA_CERTIFICATE_KEY_QUALITY_CHECK,"
        "INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK",
        "UPDATE_CERTIFICATE_TPS": "10",
        "LIST_CERTIFICATES_BY_CA_TPS": "10",
        "REVOKE_MAX_CONCURRENCY": "10",
        "DEFAULT_TARGET_STATUS": "REVOKED",
        "AUTOMATIC_RESPONSE_MODE": "dry-run",
        "LIST_TIME_BUDGET_SECONDS": "780",
        "POWERTOOLS_SERVICE_NAME": "ca-revocation",
        "POWERTOOLS_METRICS_NAMESPACE": "IotCaRevocation",
    }
    assert set(expected_env) == _contract_env_vars()
    (layer_parameter,) = [
        k
        for k, p in synthesized.template_json["Parameters"].items()
        if p.get("Default", "").startswith("/aws/service/powertools/")
    ]
    assert synthesized.template_json["Parameters"][layer_parameter] == {
        "Type": "AWS::SSM::Parameter::Value<String>",
        "Default": "/aws/service/powertools/python/x86_64/python3.13/latest",
    }

    code_keys = set()
    for spec in FUNCTION_SPECS:
        props = _functions_by_name(synthesized)[spec.logical_name]["Properties"]
        assert props["Runtime"] == "python3.13"
        assert props["Architectures"] == ["x86_64"]
        assert props["Handler"] == spec.handler
        assert props["Timeout"] == spec.timeout_seconds
        assert props["MemorySize"] == spec.memory_mb
        assert props["Environment"]["Variables"] == expected_env
        assert props["Layers"] == [{"Ref": layer_parameter}]
        assert props["TracingConfig"] == {"Mode": "Active"}
        log_group = synthesized.resources[props["LoggingConfig"]["LogGroup"]["Ref"]]
        assert log_group["Type"] == "AWS::Logs::LogGroup"
        assert log_group["Properties"]["RetentionInDays"] == 365
        code_keys.add(json.dumps(props["Code"], sort_keys=True))
    assert len(code_keys) == 1, "all functions share one asset"
    # The deprecated logRetention property would add a custom resource function.
    assert not synthesized.of_type("Custom::LogRetention")


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
            "INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK",
        ),
        security_hub_custom_actions=False,
        ci_access_policy=True,
        list_time_budget_seconds=780,
        log_retention_days=365,
        powertools_layer_parameter="/aws/service/powertools/python/x86_64/python3.13/latest",
        report_retention_days=365,
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


def test_placeholder_mismatch_is_rejected(tmp_path: Path) -> None:
    asl = tmp_path / "revoke_ca.asl.json"
    asl.write_text(
        ASL_PATH.read_text(encoding="utf-8").replace("${NotificationTopicArn}", "${TopicArn}"),
        encoding="utf-8",
    )
    stack = Stack(App(context=cdk_json_context()), "Probe")
    settings = Settings.from_context(stack.node)
    storage = ReportStorage(stack, "Storage", retention_days=1)
    notifications = Notifications(stack, "Notifications")
    functions = RevocationFunctions(
        stack, "Functions", settings=settings, storage=storage, state_machine_name="probe"
    )
    with pytest.raises(ValueError, match=r"missing in the ASL: \['NotificationTopicArn'\].*\['TopicArn'\]"):
        RevocationStateMachine(
            stack,
            "StateMachine",
            settings=settings,
            functions=functions,
            storage=storage,
            notifications=notifications,
            state_machine_name="probe",
            asl_path=asl,
        )
