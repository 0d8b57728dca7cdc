"""The revocation order on the emulator: the manifest lists the newest registrations first, those after
the request's registeredAfter before all others, and every certificate is still revoked once.

AWS IoT API reference, ListCertificatesByCA: ascendingOrder ("If True, the results are returned in
ascending order, based on the creation date"); the emulator's certificates are created in fleet order.
"""

from __future__ import annotations

import json
from typing import Any

from emulator.session import REPORT_BUCKET
from tests.support.statuses import ca_status, statuses
from tests.support.workflow import run_workflow


def _object(emulator: Any, key: str) -> Any:
    body = emulator.client("s3").get_object(Bucket=REPORT_BUCKET, Key=key)["Body"].read()
    return json.loads(body)


def test_the_certificates_registered_after_the_cut_off_are_revoked_first_and_none_is_left_out(
    emulator, new_fleet
):
    fleet = new_fleet(600)  # certificate_ids in creation order
    iot = emulator.client("iot")
    created = iot.describe_certificate(certificateId=fleet.certificate_ids[549])["certificateDescription"]
    cut_off = created["creationDate"]  # the 50 created after it come first
    request = {"caCertificateId": fleet.ca_certificate_id, "registeredAfter": cut_off.isoformat()}

    result = run_workflow(emulator, request)

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.report["certificates"]["total"] == 600
    assert set(statuses(iot, fleet.certificate_ids).values()) == {"REVOKED"}
    assert ca_status(iot, fleet.ca_certificate_id).status == "INACTIVE"
    prefix = result.report["reportLocation"].split(f"s3://{REPORT_BUCKET}/", 1)[1].rsplit("report.json", 1)[0]
    batches = _object(emulator, f"{prefix}revocation-batches.json")
    in_order = [
        entry["certificateId"]
        for batch in batches
        for number in batch["pageNumbers"]
        for entry in _object(emulator, f"{prefix}pages/{number:06d}.json")
    ]
    assert sorted(in_order) == sorted(fleet.certificate_ids)  # each once
    assert set(in_order[:50]) == set(fleet.certificate_ids[550:])
    # Then the rest, newest first: the oldest registration is the last one revoked.
    assert in_order[50:] == list(reversed(fleet.certificate_ids[:550]))
