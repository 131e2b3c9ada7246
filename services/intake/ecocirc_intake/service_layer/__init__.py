"""Use cases of the intake service: what companies and advisors can do, independent of HTTP."""
