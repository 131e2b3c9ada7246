"""The matcher's adapters: PostgreSQL state and outbox, the faust application and its transport."""
