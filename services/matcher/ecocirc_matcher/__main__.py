"""`python -m ecocirc_matcher` starts the matcher worker."""

from ecocirc_matcher.entrypoints.worker import main

main()
