"""The GIL is released for RSA signing and for diagnose/check on large inputs: another Python
thread keeps running meanwhile. Measured as the time a spinning thread was kept from running
(gaps between its iterations over 1 ms) while the calls ran."""

import threading
import time

from binance_sign import Signer, check, diagnose

from conftest import pem

SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


def blocked_fraction(work):
    stop = threading.Event()
    ready = threading.Event()
    blocked = [0.0]

    def spin():
        last = time.perf_counter()
        ready.set()
        while not stop.is_set():
            now = time.perf_counter()
            if now - last > 0.001:
                blocked[0] += now - last
            last = now

    t = threading.Thread(target=spin)
    t.start()
    ready.wait()
    time.sleep(0.005)
    blocked[0] = 0.0
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    stop.set()
    t.join()
    return blocked[0] / elapsed, elapsed


def test_rsa_signing_lets_other_threads_run():
    rsa = Signer.from_pem("k", pem("rsa-2048.pem"))

    def work():
        for _ in range(60):
            rsa.sign_query({"symbol": "BTCUSDT"}, 1700000000000)

    fraction, elapsed = blocked_fraction(work)
    # Held, the spinner would be blocked for nearly all of the signing time.
    assert fraction < 0.3, (fraction, elapsed)


def test_large_diagnose_and_check_let_other_threads_run():
    big = "&".join(f"k{i}=v{i}" for i in range(200_000))
    note = "x%20y" * 1_000_000
    expect = [("note", "x y" * 1_000_000)]

    def work():
        assert diagnose(query=big, secret=SECRET)
        assert check(expect, "note=" + note)["ok"]

    fraction, elapsed = blocked_fraction(work)
    assert fraction < 0.3, (fraction, elapsed)
