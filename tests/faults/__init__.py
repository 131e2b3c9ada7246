"""Fault, bad-input and access tests against the real platform (marker `faults`, `make faults`)."""
