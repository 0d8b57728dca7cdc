"""ReportStorage alone in a fresh Stack: the report and access-log buckets, and the lock table."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from infra.storage import ReportStorage
from tests.infra.stacks import fresh_stack, logical_id

pytestmark = pytest.mark.synth


@pytest.fixture(scope="module")
def built() -> tuple[ReportStorage, Template]:
    stack, settings = fresh_stack()
    storage = ReportStorage(stack, "ReportStorage", retention_days=settings.report_retention_days)
    return storage, Template.from_stack(stack)


def test_both_buckets_are_encrypted_private_versioned_expiring_and_retained(
    built: tuple[ReportStorage, Template],
) -> None:
    storage, template = built
    template.resource_count_is("AWS::S3::Bucket", 2)
    template.all_resources(
        "AWS::S3::Bucket",
        {
            "Properties": Match.object_like(
                {
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": Match.any_value()}}
                        ]
                    },
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                        "IgnorePublicAcls": True,
                        "RestrictPublicBuckets": True,
                    },
                    "VersioningConfiguration": {"Status": "Enabled"},
                    # 365: reportRetentionDays of cdk.json.
                    "LifecycleConfiguration": {
                        "Rules": [
                            Match.object_like(
                                {
                                    "Status": "Enabled",
                                    "ExpirationInDays": 365,
                                    "NoncurrentVersionExpiration": {"NoncurrentDays": 365},
                                }
                            )
                        ]
                    },
                }
            ),
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )
    for bucket in template.find_resources("AWS::S3::Bucket").values():
        (sse,) = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert {logical_id(storage.bucket), logical_id(storage.access_logs_bucket)} == set(
        template.find_resources("AWS::S3::Bucket")
    )


def test_both_buckets_deny_everything_without_tls_and_nothing_else(
    built: tuple[ReportStorage, Template],
) -> None:
    storage, template = built
    for bucket in (storage.bucket, storage.access_logs_bucket):
        bucket_id = logical_id(bucket)
        policies = template.find_resources(
            "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": bucket_id}}}
        )
        (policy,) = policies.values()
        deny = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert deny == [
            {
                "Action": "s3:*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Resource": [
                    {"Fn::GetAtt": [bucket_id, "Arn"]},
                    {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]},
                ],
            }
        ]


def test_report_bucket_logs_to_the_access_logs_bucket(built: tuple[ReportStorage, Template]) -> None:
    storage, template = built
    assert template.find_resources(
        "AWS::S3::Bucket",
        {
            "Properties": {
                "LoggingConfiguration": {
                    "DestinationBucketName": {"Ref": logical_id(storage.access_logs_bucket)}
                }
            }
        },
    ).keys() == {logical_id(storage.bucket)}


def test_retention_days_set_the_expiry() -> None:
    stack, _ = fresh_stack()
    ReportStorage(stack, "ReportStorage", retention_days=30)
    Template.from_stack(stack).all_resources_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": [
                    Match.object_like(
                        {"ExpirationInDays": 30, "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}
                    )
                ]
            }
        },
    )


def test_lock_table_is_encrypted_recoverable_and_expiring(built: tuple[ReportStorage, Template]) -> None:
    storage, template = built
    template.resource_count_is("AWS::DynamoDB::Table", 1)
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [{"AttributeName": "caCertificateId", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "SSESpecification": {"SSEEnabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True},
        },
    )
    assert logical_id(storage.lock_table) in template.find_resources("AWS::DynamoDB::Table")
