"""The embedded platform for `make run` and the tests: broker, PostgreSQL, SMTP sink, supervision."""
