"""Restore of a quarantine: the tasks of the restore state machine (statemachine/restore.asl.json)."""
