"""Tables load once per process, even under concurrent first calls, and preload warms them all."""

import threading
import time

from ecocirc_shared.reference import preload, resolve_commune
from ecocirc_shared.reference._loading import load_once, read_table


def test_concurrent_first_calls_load_once() -> None:
    calls: list[int] = []

    @load_once
    def slow() -> dict[str, int]:
        calls.append(1)
        time.sleep(0.05)
        return {"loaded": 1}

    results: list[dict[str, int]] = []
    threads = [threading.Thread(target=lambda: results.append(slow())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert all(result is results[0] for result in results)


def test_columns_are_picked_by_name() -> None:
    first = next(read_table("naf_rev2.csv", ("section", "code")))
    assert first == ("A", "01.11Z")


def test_preload_then_lookups_are_fast() -> None:
    preload()
    start = time.perf_counter()
    for _ in range(100):
        resolve_commune("32600", "L'Isle-Jourdain")
    assert time.perf_counter() - start < 0.5
