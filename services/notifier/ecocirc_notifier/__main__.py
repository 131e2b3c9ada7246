"""`python -m ecocirc_notifier` starts the notifier."""

from ecocirc_notifier.entrypoints.consumer import main

main()
