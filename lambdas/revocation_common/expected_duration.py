"""How long a revocation is expected to take at the configured UpdateCertificate quota, and the start notice
that says so.

Every certificate costs one UpdateCertificate call, and the fan-out carries the whole quota
(revocation_common.pacing), so the revocation takes certificates / (quota * QUOTA_HEADROOM) seconds. The
quota is AWS IoT Core's UpdateCertificate rate, per account and Region, 10 transactions per second by
default and adjustable in Service Quotas (AWS General Reference, "AWS IoT Core endpoints and quotas",
https://docs.aws.amazon.com/general/latest/gr/iot-core.html#limits_iot). Past an hour, the notice names
the quota to raise and what ten times it would give.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from revocation_common.pacing import expected_revocation_seconds

LONG_RUN_SECONDS = 3600.0
QUOTA_TO_RAISE = (
    "Service Quotas > AWS IoT Core > the UpdateCertificate requests-per-second quota of this account and "
    "Region (AWS General Reference, 'AWS IoT Core endpoints and quotas'); then set cdk.json "
    "updateCertificateTps to the new value and redeploy"
)


def _certificates(count: int) -> str:
    return f"{count} certificate" if count == 1 else f"{count} certificates"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, rest = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min {rest:02d} s" if hours else f"{minutes} min {rest:02d} s"


class ExpectedRevocation(BaseModel):
    """The expected revocation time of a run.

    certificates: in scope; quotaTps: the UpdateCertificate quota paced at (transactions per second);
    seconds: expected revocation time (seconds); secondsAtTenTimesQuota: the same at 10 x quotaTps;
    raiseQuota: the Service Quotas quota to raise, when ``seconds`` is over an hour (else None).
    """

    model_config = ConfigDict(frozen=True)

    certificates: int
    quotaTps: float
    seconds: float
    secondsAtTenTimesQuota: float
    raiseQuota: str | None = None

    @classmethod
    def at_quota(cls, certificates: int, quota_tps: float) -> ExpectedRevocation:
        seconds = expected_revocation_seconds(certificates, quota_tps)
        return cls(
            certificates=certificates,
            quotaTps=quota_tps,
            seconds=round(seconds, 1),
            secondsAtTenTimesQuota=round(expected_revocation_seconds(certificates, quota_tps * 10), 1),
            raiseQuota=QUOTA_TO_RAISE if seconds > LONG_RUN_SECONDS else None,
        )

    def sentence(self) -> str:
        """One line: the expected time, and past an hour the quota to raise and the time at ten times it."""
        line = (
            f"{_certificates(self.certificates)} to revoke at the UpdateCertificate quota of "
            f"{self.quotaTps:g} TPS: expected {_duration(self.seconds)}."
        )
        if self.raiseQuota is not None:
            line += (
                f" Over an hour: raise {self.raiseQuota}. At {self.quotaTps * 10:g} TPS it would take "
                f"{_duration(self.secondsAtTenTimesQuota)}."
            )
        return line


class StartNotice(BaseModel):
    """The SNS message published when the revocation of the pages starts (the ASL's NotifyStart state)."""

    model_config = ConfigDict(frozen=True)

    subject: str
    message: str


def start_notice(expected: ExpectedRevocation, *, ca_certificate_id: str, dry_run: bool) -> StartNotice:
    """The start notice of a run: CA, mode and the expected duration (SNS Publish: subject at most 100
    characters, Amazon SNS API reference, Publish)."""
    mode = "DRY RUN" if dry_run else "revocation"
    return StartNotice(
        subject=f"IoT CA {mode} started: {_certificates(expected.certificates)}"[:100],
        message=f"CA {ca_certificate_id}: {mode} started.\n{expected.sentence()}\n",
    )
