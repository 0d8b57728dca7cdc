"""Fresh stacks for the per-construct tests: one construct (and the inputs it takes) per Stack.

Each test builds the construct it is about in a new ``Stack`` of a new ``App`` carrying the cdk.json
context, then asserts on ``Template.from_stack`` with ``Match``, as aws-solutions-constructs' tests do.
The whole-app tests (cdk-nag, cfn-lint, least privilege across roles) use tests/support/synth.py instead.
"""

from __future__ import annotations

from typing import Any, cast

from aws_cdk import App, CfnElement, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from contract.cdk_json import cdk_json_context
from infra.settings import Settings


def fresh_stack(**context: Any) -> tuple[Stack, Settings]:
    """A new Stack in a new App with the cdk.json context (``context`` overrides keys), and its Settings."""
    stack = Stack(App(context={**cdk_json_context(), **context}), "ConstructUnderTest")
    return stack, Settings.from_context(stack.node)


def logical_id(construct: Construct) -> str:
    """The CloudFormation logical id of an L2 construct's default child in its stack."""
    stack = Stack.of(construct)
    return stack.get_logical_id(cast(CfnElement, construct.node.default_child))


def probe_state_machine(scope: Construct) -> sfn.StateMachine:
    """A one-state state machine, as the input of constructs that only reference one."""
    return sfn.StateMachine(
        scope, "ProbeStateMachine", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(scope, "Pass"))
    )


def probe_function(scope: Construct, construct_id: str) -> lambda_.Function:
    """A minimal inline function, as the input of constructs that only reference functions."""
    return lambda_.Function(
        scope,
        construct_id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
    )
