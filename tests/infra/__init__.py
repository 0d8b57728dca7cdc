"""Tests of the CDK app (infra/): template, least privilege, cdk-nag, cfn-lint."""
