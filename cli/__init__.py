"""The operator CLI, ``ca-revoke``: demo, emulator, run and bench."""
