"""The matcher's pure core: knowledge, classification, pairing, scoring and the incremental index."""
