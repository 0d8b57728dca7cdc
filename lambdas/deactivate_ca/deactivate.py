"""Deactivation of the CA in AWS IoT.

Source: AWS IoT Developer Guide, "Deactivate a CA certificate"; API reference UpdateCACertificate and
DescribeCACertificate.
"""

from __future__ import annotations

from revocation_common.models import CanonicalRequest, CaState
from revocation_common.ports import IotPort, ObjectStore
from revocation_common.store import ca_state_key

DEACTIVATED = ("INACTIVE", "DISABLE")  # (status, autoRegistrationStatus) of a deactivated CA


def first_seen_ca_state(store: ObjectStore, key: str, observed: tuple[str, str]) -> tuple[str, str]:
    """The CA's (status, autoRegistrationStatus) as this execution first saw it.

    The first attempt stores ``observed`` with a conditional write; a retried attempt (after a crash or a
    timeout that came after UpdateCACertificate took effect) reads it back, so the report still says
    what the CA was before this execution, not what the earlier attempt left.
    Errors: TransientAwsError (throttling/5xx after retries).
    """
    document = {"status": observed[0], "autoRegistrationStatus": observed[1]}
    if store.put_json(key, document, only_if_absent=True):
        return observed
    kept = store.get_json(key)
    return str(kept["status"]), str(kept["autoRegistrationStatus"])


def deactivate_ca(iot: IotPort, store: ObjectStore, request: CanonicalRequest, *, prefix: str) -> CaState:
    """Make the CA INACTIVE with auto-registration DISABLE; a dry run only describes it.

    Idempotent: an INACTIVE CA with auto-registration disabled is left as it is. ``statusBefore`` is the
    status this execution first saw (kept in S3 under the execution's prefix, see first_seen_ca_state);
    ``changed`` says whether this execution deactivated it, in this attempt or an earlier one.
    Output: CaState. Errors: CaNotFound, TransientAwsError.
    """
    ca_id = request.caCertificateId
    observed = iot.describe_ca(ca_id)
    status_before, auto_before = first_seen_ca_state(store, ca_state_key(prefix), observed)
    updated_now = False
    if not request.dryRun and observed != DEACTIVATED:
        iot.deactivate_ca(ca_id)
        updated_now = True
    status_after, auto_after = iot.describe_ca(ca_id) if updated_now else observed
    return CaState(
        caCertificateId=ca_id,
        statusBefore=status_before,
        statusAfter=status_after,
        autoRegistrationStatusBefore=auto_before,
        autoRegistrationStatusAfter=auto_after,
        changed=updated_now or (not request.dryRun and (status_before, auto_before) != DEACTIVATED),
    )
