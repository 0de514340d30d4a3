#!/usr/bin/env python3
"""Side by side, in one run: signing a 6-parameter order from a dict with binance_sign,
python-binance's request signing, and the standard library's urlencode + hmac by hand; then the
oracle in process against `binance-sign check --jsonl` driven from this script.

    python python/bench.py [path/to/binance-sign]

It installs python-binance from the package index into the running environment first (pip),
then imports it. Prints one line per figure and the ratios against the goals (5x python-binance,
2x by hand, 3x the JSON-lines command); exits 1 if a goal is missed.
"""

import hashlib
import hmac
import json
import os
import platform
import random
import subprocess
import sys
import time
import timeit
from urllib.parse import quote, urlencode

# The installed package, not the source folder beside this script (it has no native module).
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]

subprocess.run([sys.executable, "-m", "pip", "install", "-q", "python-binance"], check=True)

from binance.client import Client  # noqa: E402  (installed just above)

import binance_sign  # noqa: E402

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
ORDER = {"symbol": "LTCBTC", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1", "price": "0.1"}
TS = 1499827319559


def best_of(fn, number, repeat=7):
    """The best per-call time in µs over `repeat` rounds of `number` calls."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def signing():
    signer = binance_sign.Signer.hmac(API_KEY, SECRET)
    client = Client(API_KEY, SECRET, ping=False)
    secret = SECRET.encode()

    def ours():
        return signer.sign_body(ORDER, TS, 5000).body

    def python_binance():
        # What python-binance does to sign a request: timestamp, recvWindow, signature over its
        # ordered parameters, then the ordered body.
        return client._get_request_kwargs("post", True, data=dict(ORDER))

    def by_hand():
        q = urlencode(list(ORDER.items()) + [("recvWindow", 5000), ("timestamp", TS)])
        return q + "&signature=" + hmac.new(secret, q.encode(), hashlib.sha256).hexdigest()

    assert ours() == by_hand(), "the same bytes"
    figures = {name: best_of(fn, 20000) for name, fn in [("binance_sign", ours), ("python-binance", python_binance), ("urlencode+hmac", by_hand)]}
    for name, us in figures.items():
        print(f"sign a 6-parameter order from a dict: {name:15} {us:6.2f} µs")
    return figures


PIECES = [" ", "+", "&", "=", "%", "#", "@", "~", '"', "{", "}", "[", "]", "/", "中文", "１２３", "é", "a", "BTCUSDT"]


def corpus(count):
    rng = random.Random(1)
    keys = ["symbol", "side", "newClientOrderId", "email", "note"]
    for _ in range(count):
        pairs = [(k, "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))) for k in rng.sample(keys, 3)]
        expect = [[k, v] for k, v in pairs] + [["quantity", "0.00001", "decimal"]]
        encoded = rng.choice([urlencode, lambda p: urlencode(p, quote_via=quote)])(pairs + [("quantity", "0.00001")])
        yield json.dumps({"expect": expect, "query": encoded}, ensure_ascii=False)


def oracle(cli):
    lines = list(corpus(50000))
    parsed = [([tuple(e) for e in json.loads(l)["expect"]], json.loads(l)["query"]) for l in lines]
    started = time.perf_counter()
    for line in lines:
        binance_sign.check_jsonl_line(line)
    in_process_lines = len(lines) / (time.perf_counter() - started)
    started = time.perf_counter()
    for expect, query in parsed:
        binance_sign.check(expect, query)
    in_process = len(parsed) / (time.perf_counter() - started)
    started = time.perf_counter()
    batch = binance_sign.check_batch(lines)
    in_process_batch = len(lines) / (time.perf_counter() - started)
    started = time.perf_counter()
    out = subprocess.run([cli, "check", "--jsonl"], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    piped = len(lines) / (time.perf_counter() - started)
    assert len(out.stdout.splitlines()) == len(lines)
    assert [v.to_dict() for v in batch[:500]] == [json.loads(l) for l in out.stdout.splitlines()[:500]]
    print(f"oracle, in process, check_batch(lines):        {in_process_batch:9.0f} verdicts/s")
    print(f"oracle, in process, check(expect, query):      {in_process:9.0f} verdicts/s")
    print(f"oracle, in process, check_jsonl_line(line):    {in_process_lines:9.0f} verdicts/s")
    print(f"oracle, check --jsonl, all written then read:  {piped:9.0f} verdicts/s")
    return in_process_batch, in_process, piped


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target", "release", "binance-sign")
    print(f"# {platform.python_implementation()} {platform.python_version()}, {platform.machine()}, binance_sign {binance_sign.__version__}")
    f = signing()
    batch, in_process, piped = oracle(cli)
    goals = [
        ("vs python-binance", f["python-binance"] / f["binance_sign"], 5.0),
        ("vs urlencode+hmac by hand", f["urlencode+hmac"] / f["binance_sign"], 2.0),
        ("in-process check_batch vs check --jsonl", batch / piped, 3.0),
    ]
    missed = False
    for name, ratio, goal in goals:
        ok = ratio >= goal
        missed |= not ok
        print(f"{name}: {ratio:.1f}x (goal {goal:.0f}x: {'met' if ok else 'MISSED'})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
