"""The discovery driver: the CAs in scope, then their certificates, continued across invocations.

Phases (DiscoveryState.phase), each resumable from the state alone:
  cas     ListCACertificates + DescribeCACertificate of each -> scope/cas.json, scope/registered.json.
          The invocation ends after this phase, so the state machine can deactivate the CAs in scope
          before their certificates are listed (no new auto-registration under them meanwhile).
  linked  ListCertificatesByCA of every registered CA, by id: an in-scope CA's pages become revocation
          pages (foundBy: its id); every listed id, in scope or not, is "linked" (scope/linked/ chunks).
          With the scan off, only the in-scope CAs are listed.
  scan    ListCertificates minus the linked ids -> DescribeCertificate of each remaining one -> a
          revocation page entry (foundBy "issuer-scan") when a CA in scope issued it.
  complete  manifest.json over every page, newest registrations first (page-index/ parts:
          revocation_common.registration_order).
Order: each CA's listing runs newest first, the scan's oldest first (discover_scope.aws says why), and
every page is sorted newest first; with the request's registeredAfter, the certificates
registered after it go on pages of their own (a listing page may become two shorter pages), which the
manifest puts before every other page.
Scale (1,000,000 certificates, 250 a page): the state holds only keys and counts (Step Functions payload
256 KiB); every invocation stops at its deadline and hands back the position (Lambda timeout 900 s); at
the default quotas an invocation of 780 s covers about 7,800 descriptions or 1,950,000 listed ids, so a
whole run is a few hundred task iterations at most (Step Functions history 25,000 events). The linked ids
are held in memory during the scan (about 150 MB at 1,000,000; the function has 1,024 MB or more).
Sources: AWS IoT API reference (the five actions); Step Functions developer guide, "Step Functions
service quotas"; Lambda developer guide, "Lambda quotas".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from revocation_common.certificates import parse_ca_certificate_pem
from revocation_common.errors import CaNotFound
from revocation_common.ports import ObjectMissing, ObjectStore
from revocation_common.registration_order import PageIndexEntry, manifest_order, registered_first
from revocation_common.scope_models import (
    ISSUER_SCAN,
    DiscoveryState,
    RegisteredCa,
    RegisteredCaIndex,
    ScopeCa,
    ScopeCaCounts,
    ScopeRequest,
)
from revocation_common.store import (
    linked_chunk_key,
    manifest_key,
    page_index_key,
    page_key,
    registered_key,
    scope_cas_key,
)

from discover_scope.ports import IotReads, ListedPage, Pacers
from discover_scope.scope import ScopeIssuers, cas_in_scope, resolve_named, unique_registered, unlinked_issuer

PAGE_LIMIT = 250  # entries per revocation page, as the listing writes them
LINKED_CHUNK_SIZE = 50_000  # ids per scope/linked/ object (about 3.3 MB of JSON)


@dataclass
class _Run:
    """The mutable working copy of one invocation's state."""

    iot: IotReads
    store: ObjectStore
    pacers: Pacers
    prefix: str
    deadline: float
    clock: Callable[[], float]
    values: dict[str, Any]
    registered_after: str | None = None
    counts: dict[str, ScopeCaCounts] = field(default_factory=dict)
    linked_buffer: list[str] = field(default_factory=list)
    # The scan's pages being filled: registered after registeredAfter (True) and the others (False).
    scan_buffers: dict[bool, list[dict[str, str]]] = field(default_factory=lambda: {True: [], False: []})
    index: list[PageIndexEntry] = field(default_factory=list)
    index_written: int = 0
    worked: bool = False

    def late(self) -> bool:
        """Past the deadline, once this invocation has done some work (so every invocation progresses)."""
        return self.worked and self.clock() >= self.deadline

    def first(self, entry: dict[str, str]) -> bool:
        return registered_first(entry.get("creationDate", ""), self.registered_after)

    def write_page(self, entries: list[dict[str, str]], *, first: bool = False) -> None:
        if not entries:
            return
        number = self.values["pageCount"]
        # Newest first within the page too (a stable sort: the listing's order among equal dates).
        entries = sorted(entries, key=lambda entry: entry.get("creationDate", ""), reverse=True)
        self.store.put_json(page_key(self.prefix, number), entries)
        newest = max(entry.get("creationDate", "") for entry in entries)
        self.index.append(PageIndexEntry(pageNumber=number, newestCreationDate=newest, registeredFirst=first))
        self.values["pageCount"] += 1
        self.values["certificateCount"] += len(entries)

    def write_listed(self, entries: list[dict[str, str]]) -> None:
        """One listing page as revocation pages: those registered after registeredAfter apart."""
        self.write_page([entry for entry in entries if self.first(entry)], first=True)
        self.write_page([entry for entry in entries if not self.first(entry)])

    def flush_scan_page(self, first: bool | None = None) -> None:
        for group in (True, False) if first is None else (first,):
            self.write_page(self.scan_buffers[group], first=group)
            self.scan_buffers[group] = []

    def flush_index(self) -> None:
        """This invocation's pages in page-index/{invocations:06d}.json (a retry from the same state
        rewrites the same part)."""
        if len(self.index) > self.index_written:
            self.store.put_json(
                page_index_key(self.prefix, self.values["invocations"]),
                [entry.model_dump() for entry in self.index],
            )
            self.index_written = len(self.index)

    def flush_linked(self) -> None:
        if not self.linked_buffer:
            return
        self.store.put_json(
            linked_chunk_key(self.prefix, self.values["linkedChunkCount"]), self.linked_buffer
        )
        self.values["linkedChunkCount"] += 1
        self.values["linkedCount"] += len(self.linked_buffer)
        self.linked_buffer = []

    def count(self, ca_id: str, *, listed: int = 0, unlinked: int = 0) -> None:
        now = self.counts.get(ca_id, ScopeCaCounts(caCertificateId=ca_id))
        self.counts[ca_id] = ScopeCaCounts(
            caCertificateId=ca_id, listed=now.listed + listed, unlinked=now.unlinked + unlinked
        )

    def state(self) -> DiscoveryState:
        self.flush_index()
        values = dict(self.values)
        values["caCounts"] = tuple(self.counts.values())
        values["invocations"] += 1
        values["complete"] = values["phase"] == "complete"
        return DiscoveryState.model_validate(values)


def discover(
    iot: IotReads,
    store: ObjectStore,
    pacers: Pacers,
    *,
    request: ScopeRequest,
    prefix: str,
    state: DiscoveryState,
    scan_default: bool,
    deadline: float,
    clock: Callable[[], float],
) -> DiscoveryState:
    """Continue the discovery from ``state`` until it is complete or ``deadline`` (clock seconds) passes.

    Input: the request (caCertificateId and/or caCertificatePem, scanUnlinked, registeredAfter), the S3
    prefix of the execution (or of a verification's re-discovery), the state ({} at first), the
    deployment's default for scanUnlinked. Output: the new state (complete with manifestKey once done).
    Writes: scope/cas.json, scope/registered.json, scope/linked/{n:06d}.json, pages/{n:06d}.json
    ([{certificateId, status, foundBy, issuedBy?, creationDate}], at most 250),
    page-index/{invocation:06d}.json, manifest.json ([{pageKey, pageNumber}], in revocation order:
    revocation_common.registration_order.manifest_order).
    Re-runnable: the same state rewrites the same objects, so a retried invocation is harmless.
    Errors: InvalidInput (caCertificatePem not one PEM CA certificate, or naming another CA than
    caCertificateId), CaNotFound (caCertificateId not registered), TransientAwsError.
    """
    run = _Run(
        iot=iot,
        store=store,
        pacers=pacers,
        prefix=prefix,
        deadline=deadline,
        clock=clock,
        values=state.model_dump(exclude={"caCounts"}),
        registered_after=request.registeredAfter,
        counts={c.caCertificateId: c for c in state.caCounts},
    )
    if state.phase == "cas":
        _cas_phase(run, request, scan_default)
        return run.state()
    if run.values["phase"] == "linked" and not _linked_phase(run):
        return run.state()
    if run.values["phase"] == "scan" and not _scan_phase(run):
        return run.state()
    if run.values["phase"] != "complete":
        run.values["phase"] = "complete"
    run.flush_index()
    order = manifest_order(run.values["pageCount"], _page_index(run))
    key = manifest_key(prefix)
    store.put_json(key, [{"pageKey": page_key(prefix, n), "pageNumber": n} for n in order])
    run.values["manifestKey"] = key
    return run.state()


def _page_index(run: _Run) -> list[PageIndexEntry]:
    """Every part of the page index so far (one per invocation that wrote pages; the others are missing)."""
    entries: list[PageIndexEntry] = []
    for invocation in range(run.values["invocations"] + 1):
        try:
            part = run.store.get_json(page_index_key(run.prefix, invocation))
        except ObjectMissing:
            continue
        entries.extend(PageIndexEntry.model_validate(item) for item in part)
    return entries


def read_registered(iot: IotReads, pacers: Pacers) -> list[RegisteredCa]:
    """Every registered CA with its certificatePem: ListCACertificates pages, DescribeCACertificate each
    (a CA deleted in between is left out). Ordered by id, once each."""
    ids: list[str] = []
    marker: str | None = None
    while True:
        pacers.wait("ListCACertificates")
        page: ListedPage = iot.list_ca_certificates(marker)
        ids.extend(entry.certificateId for entry in page.entries)
        marker = page.next_marker
        if marker is None:
            break
    registered = []
    for ca_id in sorted(set(ids)):
        pacers.wait("DescribeCACertificate")
        described = iot.describe_ca_certificate(ca_id)
        if described is not None:
            registered.append(described)
    return registered


def _cas_phase(run: _Run, request: ScopeRequest, scan_default: bool) -> None:
    pem = parse_ca_certificate_pem(request.caCertificatePem) if request.caCertificatePem is not None else None
    registered = read_registered(run.iot, run.pacers)
    named_id = request.named_ca_certificate_id
    if named_id is not None and pem is None and named_id not in {ca.caCertificateId for ca in registered}:
        # Not (yet) in ListCACertificates' answer: ask for it by id before calling it unknown.
        run.pacers.wait("DescribeCACertificate")
        described = run.iot.describe_ca_certificate(named_id)
        if described is None:
            raise CaNotFound(f"caCertificateId {named_id} is not registered in AWS IoT")
        registered.append(described)
    registered = unique_registered(registered)
    named = resolve_named(ca_certificate_id=named_id, pem_certificate=pem, registered=registered)
    scope = cas_in_scope(named, registered)
    in_scope = {ca.caCertificateId for ca in scope if ca.registered}
    run.store.put_json(scope_cas_key(run.prefix), [ca.model_dump() for ca in scope])
    run.store.put_json(
        registered_key(run.prefix),
        [
            RegisteredCaIndex(
                caCertificateId=ca.caCertificateId, inScope=ca.caCertificateId in in_scope
            ).model_dump()
            for ca in registered
        ],
    )
    run.values.update(
        phase="linked",
        scanUnlinked=scan_default if request.scanUnlinked is None else request.scanUnlinked,
        registeredCaCount=len(registered),
        casInScope=len(scope),
        scopeKey=scope_cas_key(run.prefix),
    )
    run.counts = {ca.caCertificateId: ScopeCaCounts(caCertificateId=ca.caCertificateId) for ca in scope}


def _registered_index(run: _Run) -> list[RegisteredCaIndex]:
    return [RegisteredCaIndex.model_validate(item) for item in run.store.get_json(registered_key(run.prefix))]


def _linked_phase(run: _Run) -> bool:
    """List the registered CAs from (caIndex, marker); True when every one is listed."""
    registered = _registered_index(run)
    scan = run.values["scanUnlinked"]
    while run.values["caIndex"] < len(registered):
        ca = registered[run.values["caIndex"]]
        if not ca.inScope and not scan:
            run.values.update(caIndex=run.values["caIndex"] + 1, marker=None)
            continue
        if run.late():
            run.flush_linked()
            return False
        run.pacers.wait("ListCertificatesByCA")
        page = run.iot.list_certificates_by_ca(ca.caCertificateId, run.values["marker"])
        run.worked = True
        if scan:
            run.linked_buffer.extend(entry.certificateId for entry in page.entries)
        if ca.inScope and page.entries:
            run.write_listed(
                [
                    {
                        "certificateId": e.certificateId,
                        "status": e.status,
                        "foundBy": ca.caCertificateId,
                        "creationDate": e.creationDate,
                    }
                    for e in page.entries
                ]
            )
            run.count(ca.caCertificateId, listed=len(page.entries))
        if page.next_marker is None:
            run.values.update(caIndex=run.values["caIndex"] + 1, marker=None)
        else:
            run.values["marker"] = page.next_marker
        if len(run.linked_buffer) >= LINKED_CHUNK_SIZE:
            run.flush_linked()
    run.flush_linked()
    run.values["phase"] = "scan" if scan else "complete"
    return True


def _linked_ids(run: _Run) -> set[str]:
    ids: set[str] = set()
    for number in range(run.values["linkedChunkCount"]):
        ids.update(run.store.get_json(linked_chunk_key(run.prefix, number)))
    return ids


def _resume_position(page: ListedPage, offset: int, resume_id: str | None) -> int:
    """Where a scan stopped mid-page goes on in the same page listed again: at the entry it stopped
    before (``resume_id``), wherever that entry is now. A certificate deleted since then from earlier in
    the page moves it forward; at ``offset`` it would be skipped. When that entry itself is gone, the
    ones after it moved into its place: ``offset``."""
    ids = [entry.certificateId for entry in page.entries]
    return ids.index(resume_id) if resume_id in ids else offset


def _scan_phase(run: _Run) -> bool:
    """Scan ListCertificates from (scanMarker, scanOffset); True when the last page is done."""
    linked = _linked_ids(run)
    cas = [ScopeCa.model_validate(item) for item in run.store.get_json(scope_cas_key(run.prefix))]
    issuers = ScopeIssuers(cas)
    registered_in_scope = {ca.caCertificateId: ca.inScope for ca in _registered_index(run)}
    while True:
        if run.late():
            run.flush_scan_page()
            return False
        marker = run.values["scanMarker"]
        run.pacers.wait("ListCertificates")
        page = run.iot.list_certificates(marker)
        run.worked = True
        start = _resume_position(page, run.values["scanOffset"], run.values["scanResumeId"])
        for index in range(start, len(page.entries)):
            entry = page.entries[index]
            if entry.certificateId in linked:
                continue
            # Past the deadline, stop only after describing at least one entry of this page: the listing
            # call alone is no progress (the next invocation lists the same page again).
            if index > start and run.late():
                run.values.update(scanOffset=index, scanResumeId=entry.certificateId)
                run.flush_scan_page()
                return False
            run.pacers.wait("DescribeCertificate")
            described = run.iot.describe_certificate(entry.certificateId)
            run.values["unlinkedScanned"] += 1
            if described is None:
                continue  # deleted since it was listed: nothing to revoke
            issuer = unlinked_issuer(
                issuers,
                certificate_pem=described.certificatePem,
                ca_certificate_id=described.caCertificateId,
                registered_in_scope=registered_in_scope,
            )
            if issuer is None:
                continue
            run.values["unlinkedInScope"] += 1
            run.count(issuer, unlinked=1)
            found = {
                "certificateId": described.certificateId,
                "status": described.status,
                "foundBy": ISSUER_SCAN,
                "issuedBy": issuer,
                "creationDate": entry.creationDate,
            }
            group = run.first(found)
            run.scan_buffers[group].append(found)
            if len(run.scan_buffers[group]) >= PAGE_LIMIT:
                run.flush_scan_page(group)
        run.values.update(scanMarker=page.next_marker, scanOffset=0, scanResumeId=None)
        if page.next_marker is None:
            run.flush_scan_page()
            return True
