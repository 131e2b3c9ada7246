"""Unit tests of the notifier's pure core."""
