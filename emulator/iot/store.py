"""The certificate store of the emulator's IoT backend, and the markers of the IoT list APIs.

:class:`IndexedCertificates` replaces moto's ``certificates`` and ``ca_certificates`` dicts. Every insert
gets a monotonically increasing sequence number and is appended to two indexes in creation order: one of
every entry (ListCertificates, ListCACertificates) and one per ``ca_certificate_id`` (ListCertificatesByCA;
certificates registered without a CA sit under None). A page is then a bisect plus a slice,
O(log n + pageSize), never a scan of the account. Markers carry sequence numbers, so a listing stays
consistent when certificates are added or deleted between pages.

Markers are opaque base64 matching the APIs' Marker pattern ``[A-Za-z0-9+/]+={0,2}`` (API_ListCertificates,
API_ListCertificatesByCA, API_ListCACertificates); the page size is 1..250 with a default of 25 ("The
results are paginated with a default page size of 25", same pages).
"""

from __future__ import annotations

import base64
import binascii
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from moto.iot.exceptions import InvalidRequestException

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "IndexedCertificates",
    "certificate_store",
    "decode_marker",
    "encode_marker",
    "parse_bool",
    "parse_page_size",
]

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 250
# Marker scopes besides a CA id (64 hex digits, ListCertificatesByCA): a marker is valid only for the
# listing that issued it.
ALL_CERTIFICATES = "certificates"  # ListCertificates
ALL_CA_CERTIFICATES = "cacertificates"  # ListCACertificates

_MARKER_VERSION = "v1"
_CONVERT_LOCK = threading.Lock()


class _OrderIndex:
    """Ids in creation order, with their (increasing) sequence numbers."""

    __slots__ = ("ids", "seqs")

    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.ids: list[str] = []

    def append(self, seq: int, key: str) -> None:
        self.seqs.append(seq)
        self.ids.append(key)

    def remove(self, seq: int) -> None:
        i = bisect_left(self.seqs, seq)
        if i < len(self.seqs) and self.seqs[i] == seq:
            del self.seqs[i]
            del self.ids[i]

    def page(self, after_seq: int | None, page_size: int, ascending: bool) -> tuple[list[str], int | None]:
        """(ids of the page after position ``after_seq``, sequence number to continue after or None)."""
        seqs, ids = self.seqs, self.ids
        if ascending:
            start = 0 if after_seq is None else bisect_right(seqs, after_seq)
            end = min(start + page_size, len(ids))
            next_seq = seqs[end - 1] if end < len(ids) and end > start else None
            return ids[start:end], next_seq
        end = len(ids) if after_seq is None else bisect_left(seqs, after_seq)
        start = max(0, end - page_size)
        next_seq = seqs[start] if start > 0 and end > start else None
        return ids[start:end][::-1], next_seq


class IndexedCertificates(OrderedDict[str, Any]):
    """Drop-in replacement for ``IoTBackend.certificates`` / ``ca_certificates`` (id -> certificate).

    Deletes cost O(n) list moves (moto deletes one certificate per call; rare).
    """

    def __init__(self, items: Iterable[tuple[str, Any]] = ()) -> None:
        super().__init__()
        self._reset_index()
        for key, value in items:
            self[key] = value

    def _reset_index(self) -> None:
        self._next_seq = 0
        self._seq_of: dict[str, int] = {}
        self._all = _OrderIndex()
        self._by_ca: dict[str | None, _OrderIndex] = {}

    def _index(self, key: str, cert: Any) -> None:
        seq = self._next_seq
        self._next_seq += 1
        self._seq_of[key] = seq
        self._all.append(seq, key)
        index = self._by_ca.get(cert.ca_certificate_id)
        if index is None:
            index = self._by_ca[cert.ca_certificate_id] = _OrderIndex()
        index.append(seq, key)

    def _unindex(self, key: str, cert: Any) -> None:
        seq = self._seq_of.pop(key, None)
        if seq is None:
            return
        self._all.remove(seq)
        index = self._by_ca.get(cert.ca_certificate_id)
        if index is not None:
            index.remove(seq)

    def __setitem__(self, key: str, value: Any) -> None:
        old = super().get(key)
        if old is not None and old.ca_certificate_id == value.ca_certificate_id:
            super().__setitem__(key, value)  # same CA: keep its place in the listings
            return
        if old is not None:
            self._unindex(key, old)
        super().__setitem__(key, value)
        self._index(key, value)

    def __delitem__(self, key: str) -> None:
        cert = self[key]
        super().__delitem__(key)
        self._unindex(key, cert)

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            value = self[key]
            del self[key]
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def popitem(self, last: bool = True) -> tuple[str, Any]:
        key, value = super().popitem(last)
        self._unindex(key, value)
        return key, value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        super().clear()
        self._reset_index()

    def _ensure_consistent(self) -> None:
        # Guards against writes that bypassed the overrides (none known in moto 5.2): rebuild once.
        if len(self._seq_of) != len(self):
            items = list(self.items())
            super().clear()
            self._reset_index()
            for key, value in items:
                self[key] = value

    def ids_by_ca(self, ca_certificate_id: str) -> list[str]:
        """All certificate ids registered with ``ca_certificate_id``, in creation order (a copy)."""
        self._ensure_consistent()
        index = self._by_ca.get(ca_certificate_id)
        return list(index.ids) if index is not None else []

    def page_by_ca(
        self, ca_certificate_id: str, after_seq: int | None, page_size: int, ascending: bool
    ) -> tuple[list[Any], int | None]:
        """One page of the CA's certificates after position ``after_seq``.

        Returns (certificates, sequence number to continue after, or None on the last page).
        """
        self._ensure_consistent()
        index = self._by_ca.get(ca_certificate_id)
        if index is None:
            return [], None
        ids, next_seq = index.page(after_seq, page_size, ascending)
        return [self[cid] for cid in ids], next_seq

    def page_all(
        self, after_seq: int | None, page_size: int, ascending: bool
    ) -> tuple[list[Any], int | None]:
        """One page of every entry in creation order after position ``after_seq`` (see page_by_ca)."""
        self._ensure_consistent()
        ids, next_seq = self._all.page(after_seq, page_size, ascending)
        return [self[cid] for cid in ids], next_seq


def certificate_store(backend: Any, attribute: str = "certificates") -> IndexedCertificates:
    """``backend.<attribute>`` (``certificates`` or ``ca_certificates``) as :class:`IndexedCertificates`.

    A backend created before ``install_iot_layer()`` holds plain dicts; they are converted in place on
    first use, keeping creation order.
    """
    store = getattr(backend, attribute)
    if isinstance(store, IndexedCertificates):
        return store
    with _CONVERT_LOCK:
        store = getattr(backend, attribute)
        if not isinstance(store, IndexedCertificates):
            store = IndexedCertificates(list(store.items()))
            setattr(backend, attribute, store)
        return store


def encode_marker(scope: str, ascending: bool, seq: int) -> str:
    """The nextMarker continuing the listing ``scope`` (a CA id, or ALL_*) after sequence number ``seq``."""
    raw = f"{_MARKER_VERSION}:{scope}:{'a' if ascending else 'd'}:{seq}"
    return base64.b64encode(raw.encode("ascii")).decode("ascii")


def decode_marker(marker: str, scope: str, ascending: bool) -> int:
    """The sequence number in ``marker``; InvalidRequestException unless this listing issued it."""
    invalid = InvalidRequestException(f"Invalid marker: {marker[:64]!r}")
    try:
        raw = base64.b64decode(marker.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise invalid from None
    parts = raw.split(":")
    if (
        len(parts) != 4
        or parts[0] != _MARKER_VERSION
        or parts[1] != scope
        or parts[2] != ("a" if ascending else "d")
        or not parts[3].isdigit()
    ):
        raise invalid
    return int(parts[3])


def parse_page_size(value: Any) -> int:
    """pageSize 1..MAX_PAGE_SIZE (default DEFAULT_PAGE_SIZE); InvalidRequestException otherwise."""
    if value is None:
        return DEFAULT_PAGE_SIZE
    try:
        page_size = int(value)
    except (TypeError, ValueError):
        raise InvalidRequestException(f"pageSize must be an integer, got {value!r}") from None
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidRequestException(
            f"Value '{page_size}' at 'pageSize' failed to satisfy constraint: "
            f"Member must have value between 1 and {MAX_PAGE_SIZE}"
        )
    return page_size


def parse_bool(value: Any, name: str, default: bool) -> bool:
    """A boolean request parameter ("true"/"false" in a query string); InvalidRequestException otherwise."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("true", "false"):
        return text == "true"
    raise InvalidRequestException(f"{name} must be true or false, got {value!r}")
