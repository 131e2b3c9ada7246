"""Unit tests of intake's pure domain rules."""
