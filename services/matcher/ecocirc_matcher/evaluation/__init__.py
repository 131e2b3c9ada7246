"""Offline measurement of the matcher on documented exchanges (MAESTRI development set)."""
