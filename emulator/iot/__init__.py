"""The emulator's AWS IoT layer: moto's IoT service made to behave like the AWS IoT control plane.

moto 5.2's IoT backend is not faithful enough for the revocation workflow (docs/architecture.md, the
emulator's layers); the behaviour here follows the AWS IoT API reference page of each operation. The
package has moto's own shape (``moto/iot/``):

* ``exceptions``: the errors moto lacks (ThrottlingException, ServiceUnavailableException, ...);
* ``store``: the indexed certificate stores and the list APIs' markers and page sizes;
* ``models``: :class:`EmulatorIoTBackend`, moto's ``IoTBackend`` with the AWS status rules;
* ``responses`` / ``urls``: thin responses, each request admitted by the quota and fault layer first;
* ``limits``: :class:`IotLayer`, the per-API quotas, fault injection and statistics;
* ``install``: ``install_iot_layer()``, which makes moto build our backend, process-wide.
"""

from emulator.iot.exceptions import (
    InternalFailureException,
    ServiceUnavailableException,
    ThrottlingException,
    TransferAlreadyCompletedException,
    TransferConflictException,
)
from emulator.iot.install import (
    add_certificates,
    auto_register_certificate,
    get_iot_backend,
    install_iot_layer,
)
from emulator.iot.limits import IotLayer, IotStats
from emulator.iot.models import CERTIFICATE_STATUSES, EmulatorIoTBackend
from emulator.iot.responses import EmulatorIoTResponse
from emulator.iot.store import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, IndexedCertificates, certificate_store

__all__ = [
    "CERTIFICATE_STATUSES",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "EmulatorIoTBackend",
    "EmulatorIoTResponse",
    "IndexedCertificates",
    "InternalFailureException",
    "IotLayer",
    "IotStats",
    "ServiceUnavailableException",
    "ThrottlingException",
    "TransferAlreadyCompletedException",
    "TransferConflictException",
    "add_certificates",
    "auto_register_certificate",
    "certificate_store",
    "get_iot_backend",
    "install_iot_layer",
]
