"""Unit tests of the shared reference data and unit conversions."""
