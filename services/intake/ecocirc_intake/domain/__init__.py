"""Intake's domain: the pure rules a company or flow body must satisfy before anything is written."""
