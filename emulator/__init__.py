"""The embedded AWS emulator: moto with Step Functions execution, our Lambda handlers run in-process, and
an AWS IoT layer with the documented behaviour moto lacks (docs/architecture.md, the emulator's layers)."""
