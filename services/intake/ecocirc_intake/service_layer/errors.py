"""Failures a use case reports, each mapped to one HTTP status by the API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: which field, and why (in French: people read it).

    row is the spreadsheet row for an import (1 is the header), None for a JSON body.
    """

    field: str
    message: str
    row: int | None = None
    column: str | None = None

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"field": self.field, "message": self.message}
        if self.row is not None:
            body["row"] = self.row
        if self.column is not None:
            body["column"] = self.column
        return body


class UseCaseError(Exception):
    """The base class answers 401 (missing or bad credentials); subclasses carry their own status."""

    status = 401

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class TooManyAttempts(UseCaseError):
    status = 429

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unavailable(UseCaseError):
    status = 503


class InvalidInput(UseCaseError):
    status = 422


class NotFound(UseCaseError):
    status = 404


class Forbidden(UseCaseError):
    status = 403


class Conflict(UseCaseError):
    status = 409


class TooLarge(UseCaseError):
    status = 413


class ClientGone(UseCaseError):
    """The client closed the connection before the answer: nobody reads it (499, as nginx logs it)."""

    status = 499
