"""Failures a use case reports, each mapped to one HTTP status by the API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: which field, and why (in French: people read it)."""

    field: str
    message: str


class UseCaseError(Exception):
    status = 400

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class InvalidInput(UseCaseError):
    status = 422


class NotFound(UseCaseError):
    status = 404


class Forbidden(UseCaseError):
    status = 403


class Conflict(UseCaseError):
    status = 409
