"""Reading ahead in a thread, and batching, as the imports use them."""

from __future__ import annotations

import threading

import pytest

from app.models.feedback import new_item_ids, new_public_id, new_status_token
from app.services.bulk import batched, read_ahead


def test_batched_keeps_order_and_the_short_last_batch():
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []


def test_read_ahead_yields_everything_in_order_from_another_thread():
    threads = []

    def produce():
        for n in range(100):
            threads.append(threading.current_thread())
            yield n

    assert list(read_ahead(produce())) == list(range(100))
    assert threading.current_thread() not in threads


def test_an_error_while_producing_is_raised_to_the_consumer_after_what_came_before():
    def produce():
        yield 1
        yield 2
        raise ValueError("the export has no column notes")

    seen = []
    with pytest.raises(ValueError, match="no column notes"):
        for item in read_ahead(produce()):
            seen.append(item)
    assert seen == [1, 2]


def test_a_consumer_that_stops_early_stops_the_producer_and_closes_its_source():
    closed = threading.Event()

    def produce():
        try:
            n = 0
            while True:  # endless: only stopping the producer ends it
                yield n
                n += 1
        finally:
            closed.set()

    items = read_ahead(produce(), depth=2)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert closed.wait(timeout=5)
    assert not any(thread.name == "read-ahead" for thread in threading.enumerate())


def test_a_consumer_error_also_stops_the_producer():
    closed = threading.Event()

    def produce():
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    with pytest.raises(RuntimeError):
        for item in read_ahead(produce()):
            if item == 5:
                raise RuntimeError("the database went away")
    assert closed.wait(timeout=5)


def test_item_ids_in_bulk_look_like_single_ones_and_never_repeat():
    ids = new_item_ids(5000)
    public_ids, tokens = zip(*ids, strict=True)
    assert len(set(public_ids)) == len(set(tokens)) == 5000
    one_id, one_token = new_public_id(), new_status_token()
    assert {len(public_id) for public_id in public_ids} == {len(one_id)} == {32}
    assert {len(token) for token in tokens} == {len(one_token)}
    int(public_ids[0], 16)  # hexadecimal
    # Time first: the batch's ids sort before ids made a moment later.
    assert max(public_ids)[:12] <= one_id[:12]
    assert new_item_ids(0) == []
