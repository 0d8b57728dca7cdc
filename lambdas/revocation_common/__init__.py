"""Code shared by the CA revocation Lambda tasks: request models, named errors, AWS clients, S3 layout."""
