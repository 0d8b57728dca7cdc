"""The Things of a seeded fleet (issue 13, "Affected Things"): devices attached to its certificates.

Drawn from the fleet's seed alone (a random stream of its own, so the certificates of a seed stay what
they were): of the certificates, about 3 in 10 have no Thing, half one Thing of their own, the rest two
or three, and one in ten of those with a Thing also shares a gateway Thing with other certificates (a
Thing attached to several certificates, as AttachThingPrincipal allows with NON_EXCLUSIVE_THING).
Created with CreateThing and attached with AttachThingPrincipal (AWS IoT API reference), or on the fast
path through the emulator's backend (EmulatorIoTBackend.add_things), to the same state.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["attach_things", "plan_things"]

GATEWAYS = 5  # shared Things per fleet


def plan_things(seed: int, certificate_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """certificateId -> the Thing names to attach to it (empty for none), the same for the same seed and
    ids. Names match the API's pattern [a-zA-Z0-9:_-]+ and are unique per seed."""
    rng = random.Random(f"things:{seed}")  # noqa: S311 - reproducible test data, not cryptography
    plan: dict[str, tuple[str, ...]] = {}
    number = 0
    for cid in certificate_ids:
        draw = rng.random()
        own = 0 if draw < 0.3 else 1 if draw < 0.8 else 2 if draw < 0.95 else 3
        names = [f"device-{seed}-{number + k:06d}" for k in range(own)]
        number += own
        if own and rng.random() < 0.1:
            names.append(f"gateway-{seed}-{rng.randrange(GATEWAYS)}")
        plan[cid] = tuple(names)
    return plan


def attach_things(iot_client: Any, backend: Any | None, plan: Mapping[str, Sequence[str]]) -> None:
    """Create and attach the Things of ``plan``: through ``backend`` (EmulatorIoTBackend) when given, else
    CreateThing (once per name) and AttachThingPrincipal (principal: the certificate's ARN) per pair.
    Errors: whatever the IoT API raises (botocore ClientError)."""
    if backend is not None:
        backend.add_things(plan.items())
        return
    created: set[str] = set()
    for cid, names in plan.items():
        if not names:
            continue
        arn = iot_client.describe_certificate(certificateId=cid)["certificateDescription"]["certificateArn"]
        for name in names:
            if name not in created:
                iot_client.create_thing(thingName=name)
                created.add(name)
            iot_client.attach_thing_principal(thingName=name, principal=arn)
