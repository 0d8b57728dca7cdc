"""Facts the CDK app (infra/), the emulator (emulator/) and the CLI (cli/) share, free of CDK imports.

One module holds each fact: the repository's paths (``contract.paths``), the names of what is deployed
(``contract.names``). The vocabulary the Lambda tasks need too (target statuses, check names, the CA id
pattern, the metric namespace, retry attempts) lives in the Lambda asset, ``revocation_common.vocabulary``.
"""
