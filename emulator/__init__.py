"""The embedded AWS emulator: moto with Step Functions execution, our Lambda handlers run in-process, and
an AWS IoT layer with the documented behaviour moto lacks (see DESIGN.md, "The embedded default")."""
