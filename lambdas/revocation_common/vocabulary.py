"""The vocabulary the tasks and the CDK stack share: one module holds each of these facts.

It lives inside the Lambda asset (``lambdas/``) because the tasks import it at run time; the CDK app, the
emulator and the CLI import it from here too (through ``contract``). Kept free of boto3, pydantic and
Powertools imports so that anything can import it cheaply.
"""

from __future__ import annotations

import re
from typing import Final, Literal

# CertificateStatus values a revocation may set (AWS IoT API reference, UpdateCertificate newStatus):
# REVOKED is final (AWS IoT Developer Guide, "Revoke a client certificate": once revoked, the status can't be
# changed), INACTIVE is a reversible quarantine.
TargetStatus = Literal["REVOKED", "INACTIVE"]
TARGET_STATUSES: Final[tuple[str, ...]] = ("REVOKED", "INACTIVE")
DEFAULT_TARGET_STATUS: Final = "REVOKED"

# Every certificate status AWS IoT documents (AWS IoT API reference, CertificateDescription.status).
CERTIFICATE_STATUSES: Final[tuple[str, ...]] = (
    "ACTIVE",
    "INACTIVE",
    "REVOKED",
    "PENDING_TRANSFER",
    "REGISTER_INACTIVE",
    "PENDING_ACTIVATION",
)

# A certificateId (of a CA or a device certificate): 64 lowercase hex characters, the SHA-256 of the DER
# (AWS IoT API reference, DescribeCACertificate certificateId: pattern (0x)?[a-fA-F0-9]+, length 64; AWS
# IoT writes them in lowercase).
CA_CERTIFICATE_ID_PATTERN: Final = r"^[0-9a-f]{64}$"
CA_CERTIFICATE_ID: Final = re.compile(r"[0-9a-f]{64}")

# The modes of a run started by a security finding (cdk.json context automaticResponseMode).
AUTOMATIC_RESPONSE_MODES: Final[tuple[str, ...]] = ("off", "dry-run", "enforce")

# AWS IoT Device Defender audit checks whose findings name a CA certificate (Device Defender Developer
# Guide, "Audit checks"); cdk.json context securityHubCheckNames picks among these, so no other check
# can ever start a run. Not INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK: its findings
# name device certificates whose intermediate CA was revoked by its issuer (the check's page, "Intermediate
# CA revoked for active device certificates check"), not a registered CA to deactivate.
CA_AUDIT_CHECKS: Final[tuple[str, ...]] = (
    "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK",
    "CA_CERTIFICATE_KEY_QUALITY_CHECK",
)

# Powertools Metrics namespace and service (Powertools for AWS Lambda, "Metrics"); the dashboard and the
# alarms of the stack read the same names.
METRICS_NAMESPACE: Final = "IotCaRevocation"
SERVICE_NAME: Final = "ca-revocation"

# botocore standard retry mode attempts for every AWS client of the tasks, the emulator and the CLI
# (AWS SDKs and Tools Reference Guide, "Retry behavior"): enough to ride out a burst of throttles at the
# quota; past this a task raises TransientAwsError and Step Functions retries the whole task.
AWS_MAX_ATTEMPTS: Final = 8

# The restore workflow is a second state machine, named after the revocation's with this suffix
# (docs/architecture.md, "Restore"): Step Functions has no IAM condition key on the execution input, so
# only a state machine of its own lets IAM grant "revoke" without "reactivate".
RESTORE_STATE_MACHINE_SUFFIX: Final = "-restore"
# The one status a restore sets back (AWS IoT API reference, UpdateCertificate newStatus), and the only
# status it sets it from: a certificate that is no longer INACTIVE was changed by someone since.
RESTORED_STATUS: Final = "ACTIVE"
QUARANTINE_STATUS: Final = "INACTIVE"

# Certificates per revocation page (pages/{n}.json, one Distributed Map item): ListCertificatesByCA's
# largest pageSize (AWS IoT API reference, ListCertificatesByCA: pageSize 1..250), so a listed page is a page.
REVOCATION_PAGE_SIZE: Final = 250
