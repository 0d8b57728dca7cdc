"""The ASL's ``${Placeholder}`` contract: which substitutions the definition takes, and how they are filled.

CloudFormation fills them from ``DefinitionSubstitutions`` (CloudFormation User Guide,
AWS::StepFunctions::StateMachine; CDK ``definition_substitutions``); the emulator fills them with
``render_definition`` before CreateStateMachine. Both build the mapping with ``definition_substitutions``,
so the names are written once: the function ARNs from the function table, plus the three below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from contract.functions import REVOCATION_FUNCTIONS, function_spec
from contract.paths import ASL_PATH

# ${Name} as CloudFormation's DefinitionSubstitutions writes it (AWS::StepFunctions::StateMachine).
PLACEHOLDER: Final = re.compile(r"\$\{([A-Za-z0-9_]+)\}")

REPORT_BUCKET_NAME_PLACEHOLDER: Final = "ReportBucketName"
NOTIFICATION_TOPIC_ARN_PLACEHOLDER: Final = "NotificationTopicArn"
LOCK_TABLE_NAME_PLACEHOLDER: Final = "LockTableName"
RESOURCE_PLACEHOLDERS: Final = (
    REPORT_BUCKET_NAME_PLACEHOLDER,
    NOTIFICATION_TOPIC_ARN_PLACEHOLDER,
    LOCK_TABLE_NAME_PLACEHOLDER,
)
"""The placeholders that are not function ARNs (docs/data-contract.md, "ASL placeholders")."""


def asl_placeholders(definition: str) -> set[str]:
    """The ``${...}`` placeholder names of an ASL definition string."""
    return set(PLACEHOLDER.findall(definition))


def definition_substitutions(
    function_arns: Mapping[str, str],
    *,
    report_bucket_name: str,
    notification_topic_arn: str,
    lock_table_name: str,
    functions: Sequence[str] = REVOCATION_FUNCTIONS,
) -> dict[str, str]:
    """Placeholder name -> value: exactly the placeholders of docs/data-contract.md.

    Args:
        function_arns: logical name -> the function's ARN (a token in CDK), for at least ``functions``.
        functions: the logical names the ASL calls (REVOCATION_FUNCTIONS, or RESTORE_FUNCTIONS for
            statemachine/restore.asl.json).
        report_bucket_name, notification_topic_arn, lock_table_name: names or tokens.

    Raises:
        KeyError: a function of the table has no ARN (names it).
    """
    missing = [name for name in functions if name not in function_arns]
    if missing:
        raise KeyError(f"no function ARN for {', '.join(missing)}")
    substitutions = {function_spec(name).placeholder: function_arns[name] for name in functions}
    substitutions[REPORT_BUCKET_NAME_PLACEHOLDER] = report_bucket_name
    substitutions[NOTIFICATION_TOPIC_ARN_PLACEHOLDER] = notification_topic_arn
    substitutions[LOCK_TABLE_NAME_PLACEHOLDER] = lock_table_name
    return substitutions


def render_definition(substitutions: Mapping[str, str], asl_path: Path = ASL_PATH) -> str:
    """The ASL with every ``${Placeholder}`` replaced, as CloudFormation's DefinitionSubstitutions does.

    Raises:
        KeyError: naming a placeholder without a substitution.
    """
    text = asl_path.read_text(encoding="utf-8")
    return PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], text)
