"""How the intake service is reached: the HTTP API and the process entry point."""
