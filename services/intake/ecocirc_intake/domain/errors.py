"""Field errors in French, and a collector so a body's every error is reported at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class FieldError(ValueError):
    """One wrong field: its name as in the API body (dotted when nested) and why, in French.

    code is a stable machine-readable reason (e.g. "siret_checksum") for clients and tests; message
    is for the person who filled the form.
    """

    def __init__(self, field: str, message: str, code: str = "invalid") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code

    def __repr__(self) -> str:
        return f"FieldError(field={self.field!r}, code={self.code!r}, message={self.message!r})"

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form for an API error body."""
        return {"field": self.field, "code": self.code, "message": self.message}


class BodyValidationError(ValueError):
    """A body with one or more wrong fields; errors lists them all, in body order."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{error.field}: {error.message}" for error in self.errors))

    def as_dicts(self) -> list[dict[str, str]]:
        """JSON-ready list for an API error body."""
        return [error.as_dict() for error in self.errors]

    def fields(self) -> set[str]:
        """Names of the fields in error."""
        return {error.field for error in self.errors}


class ErrorCollector:
    """Runs rules one after another, keeping their errors instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def run(self, rule: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """The rule's result, or None after recording its error(s)."""
        try:
            return rule(*args, **kwargs)
        except FieldError as error:
            self.errors.append(error)
        except BodyValidationError as failed:
            self.errors.extend(failed.errors)
        return None

    def add(self, error: FieldError) -> None:
        self.errors.append(error)

    def raise_if_any(self) -> None:
        """Raise BodyValidationError with everything collected so far, if anything was."""
        if self.errors:
            raise BodyValidationError(self.errors)
