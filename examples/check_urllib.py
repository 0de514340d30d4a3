#!/usr/bin/env python3
"""Fuzz Python encoders against binance-sign's oracle (`binance-sign check --jsonl`).

Random tricky parameters (spaces, `+`, `&`, `=`, `%`, `#`, `@`, `~`, quotes, braces, CJK,
full-width digits, emoji, JSON lists, small decimals) are encoded four ways:

  urlencode        urllib.parse.urlencode(pairs)                  (quote_plus: space as `+`)
  urlencode-quote  urllib.parse.urlencode(pairs, quote_via=quote) (`/` left raw, space `%20`)
  f-string         "&".join(f"{k}={v}")                            (no encoding at all)
  str(float)       urlencode with the decimal sent as str(float)   (`1e-05`)

Each request goes to the oracle as one JSON line; the verdicts come back one per line, in
order. The script prints, per encoder, how many requests passed and the finding codes seen,
with one example each.

    cargo build -p binance-sign-cli
    python3 examples/check_urllib.py [path/to/binance-sign] [count]

It exits 1 if `urlencode` ever fails or the unencoded f-string never does (either would mean
the oracle is wrong), 0 otherwise.
"""

import collections
import json
import random
import subprocess
import sys
from urllib.parse import quote, urlencode

PIECES = [" ", "+", "&", "=", "%", "#", "@", "~", "*", '"', "'", "{", "}", "[", "]", "/", "?",
          ":", ",", "中文", "１２３", "😀", "é", "a", "BTCUSDT", "%20", '["BTCUSDT","BNBUSDT"]']
KEYS = ["symbol", "side", "newClientOrderId", "email", "note", "symbols", "listenKey"]


def tricky(rng):
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 5)))


def value(rng, key):
    # `symbols` is a list parameter: one compact JSON array of tricky strings (Binance refuses
    # anything else there, so an encoder's test sends it that way).
    if key == "symbols":
        return json.dumps([tricky(rng) for _ in range(rng.randint(1, 3))],
                          ensure_ascii=False, separators=(",", ":"))
    return tricky(rng)


def requests(rng, count):
    for _ in range(count):
        keys = rng.sample(KEYS, rng.randint(1, 4))
        pairs = [(k, value(rng, k)) for k in keys]
        quantity = rng.choice(["0.00001", "0.0000123", "12.5", "100"])
        yield pairs, quantity


def encoders(pairs, quantity):
    expect = [[k, v] for k, v in pairs] + [["quantity", quantity, "decimal"]]
    full = pairs + [("quantity", quantity)]
    yield "urlencode", expect, urlencode(full)
    yield "urlencode-quote", expect, urlencode(full, quote_via=quote)
    yield "f-string", expect, "&".join(f"{k}={v}" for k, v in full)
    yield "str(float)", expect, urlencode(pairs + [("quantity", str(float(quantity)))])


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/debug/binance-sign"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = random.Random(20261129)
    cases = [case for pairs, q in requests(rng, count) for case in encoders(pairs, q)]
    lines = "".join(json.dumps({"expect": e, "query": q}) + "\n" for _, e, q in cases)
    out = subprocess.run([binary, "check", "--jsonl"], input=lines.encode(), capture_output=True,
                         env={}, check=True).stdout.decode().splitlines()
    assert len(out) == len(cases), f"{len(out)} verdicts for {len(cases)} requests"
    passed = collections.Counter()
    total = collections.Counter()
    codes = collections.defaultdict(collections.Counter)
    examples = {}
    for (name, _, query), line in zip(cases, out):
        verdict = json.loads(line)
        total[name] += 1
        passed[name] += verdict["ok"]
        for f in verdict["findings"]:
            codes[name][f["code"]] += 1
            examples.setdefault((name, f["code"]), (query, f["message"]))
    for name in total:
        print(f"{name}: {passed[name]}/{total[name]} ok")
        for code, n in codes[name].most_common():
            query, message = examples[(name, code)]
            print(f"  {code} x{n}: {message}\n    e.g. {query[:100]}")
    if passed["urlencode"] != total["urlencode"] or passed["f-string"] == total["f-string"]:
        print("unexpected: urlencode must always pass and the unencoded f-string must fail")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
