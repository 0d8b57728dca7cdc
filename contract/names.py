"""Names of what the stack (and the emulator) deploys, which the CLI looks up."""

from __future__ import annotations

from typing import Final

from revocation_common.vocabulary import RESTORE_STATE_MACHINE_SUFFIX

STATE_MACHINE_NAME: Final = "iot-ca-revocation"
"""The state machine's name; ``ca-revoke run`` finds it by this name (ListStateMachines)."""
RESOURCE_PREFIX: Final = STATE_MACHINE_NAME
"""Prefix of the emulator's function, table and topic names: ``iot-ca-revocation-<LogicalName>``."""
STACK_ID: Final = "CaRevocationStack"
RESTORE_STATE_MACHINE_NAME: Final = f"{STATE_MACHINE_NAME}{RESTORE_STATE_MACHINE_SUFFIX}"
"""The restore state machine's name (statemachine/restore.asl.json); ``ca-revoke restore`` finds it by it."""
