"""Thin responses of the emulator's AWS IoT API: parse the request, call the backend, format the answer.

Shapes from botocore's IoT service model and the AWS IoT API reference pages named on each method. moto
routes a REST request by matching its method and path against that model and calls the method named after
the operation, so defining ``list_ca_certificates`` is all the routing ListCACertificates needs.
"""

from __future__ import annotations

from typing import Any, cast

from moto.core.common_types import TYPE_RESPONSE
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.iot.responses import IoTResponse

from emulator.iot.limits import PROCESS_LAYER, request_key, resource_id
from emulator.iot.models import EmulatorIoTBackend, certificate_mode
from emulator.iot.store import parse_bool

__all__ = ["EmulatorIoTResponse"]


def _certificate_summary(cert: Any) -> dict[str, Any]:
    # Shape "Certificate" (ListCertificates, ListCertificatesByCA).
    return {
        "certificateArn": cert.arn,
        "certificateId": cert.certificate_id,
        "status": cert.status,
        "certificateMode": certificate_mode(cert),
        "creationDate": cert.creation_date,
    }


def _ca_certificate_summary(cert: Any) -> dict[str, Any]:
    # Shape "CACertificate" (ListCACertificates).
    return {
        "certificateArn": cert.arn,
        "certificateId": cert.certificate_id,
        "status": cert.status,
        "creationDate": cert.creation_date,
    }


def _page(items: list[dict[str, Any]], next_marker: str | None) -> ActionResult:
    result: dict[str, Any] = {"certificates": items}
    if next_marker is not None:
        result["nextMarker"] = next_marker
    return ActionResult(result)


class EmulatorIoTResponse(IoTResponse):
    """moto's IoT responses, admitted by the process's IotLayer, with the operations moto lacks."""

    @property
    def iot_backend(self) -> EmulatorIoTBackend:
        return cast(EmulatorIoTBackend, super().iot_backend)

    def call_action(self) -> TYPE_RESPONSE:
        """Count the request, apply its quota and fault injection, then run it (refusals change nothing)."""
        action = self._get_action()
        if not action:
            return super().call_action()
        error, admitted_at = PROCESS_LAYER.admit(action, request_key(self))
        if error is not None:
            return self._error_response(error)
        status, headers, body = super().call_action()
        if int(status) < 300:
            PROCESS_LAYER.record_success(action, admitted_at, resource_id(self))
        return status, headers, body

    def _error_response(self, error: JsonRESTError) -> TYPE_RESPONSE:
        # Same rendering as BaseResponse.call_action gives an HTTPException raised by an operation.
        headers: dict[str, Any] = dict(error.get_headers())
        headers["status"] = error.code
        status, out_headers, body = self._transform_response(
            self.response_headers, (error.get_body(), headers)
        )
        out_headers, body = self._enrich_response(out_headers, body)
        return status, out_headers, body

    def _ascending(self) -> bool:
        return parse_bool(self._get_param("isAscendingOrder"), "isAscendingOrder", default=True)

    # -------------------------------------------------------------------------------------- listings
    def list_certificates_by_ca(self) -> ActionResult:
        """ListCertificatesByCA (API_ListCertificatesByCA): "Certificate" items and nextMarker."""
        certs, next_marker = self.iot_backend.list_certificates_by_ca_page(
            self._get_param("caCertificateId"),
            page_size=self._get_param("pageSize"),
            marker=self._get_param("marker"),
            ascending=self._ascending(),
        )
        return _page([_certificate_summary(c) for c in certs], next_marker)

    def list_principal_things(self) -> ActionResult:
        """ListPrincipalThings (API_ListPrincipalThings): principal in the x-amzn-principal header,
        maxResults and nextToken in the query; "things" and nextToken (absent on the last page)."""
        things, next_token = self.iot_backend.list_principal_things_page(
            self.headers.get("x-amzn-principal") or "",
            max_results=self._get_param("maxResults"),
            next_token=self._get_param("nextToken"),
        )
        result: dict[str, Any] = {"things": things}
        if next_token is not None:
            result["nextToken"] = next_token
        return ActionResult(result)

    def list_certificates(self) -> ActionResult:
        """ListCertificates (API_ListCertificates): certificates of "Certificate" shape, nextMarker."""
        certs, next_marker = self.iot_backend.list_certificates_page(
            page_size=self._get_param("pageSize"),
            marker=self._get_param("marker"),
            ascending=self._ascending(),
        )
        return _page([_certificate_summary(c) for c in certs], next_marker)

    def list_ca_certificates(self) -> ActionResult:
        """ListCACertificates (API_ListCACertificates): certificates of "CACertificate" shape, nextMarker."""
        cas, next_marker = self.iot_backend.list_ca_certificates_page(
            page_size=self._get_param("pageSize"),
            marker=self._get_param("marker"),
            ascending=self._ascending(),
        )
        return _page([_ca_certificate_summary(c) for c in cas], next_marker)

    # ------------------------------------------------------------------------------------- describe
    def describe_ca_certificate(self) -> ActionResult:
        """DescribeCACertificate (API_DescribeCACertificate): certificateDescription with certificatePem."""
        cert: Any = self.iot_backend.describe_ca_certificate(certificate_id=self.path.split("/")[-1])
        description = {
            "certificateArn": cert.arn,
            "certificateId": cert.certificate_id,
            "status": cert.status,
            "certificatePem": cert.certificate_pem,
            "ownedBy": cert.owner,
            "creationDate": cert.creation_date,
            "autoRegistrationStatus": getattr(cert, "auto_registration_status", "DISABLE"),
            "lastModifiedDate": cert.last_modified_date,
            "customerVersion": getattr(cert, "customer_version", 1),
            "validity": {"notBefore": cert.validity_not_before, "notAfter": cert.validity_not_after},
            "certificateMode": certificate_mode(cert),
        }
        result: dict[str, Any] = {"certificateDescription": description}
        if cert.registration_config:
            result["registrationConfig"] = cert.registration_config
        return ActionResult(result)

    def describe_certificate(self) -> ActionResult:
        """DescribeCertificate (API_DescribeCertificate): certificateDescription with certificatePem, and
        caCertificateId only for a certificate registered with a CA."""
        cert = self.iot_backend.describe_certificate(certificate_id=self._get_param("certificateId"))
        description = cert.to_description_dict()
        if cert.ca_certificate_id:
            description["caCertificateId"] = cert.ca_certificate_id
        description["certificateMode"] = certificate_mode(cert)
        return ActionResult({"certificateDescription": description})

    # --------------------------------------------------------------------------------- registration
    def register_ca_certificate(self) -> ActionResult:
        """RegisterCACertificate (API_RegisterCACertificate): certificateId and certificateArn."""
        cert = self.iot_backend.register_ca_certificate(
            ca_certificate=self._get_param("caCertificate"),
            set_as_active=bool(self._get_bool_param("setAsActive", False)),
            registration_config=self._get_param("registrationConfig"),
            allow_auto_registration=bool(self._get_bool_param("allowAutoRegistration", False)),
            certificate_mode=self._get_param("certificateMode"),
        )
        return ActionResult({"certificateId": cert.certificate_id, "certificateArn": cert.arn})

    def register_certificate(self) -> ActionResult:
        """RegisterCertificate (API_RegisterCertificate): certificateId and certificateArn."""
        cert = self.iot_backend.register_certificate(
            certificate_pem=self._get_param("certificatePem"),
            ca_certificate_pem=self._get_param("caCertificatePem"),
            set_as_active=bool(self._get_bool_param("setAsActive", False)),
            status=self._get_param("status"),
        )
        return ActionResult({"certificateId": cert.certificate_id, "certificateArn": cert.arn})

    def register_certificate_without_ca(self) -> ActionResult:
        """RegisterCertificateWithoutCA (API_RegisterCertificateWithoutCA): certificateId, certificateArn."""
        cert = self.iot_backend.register_certificate_without_ca(
            certificate_pem=self._get_param("certificatePem"), status=self._get_param("status")
        )
        return ActionResult({"certificateId": cert.certificate_id, "certificateArn": cert.arn})

    # --------------------------------------------------------------------------------- status rules
    def update_ca_certificate(self) -> ActionResult:
        """UpdateCACertificate (API_UpdateCACertificate): empty answer."""
        self.iot_backend.update_ca_certificate(
            certificate_id=self.path.split("/")[-1],
            new_status=self._get_param("newStatus"),
            config=self._get_param("registrationConfig"),
            new_auto_registration_status=self._get_param("newAutoRegistrationStatus"),
            remove_auto_registration=parse_bool(
                self._get_param("removeAutoRegistration"), "removeAutoRegistration", default=False
            ),
        )
        return EmptyResult()

    def transfer_certificate(self) -> ActionResult:
        """TransferCertificate (API_TransferCertificate): transferredCertificateArn."""
        cert = self.iot_backend.transfer_certificate(
            self._get_param("certificateId"),
            self._get_param("targetAwsAccount"),
            self._get_param("transferMessage"),
        )
        return ActionResult({"transferredCertificateArn": cert.arn})

    def cancel_certificate_transfer(self) -> ActionResult:
        """CancelCertificateTransfer (API_CancelCertificateTransfer): empty answer."""
        self.iot_backend.cancel_certificate_transfer(self._get_param("certificateId"))
        return EmptyResult()

    def reject_certificate_transfer(self) -> ActionResult:
        """RejectCertificateTransfer (API_RejectCertificateTransfer): empty answer."""
        self.iot_backend.reject_certificate_transfer(
            self._get_param("certificateId"), self._get_param("rejectReason")
        )
        return EmptyResult()
