"""The affected-Things CSV of the report (issue 13): one row per (certificate, Thing) of the merged
outcomes, written as ``{reportPrefix}affected-things.csv`` with the standard library's csv module.

Columns: AFFECTED_THINGS_COLUMNS. A certificate attached to no Thing has one row with an empty
thingName; so has a certificate of a page without recorded outcomes (its Things were not listed).
The Thing names come from the outcomes' thingNames (RevokeCertificates' ListPrincipalThings); this module
calls no AWS IoT API. Source: Amazon S3 API reference, PutObject.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from revocation_common.ports import TextStore
from revocation_common.store import affected_things_key

AFFECTED_THINGS_COLUMNS = ("certificateId", "thingName", "statusBefore", "statusAfter", "outcome")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


@dataclass
class AffectedThings:
    """The CSV's rows (in outcome order, each certificate's Things in listing order) and the distinct
    Thing names among them."""

    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def add(self, outcome: Mapping[str, Any]) -> None:
        """The rows of one certificate's outcome ({certificateId, statusBefore, statusAfter, outcome,
        thingNames (list, or None/absent when not listed)}): one per Thing, or one with an empty
        thingName when it has none."""
        names = outcome.get("thingNames") or [""]
        for name in names:
            self.rows.append(
                (
                    str(outcome["certificateId"]),
                    str(name),
                    str(outcome.get("statusBefore", "")),
                    str(outcome.get("statusAfter", "")),
                    str(outcome.get("outcome", "")),
                )
            )
            if name:
                self.names.add(str(name))


def affected_things_csv(rows: Iterable[tuple[str, str, str, str, str]]) -> str:
    """The CSV text: the header AFFECTED_THINGS_COLUMNS, then ``rows``; RFC 4180 quoting, \\r\\n lines
    (csv's default dialect "excel")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AFFECTED_THINGS_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def write_affected_things(store: TextStore, bucket: str, prefix: str, things: AffectedThings) -> str:
    """PutObject the CSV under ``{prefix}affected-things.csv``; returns its s3://bucket/key URL.

    Errors: TransientAwsError, botocore ClientError (as the store raises them).
    """
    key = affected_things_key(prefix)
    store.put_text(key, affected_things_csv(things.rows), content_type=CSV_CONTENT_TYPE)
    return f"s3://{bucket}/{key}"
