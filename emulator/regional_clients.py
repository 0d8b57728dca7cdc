"""Task clients in the Region of the function being invoked, for an emulator serving several Regions.

AWS IoT, Step Functions, Lambda and DynamoDB are regional: on AWS each Region's functions run in that
Region and their SDK clients default to it (AWS_REGION, set by the Lambda runtime: Lambda developer guide,
"Defined runtime environment variables"). In the emulator every function of every Region runs in this one
process, whose environment names one Region. So each invocation records its function's Region (from its
ARN) on its thread, and the tasks' cached clients (``revocation_common.aws.clients``) are kept, and
created, per Region: a task invoked in eu-west-1 calls eu-west-1's moto backends, as on AWS.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import boto3

_local = threading.local()


def invocation_region() -> str:
    """The Region of the task invocation running on this thread, else the process's AWS_REGION."""
    region = getattr(_local, "region", None)
    return str(region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1")


class RegionalClientCache(dict[Any, Any]):
    """The tasks' client cache, keyed by (invocation Region, service) behind the service-keyed interface
    ``revocation_common.aws.clients`` uses (``get``, item assignment, ``clear``)."""

    def get(self, service: Any, default: Any = None) -> Any:
        return super().get((invocation_region(), service), default)

    def __setitem__(self, service: Any, client: Any) -> None:
        super().__setitem__((invocation_region(), service), client)


class _RegionalBoto3:
    """Stands for the ``boto3`` module inside ``revocation_common.aws.clients``: clients of this
    invocation's Region, from the default session in place (the one the emulator's call hooks are on)."""

    def client(self, service: str, **kwargs: Any) -> Any:
        kwargs.setdefault("region_name", invocation_region())
        return boto3.client(service, **kwargs)


def install_regional_clients(runtime: Any) -> None:
    """Make the tasks' clients per Region, and ``runtime`` record each invocation's Region (idempotent)."""
    from revocation_common.aws import clients

    if not isinstance(clients._clients, RegionalClientCache):
        clients._clients = RegionalClientCache()
        clients.boto3 = _RegionalBoto3()
    if getattr(runtime, "_regional", False):
        return
    invoke = runtime.invoke

    def regional_invoke(function: Any, event: Any) -> tuple[str, bool, str]:
        previous = getattr(_local, "region", None)
        _local.region = str(function.function_arn).split(":")[3]
        try:
            return invoke(function, event)
        finally:
            _local.region = previous

    runtime.invoke = regional_invoke
    runtime._regional = True
