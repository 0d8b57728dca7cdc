"""AcquireLock: one revocation of a CA at a time (a DynamoDB conditional write per caCertificateId)."""
