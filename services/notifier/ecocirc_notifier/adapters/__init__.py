"""The notifier's adapters: the read model and ledger in PostgreSQL, the directory, SMTP."""
