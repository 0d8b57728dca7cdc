"""RevokeCertificates: the Distributed Map child; UpdateCertificate for each certificate of one page."""
