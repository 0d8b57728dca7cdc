"""Conditional writes are atomic in the emulator's DynamoDB, as in DynamoDB (emulator/dynamodb_atomic.py)."""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.table import Table

from emulator.dynamodb_atomic import install_atomic_item_writes

WRITERS = 8


def _race(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """WRITERS threads put the same key with attribute_not_exists; returns each one's outcome."""
    read = Table.get_item

    def slow_read(self: Table, *args: Any, **kwargs: Any) -> Any:
        found = read(self, *args, **kwargs)
        time.sleep(0.02)  # widen the read-check-write window so that an unlocked write races every time
        return found

    monkeypatch.setattr(Table, "get_item", slow_read)
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="locks",
            KeySchema=[{"AttributeName": "caCertificateId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "caCertificateId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        outcomes: list[str] = []
        start = threading.Barrier(WRITERS)

        def put(n: int) -> None:
            start.wait()
            try:
                ddb.put_item(
                    TableName="locks",
                    Item={"caCertificateId": {"S": "ca"}, "executionArn": {"S": f"execution-{n}"}},
                    ConditionExpression="attribute_not_exists(caCertificateId)",
                )
                outcomes.append("taken")
            except ClientError as error:
                outcomes.append(error.response["Error"]["Code"])

        threads = [threading.Thread(target=put, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return outcomes


def test_of_concurrent_conditional_puts_exactly_one_takes_the_item(monkeypatch: pytest.MonkeyPatch) -> None:
    install_atomic_item_writes()
    outcomes = _race(monkeypatch)
    assert outcomes.count("taken") == 1
    assert outcomes.count("ConditionalCheckFailedException") == WRITERS - 1
