"""Installing the emulator's IoT layer into moto, and reaching the backend of an account and Region.

``install_iot_layer()`` makes moto's IoT ``BackendDict`` build :class:`EmulatorIoTBackend` instead of
``IoTBackend`` (moto then serves those backends through ``emulator.iot.urls``), and upgrades any backend
created earlier in place. It applies process-wide, once: to boto3 under ``mock_aws()`` in-process and to
HTTP clients (the AWS CLI, boto3 with ``endpoint_url``) of a ``ThreadedMotoServer`` started afterwards in
the same process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from moto.iot.models import IoTBackend, iot_backends

from emulator.iot.limits import PROCESS_LAYER, IotLayer
from emulator.iot.models import EmulatorIoTBackend
from emulator.iot.store import certificate_store

__all__ = ["add_certificates", "auto_register_certificate", "get_iot_backend", "install_iot_layer"]

_INSTALL_LOCK = threading.Lock()


def _upgrade(backend: Any) -> EmulatorIoTBackend:
    # A backend built before the install: same state, our class, indexed stores.
    if not isinstance(backend, EmulatorIoTBackend):
        if not isinstance(backend, IoTBackend):
            raise TypeError(f"not an IoT backend: {type(backend).__name__}")
        backend.__class__ = EmulatorIoTBackend
    certificate_store(backend, "certificates")
    certificate_store(backend, "ca_certificates")
    return backend


def install_iot_layer() -> IotLayer:
    """Make moto's IoT backends :class:`EmulatorIoTBackend` (idempotent) and return the process's IotLayer.

    Safe to call many times and from several threads. The behaviour follows the AWS IoT API reference
    pages named in ``emulator.iot.models``; quotas and faults are configured on the returned layer.
    """
    if iot_backends.backend is EmulatorIoTBackend:
        return PROCESS_LAYER
    with _INSTALL_LOCK:
        if iot_backends.backend is not EmulatorIoTBackend:
            for account_backend in iot_backends.values():
                account_backend.backend = EmulatorIoTBackend  # builds its Regions not created yet
                for backend in account_backend.values():
                    _upgrade(backend)
            iot_backends.backend = EmulatorIoTBackend  # last: the fast path above sees a finished install
        return PROCESS_LAYER


def get_iot_backend(account_id: str, region: str) -> EmulatorIoTBackend:
    """The emulator's IoT backend for one account and Region (its in-process state); installs the layer."""
    install_iot_layer()
    return _upgrade(iot_backends[account_id][region])


def add_certificates(backend: Any, certificates: Iterable[Any]) -> None:
    """Insert already-built ``FakeCertificate`` objects into ``backend`` in order (seeding fast path);
    see :meth:`EmulatorIoTBackend.add_certificates`."""
    install_iot_layer()
    _upgrade(backend).add_certificates(certificates)


def auto_register_certificate(backend: Any, certificate_pem: str, ca_certificate_id: str) -> Any:
    """Just-in-time registration of ``certificate_pem`` under ``ca_certificate_id`` (PENDING_ACTIVATION);
    see :meth:`EmulatorIoTBackend.auto_register_certificate`."""
    install_iot_layer()
    return _upgrade(backend).auto_register_certificate(certificate_pem, ca_certificate_id)
