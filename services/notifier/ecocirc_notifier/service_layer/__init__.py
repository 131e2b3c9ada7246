"""The notifier's use cases: record synergy news in the read model and ledger, then deliver it."""
