"""Intake API against real PostgreSQL and tansu, driven in-process."""
