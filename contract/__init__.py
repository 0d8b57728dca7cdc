"""Facts the CDK app (infra/), the emulator (emulator/) and the CLI (cli/) share, free of CDK imports.

One module holds each fact: the repository's paths (``contract.paths``), the names of what is deployed
(``contract.names``), the cdk.json reader (``contract.cdk_json``), the function table
(``contract.functions``), the ASL placeholders and their substitutions (``contract.asl``) and the tasks'
environment (``contract.task_environment``). The vocabulary the Lambda tasks need too (target statuses,
check names, the CA id pattern, the metric namespace, retry attempts) lives in the Lambda asset,
``revocation_common.vocabulary``, which every part imports by that name (the package is installed with
the project, see pyproject.toml).
"""
