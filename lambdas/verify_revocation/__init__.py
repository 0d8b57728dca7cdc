"""VerifyRevocation: re-reads AWS IoT, merges the outcomes, writes the report."""
