"""The Things attached to a certificate (issue 13, "Affected Things"): the certificate's ARN, built from
the execution's, and every page of its ListPrincipalThings.

Sources: Service Authorization Reference, "Actions, resources, and condition keys for AWS IoT" (resource
type ``cert``: ``arn:${Partition}:iot:${Region}:${Account}:cert/${CertificateId}``); AWS IoT API reference,
ListPrincipalThings (principal: the certificate's ARN; maxResults 1-250; nextToken until absent).
"""

from __future__ import annotations

from revocation_common.pacing import RatePacer
from revocation_common.ports import IotPort

# ListPrincipalThings pages followed for one certificate at most (250 Things each): a guard against a
# nextToken that never ends, far above any real attachment count.
MAX_THINGS_PAGES = 1_000


def certificate_arn(execution_arn: str, certificate_id: str) -> str:
    """The ARN of ``certificate_id`` in the execution's partition, Region and account.

    Input: an execution ARN ``arn:PARTITION:states:REGION:ACCOUNT:execution:...`` and a certificateId.
    Output: ``arn:PARTITION:iot:REGION:ACCOUNT:cert/CERTIFICATE_ID``.
    Errors: ValueError naming ``executionArn`` when it is not an ARN of that form.
    """
    parts = execution_arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not all(parts[1:5]) or parts[2] != "states":
        raise ValueError(
            f"executionArn: expected arn:PARTITION:states:REGION:ACCOUNT:..., got {execution_arn!r}"
        )
    partition, region, account = parts[1], parts[3], parts[4]
    return f"arn:{partition}:iot:{region}:{account}:cert/{certificate_id}"


def attached_things(iot: IotPort, pacer: RatePacer, arn: str) -> list[str]:
    """Every Thing attached to the certificate ``arn``: ListPrincipalThings page by page, each call
    paced by ``pacer`` (the ListPrincipalThings quota's share of this task).

    Output: the Thing names in the order AWS IoT listed them, each once; [] for none (or a certificate
    deleted meanwhile). Errors: TransientAwsError (throttling/5xx after botocore's retries; the page's
    task is retried), RuntimeError after MAX_THINGS_PAGES pages.
    """
    names: list[str] = []
    seen: set[str] = set()
    token: str | None = None
    for _ in range(MAX_THINGS_PAGES):
        pacer.wait()
        page = iot.principal_things_page(arn, token)
        for name in page.things:
            if name not in seen:
                seen.add(name)
                names.append(name)
        token = page.next_token
        if token is None:
            return names
    raise RuntimeError(f"ListPrincipalThings of {arn}: more than {MAX_THINGS_PAGES} pages")
