"""The 1,000,000-certificate cost projection of ``ca-revoke bench`` (cli.bench_cost): it scales what a run
measured by the quota and by the children that run and the projected one use."""

from __future__ import annotations

import pytest
from revocation_common.pacing import QUOTA_HEADROOM, expected_revocation_seconds

from cli.bench_cost import MEMORY_GB, MILLION, MeasuredUse, cost_projection
from contract.cdk_json import cdk_json_context

pytestmark = pytest.mark.unit

REVOKE = "RevokeCertificates"


def _revocation_run(certificates: int, quota: float, children: int) -> MeasuredUse:
    """A run whose children were each busy for the whole revocation at quota * QUOTA_HEADROOM."""
    seconds = certificates / (quota * QUOTA_HEADROOM)
    return MeasuredUse(
        certificates=certificates,
        quota_tps=quota,
        children=children,
        seconds_by_function={REVOKE: children * seconds},
        invocations=children,
        parent_transitions=20,
        child_transitions=children,
        batches=children,
        call_counts={"s3:GetObject": 16, "s3:PutObject": 8},
    )


@pytest.mark.parametrize(("quota", "children"), [(100.0, 2), (100.0, 3), (50.0, 1), (10.0, 1)])
def test_the_revocation_gb_seconds_are_one_child_busy_for_the_whole_run_at_the_default_quota(
    quota: float, children: int
) -> None:
    # cdk.json: 10 TPS and 100 ms, so one child carries the quota (pacing.fan_out).
    default_quota = float(cdk_json_context()["updateCertificateTps"])
    projection = cost_projection(_revocation_run(2000, quota, children))
    busy = expected_revocation_seconds(MILLION, default_quota) * MEMORY_GB[REVOKE]
    assert projection["children"] == 1
    assert projection["lambdaGbSeconds"] == pytest.approx(busy, rel=1e-3)
    assert projection["revocationHours"] == pytest.approx(
        expected_revocation_seconds(MILLION, default_quota) / 3600, abs=0.01
    )


def test_requests_and_s3_calls_scale_with_the_certificates() -> None:
    projection = cost_projection(_revocation_run(2000, 100.0, 2))
    assert projection["s3Requests"] == {"putCopyPostList": 8 * 500, "get": 16 * 500}
    # The Map's items at 1,000,000: one Lambda request each (the run's own requests were all children).
    assert projection["lambdaRequests"] == projection["batches"]
    total = projection["usdStateTransitions"] + projection["usdLambda"] + projection["usdS3"]
    assert projection["usdTotal"] == pytest.approx(total, abs=0.01)


def _run_of(certificates: int, fixed_discovery_seconds: float) -> MeasuredUse:
    """A run at 10 TPS: DiscoverScope a fixed time plus 1 ms per certificate, S3 20 writes plus 1 per
    10 certificates, and the revocation of ``_revocation_run``."""
    run = _revocation_run(certificates, 10.0, 1)
    return MeasuredUse(
        **{
            **run.__dict__,
            "seconds_by_function": {
                **run.seconds_by_function,
                "DiscoverScope": fixed_discovery_seconds + certificates / 1000,
            },
            "call_counts": {"s3:PutObject": 20 + certificates // 10},
        }
    )


def test_a_runs_fixed_costs_count_once_so_the_projection_does_not_depend_on_the_fleet_measured() -> None:
    fixed = _run_of(0, 2.0)
    small, large = cost_projection(_run_of(250, 2.0), fixed), cost_projection(_run_of(2000, 2.0), fixed)
    assert small["lambdaGbSeconds"] == pytest.approx(large["lambdaGbSeconds"], rel=1e-3)
    assert small["s3Requests"] == large["s3Requests"] == {"putCopyPostList": 20 + MILLION // 10, "get": 0}
    assert small["fixedPerRun"] == {"lambdaGbSeconds": 2.0, "s3Requests": 20}  # 2 s at 1 GB
    # Without the run of no certificate, the small run's fixed 2 s of discovery count 4,000 times.
    upper = cost_projection(_run_of(250, 2.0))
    assert upper["lambdaGbSecondsByFunction"]["DiscoverScope"] == pytest.approx((2.0 + 0.25) * 4000, rel=1e-3)
    assert upper["usdTotal"] > small["usdTotal"]


def test_a_run_of_no_certificate_or_a_fixed_run_at_another_quota_is_refused() -> None:
    with pytest.raises(ValueError, match="1 or more certificates"):
        cost_projection(_run_of(0, 2.0))
    with pytest.raises(ValueError, match="fixed run at the run's quota"):
        cost_projection(_run_of(250, 2.0), _revocation_run(1, 100.0, 1))


def test_the_projection_names_what_its_total_leaves_out() -> None:
    # X-Ray, CloudWatch Logs (level ALL with execution data), KMS, SNS and the Map's own ItemReader and
    # ResultWriter requests are billed but not measured by the emulator: the output says so.
    left_out = " ".join(cost_projection(_revocation_run(2000, 100.0, 2))["notIncluded"])
    for service in ("X-Ray", "CloudWatch Logs", "KMS", "SNS", "ItemReader", "ResultWriter"):
        assert service in left_out, service
