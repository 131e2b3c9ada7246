"""Intake's adapters: PostgreSQL storage of companies, advisors, flows and the outbox."""
