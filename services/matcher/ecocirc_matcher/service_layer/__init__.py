"""The matcher's use cases: apply a flow event, reconcile after a start or a knowledge change."""
