"""Deactivation of every registered CA in scope in AWS IoT, the named CA first.

Source: AWS IoT Developer Guide, "Deactivate a CA certificate"; API reference UpdateCACertificate and
DescribeCACertificate.
"""

from __future__ import annotations

from revocation_common.errors import CaNotFound
from revocation_common.models import CanonicalRequest, CaState
from revocation_common.ports import IotPort, ObjectStore
from revocation_common.scope_models import ScopeCa, ScopeCaState
from revocation_common.store import ca_before_key, ca_states_key, scope_cas_key

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


def deactivate_ca(
    iot: IotPort, store: ObjectStore, ca: ScopeCa, *, dry_run: bool, prefix: str
) -> ScopeCaState:
    """Make one registered CA INACTIVE with auto-registration DISABLE; a dry run only describes it.

    Idempotent: an INACTIVE CA with auto-registration disabled is left as it is. ``statusBefore`` is the
    status this execution first saw (``ca-before/{caCertificateId}.json``, see first_seen_ca_state);
    ``changed`` says whether this execution deactivated it, in this attempt or an earlier one.
    Errors: CaNotFound, TransientAwsError.
    """
    ca_id = ca.caCertificateId
    observed = iot.describe_ca(ca_id)
    status_before, auto_before = first_seen_ca_state(store, ca_before_key(prefix, ca_id), observed)
    updated_now = False
    if not dry_run and observed != DEACTIVATED:
        iot.deactivate_ca(ca_id)
        updated_now = True
    status_after, auto_after = iot.describe_ca(ca_id) if updated_now else observed
    return ScopeCaState(
        caCertificateId=ca_id,
        relation=ca.relation,
        issuedBy=ca.issuedBy,
        registered=True,
        statusBefore=status_before,
        autoRegistrationStatusBefore=auto_before,
        statusAfter=status_after,
        autoRegistrationStatusAfter=auto_after,
        changed=updated_now or (not dry_run and (status_before, auto_before) != DEACTIVATED),
    )


def deactivate_scope(iot: IotPort, store: ObjectStore, request: CanonicalRequest, *, prefix: str) -> CaState:
    """Deactivate every registered CA of ``scope/cas.json`` (discovery's "cas" phase), the named CA first.

    A CA registered nowhere here (the named CA named by PEM only) has nothing to deactivate. An
    intermediate deleted since discovery described it is recorded with empty statuses (nothing left to
    deactivate; the re-discovery will not find it). Writes ``scope/ca-states.json`` (ScopeCaState, in
    scope order). Output: CaState of the named CA (the report's ``ca`` block) with the counts.
    Errors: CaNotFound (the named CA is no longer registered), TransientAwsError.
    """
    cas = [ScopeCa.model_validate(item) for item in store.get_json(scope_cas_key(prefix))]
    states: list[ScopeCaState] = []
    for ca in cas:
        if not ca.registered:
            states.append(
                ScopeCaState(caCertificateId=ca.caCertificateId, relation=ca.relation, registered=False)
            )
            continue
        try:
            states.append(deactivate_ca(iot, store, ca, dry_run=request.dryRun, prefix=prefix))
        except CaNotFound:
            if ca.relation == "named":
                raise
            states.append(
                ScopeCaState(
                    caCertificateId=ca.caCertificateId,
                    relation=ca.relation,
                    issuedBy=ca.issuedBy,
                    registered=True,
                )
            )
    key = ca_states_key(prefix)
    store.put_json(key, [state.model_dump() for state in states])
    named = next(state for state in states if state.relation == "named")
    return CaState(
        caCertificateId=named.caCertificateId,
        statusBefore=named.statusBefore,
        statusAfter=named.statusAfter,
        autoRegistrationStatusBefore=named.autoRegistrationStatusBefore,
        autoRegistrationStatusAfter=named.autoRegistrationStatusAfter,
        changed=any(state.changed for state in states),
        registered=named.registered,
        casInScope=len(states),
        casRegistered=sum(1 for state in states if state.registered),
        casDeactivated=sum(1 for state in states if state.changed),
        statesKey=key,
    )
