"""RevocationFunctions in a fresh Stack (with the storage it takes): the function table, held to
docs/data-contract.md, becomes seven functions on one asset with the contract's environment."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from contract.functions import FUNCTION_SPECS, LIST_FUNCTION_TIMEOUT_SECONDS, function_spec
from contract.names import STATE_MACHINE_NAME
from infra.functions import RevocationFunctions
from infra.settings import MAX_LIST_TIME_BUDGET_SECONDS
from infra.storage import ReportStorage
from tests.infra.data_contract import contract_env_vars
from tests.infra.stacks import fresh_stack, logical_id

pytestmark = pytest.mark.synth

CHECK_NAMES = "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK,CA_CERTIFICATE_KEY_QUALITY_CHECK"


@pytest.fixture(scope="module")
def built() -> tuple[RevocationFunctions, ReportStorage, Template]:
    stack, settings = fresh_stack()
    storage = ReportStorage(stack, "ReportStorage", retention_days=settings.report_retention_days)
    functions = RevocationFunctions(
        stack,
        "RevocationFunctions",
        settings=settings,
        storage=storage,
        state_machine_name=STATE_MACHINE_NAME,
    )
    return functions, storage, Template.from_stack(stack)


def test_listing_timeout_is_derived_from_the_function_table() -> None:
    assert LIST_FUNCTION_TIMEOUT_SECONDS == function_spec("DiscoverScope").timeout_seconds == 900
    assert MAX_LIST_TIME_BUDGET_SECONDS == LIST_FUNCTION_TIMEOUT_SECONDS - 30
    with pytest.raises(KeyError, match="'Nope'"):
        function_spec("Nope")


def test_functions_runtime_handler_timeout_memory_env_layer_tracing_logs(
    built: tuple[RevocationFunctions, ReportStorage, Template],
) -> None:
    functions, storage, template = built
    template.resource_count_is("AWS::Lambda::Function", len(FUNCTION_SPECS))
    expected_env = {
        "REPORT_BUCKET": {"Ref": logical_id(storage.bucket)},
        "LOCK_TABLE": {"Ref": logical_id(storage.lock_table)},
        "SECURITY_HUB_CHECK_NAMES": CHECK_NAMES,
        "UPDATE_CERTIFICATE_TPS": "10",
        "LIST_CERTIFICATES_BY_CA_TPS": "10",
        "REVOKE_MAX_CONCURRENCY": "10",
        "UPDATE_CERTIFICATE_LATENCY_MS": "100",
        "DEFAULT_TARGET_STATUS": "REVOKED",
        "AUTOMATIC_RESPONSE_MODE": "dry-run",
        "LIST_TIME_BUDGET_SECONDS": "780",
        "LIST_CA_CERTIFICATES_TPS": "10",
        "DESCRIBE_CA_CERTIFICATE_TPS": "10",
        "LIST_CERTIFICATES_TPS": "10",
        "DESCRIBE_CERTIFICATE_TPS": "10",
        "SCAN_UNLINKED_CERTIFICATES": "true",
        "LIST_AFFECTED_THINGS": "true",
        "LIST_PRINCIPAL_THINGS_TPS": "10",
        "DEPLOYMENT_REGIONS": "",  # cdk.json regions: [] (one Region, nothing forwarded)
        "POWERTOOLS_SERVICE_NAME": "ca-revocation",
        "POWERTOOLS_METRICS_NAMESPACE": "IotCaRevocation",
    }
    assert set(expected_env) == contract_env_vars()

    parameters = template.find_parameters(
        "*",
        {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/aws/service/powertools/python/x86_64/python3.13/3.37.0",
        },
    )
    (layer_parameter,) = parameters

    code_keys = set()
    for spec in FUNCTION_SPECS:
        function_id = logical_id(functions.functions[spec.logical_name])
        template.has_resource_properties(
            "AWS::Lambda::Function",
            {
                "Handler": spec.handler,
                "Runtime": "python3.13",
                "Architectures": ["x86_64"],
                "Timeout": spec.timeout_seconds,
                "MemorySize": spec.memory_mb,
                "Environment": {"Variables": Match.object_equals(expected_env)},
                "Layers": [{"Ref": layer_parameter}],
                "TracingConfig": {"Mode": "Active"},
                "LoggingConfig": {"LogGroup": {"Ref": Match.any_value()}},
            },
        )
        props = template.find_resources("AWS::Lambda::Function")[function_id]["Properties"]
        assert props["Handler"] == spec.handler
        log_group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
        template.has_resource("AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 365}})
        assert (
            template.find_resources("AWS::Logs::LogGroup")[log_group_id]["Properties"]["RetentionInDays"]
            == 365
        )
        code_keys.add(json.dumps(props["Code"], sort_keys=True))
    assert len(code_keys) == 1, "all functions share one asset"
    # The deprecated logRetention property would add a custom resource function.
    template.resource_count_is("Custom::LogRetention", 0)


def test_each_function_has_its_own_role_and_log_group(
    built: tuple[RevocationFunctions, ReportStorage, Template],
) -> None:
    functions, _, template = built
    template.resource_count_is("AWS::IAM::Role", len(FUNCTION_SPECS))
    template.resource_count_is("AWS::Logs::LogGroup", len(FUNCTION_SPECS))
    for spec in FUNCTION_SPECS:
        template.has_resource_properties(
            "AWS::Lambda::Function",
            {
                "Handler": spec.handler,
                "Role": {"Fn::GetAtt": [logical_id(functions.roles[spec.logical_name]), "Arn"]},
            },
        )
