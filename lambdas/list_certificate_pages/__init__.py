"""ListCertificatePages: pages of ListCertificatesByCA written to S3, continued across invocations."""
