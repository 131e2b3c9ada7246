"""Reading the packaged reference tables once per process."""

from __future__ import annotations

import csv
import io
import operator
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import wraps
from importlib import resources
from typing import TypeVar

T = TypeVar("T")

# The tables live inside the package (not in /work/shared or the current directory) so an installed
# wheel or a container finds them without configuration.
_DATA_PACKAGE = "ecocirc_shared.reference"


def read_table(filename: str, columns: Sequence[str]) -> Iterator[tuple[str, ...]]:
    """Yield, for each row of a packaged CSV file, the values of the named columns in that order.

    Columns are found by header name, so the tables may gain or reorder columns; plain tuples rather
    than dicts keep the 35,000-row communes table quick to load.
    """
    data = resources.files(_DATA_PACKAGE).joinpath("data", filename).read_bytes()
    # utf-8-sig tolerates a BOM should a table ever be re-saved by a spreadsheet; newline="" lets the csv
    # module handle the CRLF line endings the NAF table came with.
    with io.StringIO(data.decode("utf-8-sig"), newline="") as text:
        reader = csv.reader(text)
        header = next(reader)
        missing = [name for name in columns if name not in header]
        if missing:
            raise RuntimeError(f"reference table {filename} lacks columns {missing}")
        # itemgetter builds each tuple in C: half the load time of the communes table.
        pick = operator.itemgetter(*(header.index(name) for name in columns))
        for row in reader:
            if row:
                yield pick(row)


def load_once(loader: Callable[[], T]) -> Callable[[], T]:
    """Memoise a zero-argument loader; a lock makes concurrent first calls load only once."""
    lock = threading.Lock()
    result: list[T] = []

    @wraps(loader)
    def wrapper() -> T:
        # Fast path without the lock once loaded: list.append and indexing are atomic under the GIL.
        if result:
            return result[0]
        with lock:
            if not result:
                result.append(loader())
            return result[0]

    return wrapper
