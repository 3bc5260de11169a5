"""A stop signal is never lost: held while workers fork, remembered when its exception is swallowed."""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Iterator

import pytest

from guardtrail.errors import Stopped, clear_stops, raise_if_stopped, record_stop, signals_held, stop_code


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    clear_stops()
    yield
    clear_stops()


def test_a_signal_sent_while_workers_fork_waits_for_the_end_of_the_fork() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, _frame: seen.append(number))
    try:
        with signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            assert seen == []  # held: no handler runs inside, where a fork handler would eat its raise
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowed raise, printed
def test_a_stop_whose_exception_a_finaliser_swallowed_still_stops_the_run() -> None:
    def handler(number: int, _frame: object) -> None:
        record_stop(number)
        raise Stopped(number)

    class Finalised:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)  # the handler's raise happens here, and is only printed

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        Finalised()
        gc.collect()
    finally:
        signal.signal(signal.SIGTERM, previous)

    assert stop_code() == 128 + signal.SIGTERM
    with pytest.raises(Stopped) as stopped:
        raise_if_stopped()  # what every report writer calls first
    assert stopped.value.exit_code == 143


def test_an_interrupt_is_remembered_as_ctrl_c() -> None:
    record_stop(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        raise_if_stopped()
    assert stop_code() == 130
