"""A small run of ``ca-revoke bench``: every figure is there and consistent. Speed is not asserted here;
it is measured by the benchmark itself (docs/benchmarks.md)."""

from __future__ import annotations

import pytest

from cli.bench import bench


@pytest.mark.slow
def test_bench_reports_the_workflow_and_the_three_baselines():
    figures = bench(certificates=60, quota=200, seed=7, cli_sample=2, list_time_budget=0.001)

    assert figures["verified"] is True
    assert (figures["total"], figures["failed"]) == (60, 0)
    assert figures["updateCertificateCalls"] >= 60
    assert 0 < figures["quotaUtilization"] <= 1.05
    # A budget of 1 ms makes DiscoverScope return after each AWS IoT call (it always makes one): the CAs,
    # the listing and the issuer scan of the decoys take several invocations, and the result is the same.
    assert figures["listingInvocations"] > 2
    # Parent: NormalizeInput .. Succeeded; child: one RevokeCertificates attempt per page at least.
    assert figures["stateTransitions"] >= 8
    assert figures["stateTransitionsPer1000"] == pytest.approx(
        figures["stateTransitions"] * 1000 / 60, rel=0.01
    )
    boto3_loop = figures["baselines"]["boto3Loop"]
    assert boto3_loop["certificatesRevoked"] > 0
    assert boto3_loop["certificatesPerSecond"] > 0
    cli_loop = figures["baselines"]["awsCliLoop"]
    assert cli_loop["certificatesRevoked"] == 2
    assert cli_loop["certificatesListed"] == 60
    projection = figures["costProjection1M"]
    assert projection["certificates"] == 1_000_000
    assert projection["usdTotal"] == pytest.approx(
        projection["usdStateTransitions"] + projection["usdLambda"] + projection["usdS3"], abs=0.02
    )
    # The run of no certificate: a run's fixed part, counted once (cli.bench_cost).
    assert projection["fixedPerRun"]["lambdaGbSeconds"] > 0
    assert projection["lambdaGbSecondsByFunction"]["RevokeCertificates"] > 0
    strong = figures["baselines"]["boto3RateLimited"]
    assert strong["certificatesRevoked"] + strong["certificatesLeftUnrevoked"] == 60
    assert figures["workflowToBestBaselineUtilization"] == pytest.approx(
        figures["quotaUtilization"] / strong["quotaUtilization"], abs=0.01
    )
    assert projection["prices"]["sources"]
