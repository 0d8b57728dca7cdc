#!/usr/bin/env python3
"""CDK entry point: ``cdk synth`` (cdk.json "app") or ``python app.py``.

Synthesizes CaRevocationStack into cdk.out/ with the cdk-nag AwsSolutions checks; an unacknowledged
finding makes synthesis fail. Environment: CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION pin the stack
to an account and Region when both are set; otherwise it is environment-agnostic.
"""

from infra.stack import build_app


def main() -> None:
    """Build and synthesize the app (raises on invalid settings or cdk-nag findings)."""
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
