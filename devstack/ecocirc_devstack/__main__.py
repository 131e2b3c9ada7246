"""`python -m ecocirc_devstack` runs the embedded platform (what `make run` calls)."""

import sys

from ecocirc_devstack.run import main

sys.exit(main())
