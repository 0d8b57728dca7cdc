"""Where discovery keeps its objects under the execution's prefix (docs/data-contract.md).

The pages and the manifest are revocation_common.store's (pages/{n:06d}.json, manifest.json), so the
Distributed Map and VerifyRevocation read discovery's pages as they read the listing's.
"""

from __future__ import annotations


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
