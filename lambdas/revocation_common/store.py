"""The keys of the execution's objects in the report bucket (layout in docs/data-contract.md).

Pure: the objects are read and written through an ObjectStore (revocation_common.ports).
"""

from __future__ import annotations


def execution_prefix(execution_name: str) -> str:
    """S3 prefix of one execution's objects, e.g. ``executions/<executionName>/``."""
    return f"executions/{execution_name}/"


def page_key(prefix: str, page_number: int) -> str:
    return f"{prefix}pages/{page_number:06d}.json"


def outcome_key(prefix: str, page_number: int) -> str:
    return f"{prefix}outcomes/{page_number:06d}.json"


def manifest_key(prefix: str) -> str:
    return f"{prefix}manifest.json"


def report_key(prefix: str) -> str:
    return f"{prefix}report.json"


def affected_things_key(prefix: str) -> str:
    """The affected-Things CSV (certificateId,thingName,statusBefore,statusAfter,outcome), written by
    VerifyRevocation (verify_revocation.things)."""
    return f"{prefix}affected-things.csv"


def verify_prefix(prefix: str) -> str:
    """Where the verification's re-discovery writes (``{prefix}verify/``): never over the revoked pages."""
    return f"{prefix}verify/"


# Scope discovery's objects (DiscoverScope writes them; DeactivateCas and VerifyRevocation read them).
# The pages and the manifest are page_key/manifest_key above, so the Distributed Map and VerifyRevocation
# read discovery's pages as any other.


def scope_cas_key(prefix: str) -> str:
    """JSON array of ScopeCa (with certificatePem): the CAs in scope, named first; a Map ItemReader can
    read it as it is (one item per CA to deactivate)."""
    return f"{prefix}scope/cas.json"


def registered_key(prefix: str) -> str:
    """JSON array of RegisteredCaIndex: every registered CA (by id) and whether it is in scope."""
    return f"{prefix}scope/registered.json"


def linked_chunk_key(prefix: str, chunk_number: int) -> str:
    """JSON array of certificateIds that a registered CA's ListCertificatesByCA returned."""
    return f"{prefix}scope/linked/{chunk_number:06d}.json"


def ca_states_key(prefix: str) -> str:
    """JSON array of the per-CA states DeactivateCas wrote: every CA in scope with its status before and
    after (revocation_common.scope_models.ScopeCaState)."""
    return f"{prefix}scope/ca-states.json"


def ca_before_key(prefix: str, ca_certificate_id: str) -> str:
    """Where DeactivateCas keeps one CA's status as the execution first saw it (a conditional write, kept
    across retries)."""
    return f"{prefix}ca-before/{ca_certificate_id}.json"


def batches_key(prefix: str) -> str:
    """The Distributed Map's items (revocation_common.batches): ``{prefix}revocation-batches.json``."""
    return f"{prefix}revocation-batches.json"


def page_index_key(prefix: str, invocation: int) -> str:
    """JSON array of PageIndexEntry (revocation_common.registration_order): the pages one discovery
    invocation wrote, with their newest creationDate; the manifest's order is made from them."""
    return f"{prefix}page-index/{invocation:06d}.json"


def gather_part_key(prefix: str, part: int) -> str:
    """JSON object {key: document or null (missing)}: one part of the objects VerifyRevocation reads,
    copied in order by its gathering (verify_revocation.gather)."""
    return f"{prefix}verify-gather/{part:06d}.json"
