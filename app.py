#!/usr/bin/env python3
"""CDK entry point: ``cdk synth`` (cdk.json "app") or ``python app.py``.

Synthesizes the stacks into cdk.out/ with the cdk-nag AwsSolutions checks; an unacknowledged finding
makes synthesis fail. Context ``regions`` (cdk.json, or ``-c regions=us-east-1,eu-west-1``): one stack per
Region, CaRevocationStack-<region>, all deployed by ``cdk deploy --all``. Without it (the default, ``[]``),
the one stack CaRevocationStack of the environment: CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION pin it to
an account and Region when both are set; otherwise it is environment-agnostic. Source: AWS CDK v2
Developer Guide, "Environments".
"""

from infra.stack import build_stacks


def main() -> None:
    """Build and synthesize the app (raises SettingsError on invalid settings, RuntimeError on cdk-nag
    findings)."""
    app, _ = build_stacks()
    app.synth()


if __name__ == "__main__":
    main()
