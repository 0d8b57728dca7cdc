"""A Lambda context object for calling handlers directly, as Powertools' own test examples do
(Powertools for AWS Lambda (Python), "Testing your code"; AWS Lambda Developer Guide, "Using the Lambda
context object to retrieve Python function information")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LambdaContext:
    """The attributes Powertools' Logger reads, and the remaining time (milliseconds) a handler asks for."""

    function_name: str = "iot-ca-revocation-unit"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:iot-ca-revocation-unit"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"
    remaining_time_in_millis: int = 900_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_time_in_millis
