"""DiscoverScope task."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from revocation_common.aws.s3_store import S3Store
from revocation_common.batches import plan_batches
from revocation_common.certificates import require_signature_check
from revocation_common.clients import aws_client
from revocation_common.expected_duration import ExpectedRevocation, start_notice
from revocation_common.observability import logger, metrics, tracer
from revocation_common.ports import ObjectStore
from revocation_common.scope_models import DiscoveryInput, DiscoveryState
from revocation_common.settings import task_settings
from revocation_common.store import batches_key, verify_prefix

from discover_scope.aws import ApiPacers, BotoIotReads
from discover_scope.config import discovery_settings
from discover_scope.discovery import discover
from discover_scope.ports import IotReads

# Time kept back from the Lambda timeout for the last S3 writes and the response.
SAFETY_MARGIN_SECONDS = 30.0


def iot_reads() -> IotReads:
    """AWS IoT reads of this Region over the cached boto3 client (replaced by fakes in unit tests)."""
    return BotoIotReads(aws_client("iot"))


def object_store(bucket: str) -> ObjectStore:
    """The report bucket ``bucket`` (S3)."""
    return S3Store(aws_client("s3"), bucket)


def discovery_prefix(event: DiscoveryInput) -> str:
    """The execution's prefix, or ``{prefix}verify/`` for the verification's re-discovery."""
    prefix = event.context.reportPrefix
    return prefix if event.purpose == "revoke" else verify_prefix(prefix)


def plan_revocation(store: ObjectStore, state: DiscoveryState, event: DiscoveryInput) -> DiscoveryState:
    """Write the Distributed Map's items (revocation_common.batches.plan_batches over manifest.json's pages,
    in its order, at UPDATE_CERTIFICATE_TPS and the context's maxConcurrency children) and return the
    state with their key, the expected revocation time and the start notice (NotifyStart)."""
    quota = task_settings().update_certificate_tps
    pages = [int(item["pageNumber"]) for item in store.get_json(str(state.manifestKey))]
    batches = plan_batches(pages, quota_tps=quota, children=event.context.maxConcurrency)
    key = batches_key(event.context.reportPrefix)
    store.put_json(key, [batch.model_dump() for batch in batches])
    expected = ExpectedRevocation.at_quota(state.certificateCount, quota)
    notice = start_notice(
        expected, ca_certificate_id=event.request.caCertificateId or "", dry_run=event.request.dryRun
    )
    return state.model_copy(update={"batchesKey": key, "expectedRevocation": expected, "startNotice": notice})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=DiscoveryInput)
def handler(event: DiscoveryInput, context: LambdaContext) -> dict[str, Any]:
    """Discover the scope of the named CA from the state's position, within a time budget.

    Input: {"request": {caCertificateId?, caCertificatePem?, scanUnlinked?}, "context": ExecutionContext,
    "discovery": DiscoveryState ({} at first), "purpose": "revoke" | "verify"}.
    Output: DiscoveryState {phase, complete, counts, scopeKey, manifestKey, batchesKey, ...}; the state
    machine loops until complete (and returns once after phase "cas", to deactivate the CAs in scope).
    Budget: min(LIST_TIME_BUDGET_SECONDS, remaining Lambda time - 30 s). Pacing: each API at its own
    quota (LIST_CA_CERTIFICATES_TPS, DESCRIBE_CA_CERTIFICATE_TPS, LIST_CERTIFICATES_BY_CA_TPS,
    LIST_CERTIFICATES_TPS, DESCRIBE_CERTIFICATE_TPS).
    Errors: InvalidInput, CaNotFound, TransientAwsError; RuntimeError when the installed cryptography
    has no x509.Certificate.verify_directly_issued_by (a deployment error, before any AWS call).
    Source: AWS IoT API reference, ListCACertificates, DescribeCACertificate, ListCertificatesByCA,
    ListCertificates, DescribeCertificate.
    """
    require_signature_check()
    settings = discovery_settings()
    started = time.monotonic()
    remaining = context.get_remaining_time_in_millis() / 1000.0 - SAFETY_MARGIN_SECONDS
    deadline = started + max(0.0, min(settings.time_budget_seconds, remaining))
    before = event.discovery
    store = object_store(event.context.reportBucket)
    state = discover(
        iot_reads(),
        store,
        ApiPacers(settings.quotas),
        request=event.request,
        prefix=discovery_prefix(event),
        state=before,
        scan_default=settings.scan_unlinked,
        deadline=deadline,
        clock=time.monotonic,
    )
    if event.purpose == "revoke" and state.complete and state.manifestKey is not None:
        state = plan_revocation(store, state, event)
    metrics.add_metric(
        name="UnlinkedCertificatesScanned", unit="Count", value=state.unlinkedScanned - before.unlinkedScanned
    )
    if event.purpose == "revoke":  # the certificates put on revocation pages (the re-discovery's are not)
        metrics.add_metric(
            name="CertificatesListed", unit="Count", value=state.certificateCount - before.certificateCount
        )
    logger.info("discovery progress", extra=state.model_dump(exclude={"caCounts"}))
    return state.model_dump()
