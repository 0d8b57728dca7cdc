"""An emulator session: moto started (in-process or as a loopback server), the IoT layer and the in-process
Lambda runtime installed, and the workflow deployed.
"""

from __future__ import annotations

import dataclasses
import gc
import io
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from revocation_common.vocabulary import AWS_MAX_ATTEMPTS

from contract.task_environment import VARIABLE_OF_CONTEXT_KEY
from emulator.deploy import Deployment, deploy_workflow, task_environment
from emulator.dynamodb_atomic import install_atomic_item_writes
from emulator.iot_quotas import all_api_quotas
from emulator.lambda_runtime import InProcessLambdaRuntime, InvocationFaults, install_lambda_runtime
from emulator.regional_clients import install_regional_clients
from emulator.stepfunctions_map import install_map_failure_thresholds

ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"
REPORT_BUCKET = f"iot-ca-revocation-reports-{ACCOUNT_ID}"
# Without an enforced quota, the workflow is deployed to pace itself at this (transactions per second):
# as fast as the emulator serves, instead of cdk.json's AWS default of 10.
UNENFORCED_PACING_TPS = 1000.0
# How long the loopback server may take to start listening (seconds).
SERVER_START_TIMEOUT = 15.0
# Variables a session sets for its own duration: fake credentials, so nothing can reach a real account.
SESSION_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "false",
    "POWERTOOLS_DEV": "false",
}


@dataclass
class EmulatorOptions:
    """How to run the emulator.

    iot_quotas: per-API quota in transactions per second, e.g. {"UpdateCertificate": 10}; None = no limit.
    fault_rate: fraction of IoT calls answered with ServiceUnavailableException/InternalFailureException.
    lambda_crash_rate: fraction of task invocations that crash part-way.
    seed: seeds the fleet and every injected fault and crash (emulator/faults.py), for replays.
    context: cdk.json context overrides, e.g. {"updateCertificateTps": 100}.
    retry_delay_scale: factor applied to the ASL Retry waits (IntervalSeconds, BackoffRate,
        MaxDelaySeconds); 1 is real time, tests that exhaust retries use less.
    """

    iot_quotas: Mapping[str, float | None] | None = None
    fault_rate: float = 0.0
    lambda_crash_rate: float = 0.0
    seed: int = 0
    context: Mapping[str, Any] = field(default_factory=dict)
    retry_delay_scale: float = 1.0

    @classmethod
    def at_quota(
        cls,
        iot_tps: float | None,
        *,
        fault_rate: float = 0.0,
        lambda_crash_rate: float = 0.0,
        seed: int = 0,
        **context: Any,
    ) -> EmulatorOptions:
        """Options for an emulator that enforces ``iot_tps`` (transactions per second, None: no quota) on
        every AWS IoT certificate API, with the workflow deployed to pace itself at that same quota, as an
        operator sets each of the cdk.json context's ``...Tps`` settings (updateCertificateTps,
        listCertificatesByCaTps, the discovery's list/describe quotas) from Service Quotas (without a
        quota, at UNENFORCED_PACING_TPS). ``context`` adds
        other cdk.json context overrides (e.g. listTimeBudgetSeconds)."""
        pacing = iot_tps if iot_tps is not None else UNENFORCED_PACING_TPS
        paced = {key: pacing for key in VARIABLE_OF_CONTEXT_KEY if key.endswith("Tps")}
        context = {**paced, **context}
        return cls(
            iot_quotas=all_api_quotas(iot_tps),
            fault_rate=fault_rate,
            lambda_crash_rate=lambda_crash_rate,
            seed=seed,
            context=context,
        )


def _scale_retry_delays(scale: float) -> None:
    """Make moto's ASL interpreter wait ``scale`` times the Retry interval it computed (1: real time).

    The retrier calls ``time.sleep`` of its own module; that module's ``time`` name is replaced by an
    object whose ``sleep`` scales (process-wide, like the other patches of the emulator).
    """
    import types

    import moto.stepfunctions.parser.asl.component.common.retry.retrier_decl as retrier_decl

    if scale <= 0:
        raise ValueError(f"retry_delay_scale must be > 0, got {scale}")
    if scale == 1:
        retrier_decl.time = time
        return

    def sleep(seconds: float) -> None:
        time.sleep(seconds * scale)

    retrier_decl.time = types.SimpleNamespace(sleep=sleep)  # type: ignore[assignment]


def _cache_step_functions_clients() -> None:
    """moto's ASL interpreter builds a new boto3 client for every task (tens of ms each); cache them.

    ``boto_client_for`` is imported by name into each integration module, so every binding is replaced.
    """
    import moto.stepfunctions.parser.asl.utils.boto_client as boto_client_module

    if getattr(boto_client_module, "_emulator_cached", False):
        return
    original = boto_client_module.boto_client_for
    cache: dict[tuple[str, str, str | None], Any] = {}
    lock = threading.Lock()

    def cached_boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service, os.environ.get("AWS_ENDPOINT_URL"))
        with lock:
            client = cache.get(key)
            if client is None:
                client = original(region=region, service=service, state_credentials=state_credentials)
                cache[key] = client
        return client

    import moto.stepfunctions.models  # noqa: F401 - loads the parser's integration modules

    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "")
        if name.startswith("moto.stepfunctions.parser") and hasattr(module, "boto_client_for"):
            module.boto_client_for = cached_boto_client_for  # type: ignore[attr-defined]
    boto_client_module._emulator_cached = True  # type: ignore[attr-defined]


def _listen(port: int) -> Any:
    """A ThreadedMotoServer listening on 127.0.0.1:``port`` (0: an ephemeral port).

    ThreadedMotoServer.start() waits without a timeout for a server thread that dies when the port is
    taken; it is waited for from here, with one. RuntimeError when it cannot listen.
    """
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    starter = threading.Thread(target=server.start, daemon=True)
    starter.start()
    starter.join(SERVER_START_TIMEOUT)
    if starter.is_alive():
        raise RuntimeError(f"the emulator could not listen on 127.0.0.1:{port}")
    return server


def _client_factory(endpoint_url: str, region: str = REGION) -> Any:
    """``client(service)``: cached boto3 clients of ``endpoint_url`` (the deployment's private listener)
    in ``region``."""
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = boto3.client(service, region_name=region, endpoint_url=endpoint_url)
        return clients[service]

    return client


class EmulatorSession:
    """The emulator with the workflow deployed.

    Use as a context manager: ``with EmulatorSession(options) as emulator: emulator.client("iot")``.
    ``endpoint_url`` None runs moto in-process (mock_aws); otherwise moto's ThreadedMotoServer is started
    on that loopback URL's port, so the AWS CLI and any SDK can reach it.

    ``regions``: the workflow is deployed in each (moto keeps a backend per account and Region; a request's
    Region is the one its signature names); ``deployments`` maps each Region to its Deployment and
    ``deployment`` is the first Region's. Each task invocation's clients are of its function's Region
    (emulator/regional_clients.py). Default: us-east-1 only.
    """

    def __init__(
        self,
        options: EmulatorOptions | None = None,
        *,
        port: int | None = None,
        regions: Sequence[str] = (REGION,),
    ) -> None:
        if not regions or len(set(regions)) != len(regions):
            raise ValueError(f"regions must be distinct Region names, at least one, got {list(regions)}")
        self.options = options or EmulatorOptions()
        self.regions = tuple(regions)
        self.deployments: dict[str, Deployment] = {}
        self.port = port
        self.endpoint_url = f"http://127.0.0.1:{port}" if port is not None else None
        self._saved_environment: dict[str, str | None] = {}
        self._mock: Any = None
        self._server: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self.deployment: Deployment | None = None
        self.lambda_runtime: InProcessLambdaRuntime | None = None
        self.iot_layer: Any = None
        self.task_log = io.StringIO()
        self.metric_log: list[str] = []  # EMF documents the tasks emitted (what CloudWatch would ingest)

    # -- lifecycle -------------------------------------------------------------------------------------
    def __enter__(self) -> EmulatorSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _set_environment(self, values: Mapping[str, str]) -> None:
        for key, value in values.items():
            self._saved_environment.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def start(self) -> None:
        from moto.core.config import default_user_config

        from emulator import crash_points, stepfunctions_executions
        from emulator.iot import install_iot_layer

        environment = dict(SESSION_ENVIRONMENT)
        environment["AWS_DEFAULT_REGION"] = environment["AWS_REGION"] = self.regions[0]
        if self.endpoint_url:
            environment["AWS_ENDPOINT_URL"] = self.endpoint_url
            environment["MOTO_PORT"] = str(self.port)  # where moto's ASL interpreter sends its own calls
        environment.update(task_environment(REPORT_BUCKET, self.options.context))
        self._set_environment(environment)
        if not self.endpoint_url:
            self._saved_environment.setdefault("AWS_ENDPOINT_URL", os.environ.pop("AWS_ENDPOINT_URL", None))

        # moto logs every failed state with a traceback; the workflow's own report says what failed.
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
        # Metrics are disabled in the emulator (no CloudWatch); Powertools still warns when a flush is empty.
        warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
        _cache_step_functions_clients()
        stepfunctions_executions.install()  # StartExecution names, StartTime, ListMapRuns as on AWS
        self.lambda_runtime = install_lambda_runtime()
        install_regional_clients(self.lambda_runtime)
        self.lambda_runtime.configure_faults(
            InvocationFaults(crash_rate=self.options.lambda_crash_rate, seed=self.options.seed)
        )
        self.lambda_runtime.reset_stats()  # the runtime is process-wide; its counts are this session's
        self.lambda_runtime.crash_hook = None
        self.iot_layer = install_iot_layer()
        install_map_failure_thresholds()
        install_atomic_item_writes()
        _scale_retry_delays(self.options.retry_delay_scale)

        private_url = ""
        if self.port is not None:
            # The workflow is deployed through a private listener (an ephemeral port; moto's backends are
            # process-wide), and only then does the emulator listen on its port: whatever reaches the port
            # finds the workflow deployed.
            self._server = _listen(0)
            private_url = f"http://127.0.0.1:{self._server.get_host_and_port()[1]}"
        else:
            from moto import mock_aws

            self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
            self._mock.start()
        # After mock_aws started: it replaces boto3.DEFAULT_SESSION for its duration, and the tasks' clients
        # come from the session in place when they are created; the hook records and crashes their calls.
        boto3.setup_default_session()
        boto3.DEFAULT_SESSION.events.register("before-call", crash_points.before_call)
        self._route_task_logs()
        from revocation_common.clients import reset_clients
        from revocation_common.settings import task_settings

        reset_clients()
        task_settings.cache_clear()  # the tasks read their settings once per process; this session's differ
        for region in self.regions:
            if self.port is not None:
                deploy_client = _client_factory(private_url, region)
            else:

                def deploy_client(service: str, region: str = region) -> Any:
                    return self.client(service, region)

            self.deployments[region] = deploy_workflow(deploy_client, environment, region)
        if self.port is not None:
            self._server.stop()
            self._server = _listen(self.port)
            for region, deployment in self.deployments.items():
                queue_url = deployment.notification_queue_url.replace(private_url, str(self.endpoint_url))
                self.deployments[region] = dataclasses.replace(deployment, notification_queue_url=queue_url)
        self.deployment = self.deployments[self.regions[0]]
        # Quotas and faults start after the deployment and the seeding are in place.
        self.iot_layer.configure(quotas=None, fault_rate=0.0, seed=self.options.seed)

    def apply_iot_limits(self) -> None:
        """Turn on the configured IoT quotas and fault injection (after seeding the fleet).

        Also moves every object alive now (the deployment, the seeded fleet) out of the garbage collector's
        reach (gc.freeze, Python library reference, "gc"). In AWS each Lambda invocation is a process of its
        own and AWS IoT another service; here they share one, and a full collection over the fleet's
        objects stalled every Map child at once for 0.1-0.25 s (measured: one such stall cost 0.01 of the
        quota at 2,000 certificates and 100 TPS). ``stop`` unfreezes them.
        """
        gc.freeze()
        self.iot_layer.configure(
            quotas=self.options.iot_quotas, fault_rate=self.options.fault_rate, seed=self.options.seed
        )
        self.iot_layer.reset_stats()

    def _route_task_logs(self) -> None:
        """Send the tasks' logs and metrics where CloudWatch would take them, not to this process's stdout.

        Powertools writes JSON logs and EMF metric documents to stdout, which would bury the CLI's output
        (and break --json). In Lambda each process runs one invocation at a time; here the Map children
        share one process, so Metrics' own flush of 100 values (which prints even when metrics are
        disabled) happens mid-run. EMF documents go to ``metric_log`` instead.
        """
        from aws_lambda_powertools.metrics.provider.cloudwatch_emf import cloudwatch as emf_provider
        from revocation_common.observability import logger

        handler = logger.registered_handler
        if hasattr(handler, "setStream"):
            handler.setStream(self.task_log)
        sink = self.metric_log

        def emf_print(*values: object, **_: object) -> None:
            sink.append(" ".join(str(value) for value in values))

        # The provider module calls the builtin print(); a module global of that name takes precedence.
        emf_provider.print = emf_print  # type: ignore[attr-defined]

    def stop(self) -> None:
        gc.unfreeze()
        if self.iot_layer is not None:
            self.iot_layer.configure(quotas=None, fault_rate=0.0, seed=0)
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        from revocation_common.clients import reset_clients

        reset_clients()
        self._clients.clear()
        for key, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_environment.clear()

    # -- clients ---------------------------------------------------------------------------------------
    def client(self, service: str, region: str | None = None) -> Any:
        """A cached boto3 client for the emulator (standard retry mode) in ``region`` (default: the first
        of ``regions``, us-east-1 unless told otherwise)."""
        region = region or self.regions[0]
        client = self._clients.get((service, region))
        if client is None:
            client = boto3.client(
                service,
                region_name=region,
                endpoint_url=self.endpoint_url,
                config=Config(retries={"mode": "standard", "max_attempts": AWS_MAX_ATTEMPTS}),
            )
            self._clients[(service, region)] = client
        return client
