"""Deactivation of the CA in AWS IoT.

Source: AWS IoT Developer Guide, "Deactivate a CA certificate"; API reference UpdateCACertificate and
DescribeCACertificate.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from revocation_common.aws_errors import raise_if_transient
from revocation_common.iot_calls import describe_ca
from revocation_common.models import CanonicalRequest, CaState


def deactivate_ca(iot: Any, request: CanonicalRequest) -> CaState:
    """Make the CA INACTIVE with auto-registration DISABLE; a dry run only describes it.

    Idempotent: an INACTIVE CA with auto-registration disabled is left as it is (changed=False).
    Output: CaState with the statuses before and after, as DescribeCACertificate reports them.
    Errors: CaNotFound, TransientAwsError.
    """
    ca_id = request.caCertificateId
    status_before, auto_before = describe_ca(iot, ca_id)
    changed = False
    if not request.dryRun and (status_before != "INACTIVE" or auto_before != "DISABLE"):
        try:
            iot.update_ca_certificate(
                certificateId=ca_id, newStatus="INACTIVE", newAutoRegistrationStatus="DISABLE"
            )
        except ClientError as error:
            raise_if_transient(error, "UpdateCACertificate")
            raise
        changed = True
    status_after, auto_after = describe_ca(iot, ca_id) if changed else (status_before, auto_before)
    return CaState(
        caCertificateId=ca_id,
        statusBefore=status_before,
        statusAfter=status_after,
        autoRegistrationStatusBefore=auto_before,
        autoRegistrationStatusAfter=auto_after,
        changed=changed,
    )
