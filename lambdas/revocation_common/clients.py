"""Compatibility import: the boto3 clients moved to ``revocation_common.aws.clients``.

The emulator's session and tests/triggers import these names from here.
"""

from revocation_common.aws.clients import THROTTLE_METRIC, _count_throttle, aws_client, reset_clients

__all__ = ["THROTTLE_METRIC", "_count_throttle", "aws_client", "reset_clients"]
