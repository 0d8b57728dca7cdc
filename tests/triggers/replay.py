"""Helpers to replay the sample events through ``ca-revoke run --input-file`` on the in-process emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

from cli import run as run_command
from cli.main import main
from cli.workflow import wait_for
from emulator.session import EmulatorSession
from tests.support.events import EVENTS_DIR, SAMPLE_CA
from tests.support.workflow import POLL_SECONDS


def sample_for(name: str, ca_certificate_id: str, directory: Path) -> Path:
    """The sample event ``name`` naming ``ca_certificate_id`` instead of the sample CA, as a file."""
    text = (EVENTS_DIR / name).read_text(encoding="utf-8")
    assert SAMPLE_CA in text
    path = directory / name
    path.write_text(text.replace(SAMPLE_CA, ca_certificate_id), encoding="utf-8")
    return path


def ca_revoke_run(capsys: Any, *args: str) -> tuple[int, dict[str, Any]]:
    """``ca-revoke run ARGS --wait --json`` in this process (the emulator's mock is active): exit code
    and the JSON document it printed. It polls every 50 ms instead of every second (the emulator is fast)."""
    capsys.readouterr()
    with mock.patch.object(
        run_command, "wait_for", lambda *a, **k: wait_for(*a, **{**k, "poll_seconds": POLL_SECONDS})
    ):
        code = main(["run", *args, "--wait", "--json"])
    return code, json.loads(capsys.readouterr().out)


def notifications(emulator: EmulatorSession) -> list[dict[str, str]]:
    """The SNS messages published since the last call ({"Subject", "Message"}), from the subscribed queue."""
    assert emulator.deployment is not None
    sqs = emulator.client("sqs")
    found = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=emulator.deployment.notification_queue_url, MaxNumberOfMessages=10
        ).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            body = json.loads(message["Body"])
            found.append({"Subject": body.get("Subject", ""), "Message": body.get("Message", "")})
            sqs.delete_message(
                QueueUrl=emulator.deployment.notification_queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
