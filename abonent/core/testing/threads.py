"""Running a test's body in several threads at once, as concurrent requests or workers would."""

import threading
from collections.abc import Callable

from django.db import connections


def run_in_threads(target: Callable[[], None], count: int) -> list[Exception]:
    """Runs `target` in `count` threads started together and waits for them; returns what they raised (an
    assertion on it shows the error). Each thread closes its own database connections when done."""
    errors: list[Exception] = []

    def run() -> None:
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
