"""How the notifier runs: a Kafka consumer of synergy events beside an email delivery loop."""
