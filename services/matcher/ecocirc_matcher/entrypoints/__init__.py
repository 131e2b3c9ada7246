"""How the matcher runs: a faust worker consuming flow events."""
