"""Deactivation of the CA in AWS IoT.

Source: AWS IoT Developer Guide, "Deactivate a CA certificate"; API reference UpdateCACertificate and
DescribeCACertificate.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from revocation_common.aws_errors import error_code, raise_if_transient
from revocation_common.iot_calls import describe_ca
from revocation_common.models import CanonicalRequest, CaState
from revocation_common.store import ca_state_key, get_json, put_json


def first_seen_ca_state(s3: Any, bucket: str, key: str, observed: tuple[str, str]) -> tuple[str, str]:
    """The CA's (status, autoRegistrationStatus) as this execution first saw it.

    The first attempt stores ``observed`` with a conditional write; a retried attempt (after a crash or a
    timeout that came after UpdateCACertificate took effect) reads it back, so the report still says
    what the CA was before this execution, not what the earlier attempt left.
    Errors: TransientAwsError (throttling/5xx after retries).
    """
    try:
        put_json(
            s3,
            bucket,
            key,
            {"status": observed[0], "autoRegistrationStatus": observed[1]},
            only_if_absent=True,
        )
        return observed
    except ClientError as error:
        if error_code(error) not in ("PreconditionFailed", "412"):
            raise_if_transient(error, "PutObject")
            raise
    kept = get_json(s3, bucket, key)
    return str(kept["status"]), str(kept["autoRegistrationStatus"])


def deactivate_ca(iot: Any, s3: Any, request: CanonicalRequest, *, bucket: str, prefix: str) -> CaState:
    """Make the CA INACTIVE with auto-registration DISABLE; a dry run only describes it.

    Idempotent: an INACTIVE CA with auto-registration disabled is left as it is. ``statusBefore`` is the
    status this execution first saw (kept in S3 under the execution's prefix, see first_seen_ca_state);
    ``changed`` says whether this execution deactivated it, in this attempt or an earlier one.
    Output: CaState. Errors: CaNotFound, TransientAwsError.
    """
    ca_id = request.caCertificateId
    observed = describe_ca(iot, ca_id)
    status_before, auto_before = first_seen_ca_state(s3, bucket, ca_state_key(prefix), observed)
    deactivated = ("INACTIVE", "DISABLE")
    updated_now = False
    if not request.dryRun and observed != deactivated:
        try:
            iot.update_ca_certificate(
                certificateId=ca_id, newStatus="INACTIVE", newAutoRegistrationStatus="DISABLE"
            )
        except ClientError as error:
            raise_if_transient(error, "UpdateCACertificate")
            raise
        updated_now = True
    status_after, auto_after = describe_ca(iot, ca_id) if updated_now else observed
    return CaState(
        caCertificateId=ca_id,
        statusBefore=status_before,
        statusAfter=status_after,
        autoRegistrationStatusBefore=auto_before,
        autoRegistrationStatusAfter=auto_after,
        changed=updated_now or (not request.dryRun and (status_before, auto_before) != deactivated),
    )
