"""The report bucket (listing pages, the page manifest, per-page outcomes, the final report) and the lock
table (one item per CA being worked on)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

# The lock item's key and TTL attribute (lambdas/acquire_lock/lock.py, docs/data-contract.md).
LOCK_KEY = "caCertificateId"
LOCK_TTL_ATTRIBUTE = "expiresAt"

# Every object the workflow writes lives under this prefix (docs/data-contract.md, "S3 layout").
EXECUTIONS_PREFIX = "executions/"


class ReportStorage(Construct):
    """S3 bucket for the execution objects, plus a separate bucket for its server access logs.

    Both buckets: SSE-S3 encryption, TLS-only bucket policy, all public access blocked, versioning,
    objects expire after ``retention_days`` (noncurrent versions too), RemovalPolicy.RETAIN so that
    deleting the stack never deletes the audit trail of a revocation.

    Follows the Amazon S3 User Guide pages "Security best practices for Amazon S3",
    "Logging requests with server access logging" and "Managing your storage lifecycle".

    The lock table: key ``caCertificateId``, on-demand capacity, encrypted with the AWS managed key of
    DynamoDB, point-in-time recovery on, TTL on ``expiresAt`` (Amazon DynamoDB Developer Guide, "Security
    best practices", "Point-in-time recovery", "Time to Live").

    Attributes:
        bucket: the report bucket (REPORT_BUCKET of the functions, ${ReportBucketName} of the ASL).
        access_logs_bucket: the server access log destination of ``bucket``.
        lock_table: the per-CA lock table (LOCK_TABLE of the functions, ${LockTableName} of the ASL).
    """

    def __init__(self, scope: Construct, construct_id: str, *, retention_days: int) -> None:
        """Create both buckets.

        Args:
            scope: parent construct.
            construct_id: construct id.
            retention_days: days after which objects (and noncurrent versions) expire; at least 1.
        """
        super().__init__(scope, construct_id)

        lifecycle = [
            s3.LifecycleRule(
                id="ExpireAfterRetention",
                enabled=True,
                expiration=Duration.days(retention_days),
                noncurrent_version_expiration=Duration.days(retention_days),
                # Interrupted multipart uploads are invisible but billed; a week is ample to resume one.
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ]

        # Access log destinations support SSE-S3 only (S3 User Guide, server access logging).
        self.access_logs_bucket = s3.Bucket(
            self,
            "AccessLogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=lifecycle,
            removal_policy=RemovalPolicy.RETAIN,
        )

        # SSE-S3 rather than SSE-KMS: every reader is a role of this stack limited by its IAM policy to
        # executions/*, and a KMS key would add per-request cost and key grants for each of them.
        self.bucket = s3.Bucket(
            self,
            "ReportBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="report-bucket/",
            lifecycle_rules=lifecycle,
            removal_policy=RemovalPolicy.RETAIN,
        )

        self.lock_table = dynamodb.Table(
            self,
            "LockTable",
            partition_key=dynamodb.Attribute(name=LOCK_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=LOCK_TTL_ATTRIBUTE,
            # A lock only matters while its execution runs; the reports, not the locks, are the audit trail.
            removal_policy=RemovalPolicy.DESTROY,
        )

    def objects_arn(self) -> str:
        """ARN pattern of every execution object: ``<bucket ARN>/executions/*`` (a token)."""
        return self.bucket.arn_for_objects(f"{EXECUTIONS_PREFIX}*")
