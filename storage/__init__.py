"""Object storage: one interface, a local-folder and an S3/MinIO backend, the key layout and the ledger."""
