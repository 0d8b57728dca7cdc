"""DiscoverScope: the CAs and certificates a compromised CA reaches, found by signature, continued across
invocations (ListCACertificates, ListCertificatesByCA, ListCertificates, DescribeCertificate)."""
