"""Checks of the demo territory file (demo/gers/territory.json)."""
