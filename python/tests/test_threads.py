"""The GIL is released for RSA signing and for diagnose/check on large inputs, so other Python
threads progress meanwhile.

The test raises Python's switch interval to a second while it watches: a thread that holds the
GIL then keeps it for the whole call, and the watching thread runs only if the call released
it."""

import sys
import threading
import time

from binance_sign import Signer, check, diagnose

from conftest import pem

SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
BUCKET = 0.005


def coverage_during(work):
    """The share of 5 ms slices of `work()` (run in another thread) in which this thread ran
    Python."""
    entered, done = threading.Event(), threading.Event()
    span = []

    def worker():
        entered.set()
        span.append(time.perf_counter())
        work()
        span.append(time.perf_counter())
        done.set()

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    try:
        t = threading.Thread(target=worker)
        t.start()
        entered.wait()
        seen = set()
        while not done.is_set():
            seen.add(int(time.perf_counter() / BUCKET))
            time.sleep(0)  # hands the GIL back at once to a worker that wants it
        t.join()
    finally:
        sys.setswitchinterval(previous)
    start, end = span
    buckets = range(int(start / BUCKET) + 1, int(end / BUCKET))
    assert len(buckets) >= 10, f"the call was too short to tell: {end - start:.3f} s"
    return sum(b in seen for b in buckets) / len(buckets)


def test_rsa_signing_lets_other_threads_run():
    rsa = Signer.from_pem("k", pem("rsa-2048.pem"))

    def signing():
        for _ in range(40):
            rsa.sign_query({"symbol": "BTCUSDT"}, 1700000000000)

    # Best of two: another process may hold both cores for a moment.
    assert max(coverage_during(signing) for _ in range(2)) > 0.5


def test_large_diagnose_and_check_let_other_threads_run():
    big = "&".join(f"k{i}=v{i}" for i in range(1_000_000))
    note = "note=" + "x%20y" * 10_000_000
    expect = [("note", "x y" * 10_000_000)]
    assert max(coverage_during(lambda: diagnose(query=big, secret=SECRET)) for _ in range(2)) > 0.5
    assert max(coverage_during(lambda: check(expect, note)) for _ in range(2)) > 0.5


def test_the_watch_sees_a_held_gil():
    # The control: pure Python work holds the GIL, and the watching thread barely runs.
    def python_work():
        total = 0
        for i in range(2_000_000):
            total += i * i
        return total

    assert coverage_during(python_work) < 0.3
