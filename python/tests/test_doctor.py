"""The -1022 doctor and the encoder oracle from Python: the CLI's codes and severities, the
same verdicts as `binance-sign check --jsonl`, and a third-party encoder fuzzed in process."""

import json
import os
import random
import subprocess
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import binance_sign
from binance_sign import check, check_jsonl_line, diagnose

from conftest import REPO

SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


def cli():
    path = os.environ.get("BINANCE_SIGN_CLI") or str(REPO / "target" / "debug" / "binance-sign")
    if not os.path.exists(path):
        pytest.fail(f"the CLI is not built at {path}: cargo build -p binance-sign-cli (or set BINANCE_SIGN_CLI)")
    return path


def test_diagnose_names_the_mistake(spot):
    req = spot.sign_query({"email": "a b@example.com"}, 1700000000000)
    assert diagnose(query=req.query, secret=SECRET) == []
    raw = req.query.replace("a%20b%40example.com", "a b@example.com")
    findings = diagnose(query=raw, secret=SECRET)
    assert findings[0]["severity"] == "error"
    assert {f["code"] for f in findings} & {"signed-decoded-payload", "client-reencoded"}
    assert set(findings[0]) == {"code", "severity", "message", "fix", "confirmed", "count", "positions"}
    assert all(f["count"] >= 1 for f in findings)


def test_diagnose_aggregates_findings_of_one_kind():
    # Ten thousand empty values: one finding, counted, with its first few places.
    findings = diagnose(query="k=&" * 10000 + "timestamp=1700000000000", secret=SECRET)
    empty = [f for f in findings if f["code"] == "empty-value"]
    assert len(empty) == 1
    assert empty[0]["count"] == 10000
    assert empty[0]["positions"][:2] == [{"part": "query", "at": 0}, {"part": "query", "at": 3}]
    assert len(empty[0]["positions"]) == 8


def test_diagnose_reads_pasted_requests(spot):
    req = spot.sign_body({"symbol": "BTCUSDT", "quantity": "1"}, 1700000000000)
    curl = (
        "curl -X POST 'https://api.binance.com/api/v3/order' "
        f"-H 'X-MBX-APIKEY: {spot.api_key}' -d '{req.body}'"
    )
    assert diagnose(request=curl, secret=SECRET) == []
    assert diagnose(query="?" + req.body, secret=SECRET) == []
    late = diagnose(query=req.body, secret=SECRET, server_time=1700000100000, error_code=-1021)
    assert any(f["code"] == "timestamp-expired" for f in late), late
    with pytest.raises(binance_sign.KeyMaterialError):
        diagnose(query=req.body)
    with pytest.raises(binance_sign.DoctorError):
        diagnose(secret=SECRET)


def test_diagnose_matches_the_cli_json(spot):
    req = spot.sign_query({"symbol": "BTCUSDT", "price": "1e-05"}, 1700000000000)
    env = dict(os.environ, BINANCE_API_SECRET=SECRET)
    out = subprocess.run(
        [cli(), "diagnose", "--json", "--query", req.query], env=env, capture_output=True, text=True
    )
    from_cli = json.loads(out.stdout)["findings"]
    assert from_cli == diagnose(query=req.query, secret=SECRET)
    assert any(f["code"] == "number-format" for f in from_cli)


def test_check_codes():
    expect = [("email", "alice+tag@example.com"), ("quantity", "0.00001", "decimal")]
    verdict = check(expect, "email=alice+tag%40example.com&quantity=1e-05")
    assert not verdict["ok"]
    assert [f["code"] for f in verdict["findings"]] == ["value-mismatch", "number-format"]
    assert check(expect, "email=alice%2Btag%40example.com&quantity=0.000010")["ok"]
    with pytest.raises(binance_sign.ParamsError):
        check([("a", "b", "nope")], "a=b")


def test_check_applies_the_rules_of_a_product():
    expect = [("symbol", "BTCUSDT")]
    query = "symbol=BTCUSDT&recvWindow=6000.5"
    assert check(expect, query)["ok"]
    assert check(expect, query, product="spot")["ok"]
    futures = check(expect, query, product="usdm-futures")
    assert not futures["ok"]
    assert futures["findings"][0]["code"] == "recv-window-invalid"
    with pytest.raises(binance_sign.ParamsError):
        check(expect, query, product="moon")


def test_check_with_a_signer(spot):
    req = spot.sign_query({"symbol": "BTCUSDT"}, 1700000000000)
    expect = [("symbol", "BTCUSDT"), ("timestamp", "1700000000000")]
    assert check(expect, req.query, signer=spot)["ok"]
    forged = req.query[:-1] + ("0" if req.query[-1] != "0" else "1")
    assert [f["code"] for f in check(expect, forged, signer=spot)["findings"]] == ["signature-invalid"]


PIECES = [" ", "+", "&", "=", "%", "#", "@", "~", "*", '"', "{", "}", "[", "]", "/", "?", ":", ",",
          "中文", "１２３", "😀", "é", "a", "BTCUSDT", "%20"]
KEYS = ["symbol", "side", "newClientOrderId", "email", "note", "listenKey"]


def corpus(count):
    rng = random.Random(20261203)
    for _ in range(count):
        pairs = [(k, "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))) for k in rng.sample(KEYS, rng.randint(1, 3))]
        quantity = rng.choice(["0.00001", "12.5", "100"])
        expect = [[k, v] for k, v in pairs] + [["quantity", quantity, "decimal"]]
        full = pairs + [("quantity", quantity)]
        for encoded in (
            urlencode(full),
            urlencode(full, quote_via=quote),
            "&".join(f"{k}={v}" for k, v in full),
            urlencode(pairs + [("quantity", str(float(quantity)))]),
        ):
            yield json.dumps({"expect": expect, "query": encoded}, ensure_ascii=False)


def test_check_agrees_with_the_cli_on_a_corpus():
    lines = list(corpus(300))
    out = subprocess.run(
        [cli(), "check", "--jsonl"], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True
    )
    from_cli = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(from_cli) == len(lines)
    in_process = [check_jsonl_line(line) for line in lines]
    for line, a, b in zip(lines, from_cli, in_process):
        assert a == b, line
    direct = [check([tuple(e) for e in json.loads(line)["expect"]], json.loads(line)["query"]) for line in lines]
    assert direct == in_process
    batch = binance_sign.check_batch(lines + ["not json"])
    assert [v.to_dict() for v in batch[:-1]] == from_cli
    assert [f["code"] for f in batch[-1].findings] == ["bad-input"] and not batch[-1].ok
    assert 0 < sum(v["ok"] for v in in_process) < len(in_process), "the corpus has passes and failures"


# Hypothesis drives Python's own encoders against the in-process oracle: the "fuzz a
# third-party encoder" use, runnable as it is.
text = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 +&=%#@~*\"'{}[]/?:,-._") + ["中", "１", "😀", "é"]), min_size=1, max_size=12
)
pairs = st.lists(st.tuples(st.sampled_from(KEYS), text), min_size=1, max_size=4, unique_by=lambda p: p[0])


@settings(max_examples=300, deadline=None)
@given(pairs)
def test_urlencode_with_quote_is_what_binance_reads(ps):
    expect = [(k, v) for k, v in ps]
    verdict = check(expect, urlencode(ps, quote_via=quote, safe=""))
    assert verdict["ok"], verdict


@settings(max_examples=300, deadline=None)
@given(pairs)
def test_urlencode_plus_form_reads_the_same_values(ps):
    # quote_plus writes a space as `+`, which Binance reads as a space: the values match.
    verdict = check([(k, v) for k, v in ps], urlencode(ps))
    codes = {f["code"] for f in verdict["findings"]}
    assert "value-mismatch" not in codes and "missing-parameter" not in codes, verdict


@settings(max_examples=300, deadline=None)
@given(pairs)
def test_an_unencoded_join_is_caught_when_it_changes_a_value(ps):
    joined = "&".join(f"{k}={v}" for k, v in ps)
    verdict = check([(k, v) for k, v in ps], joined)
    # `&` splits the value, `%` starts an escape, `+` reads as a space, `#` ends the query
    # (a raw `=` inside a value is read back as it is: form decoders split at the first).
    if any(c in v for _, v in ps for c in "&%+#"):
        assert not verdict["ok"], (joined, verdict)


def test_check_agrees_with_the_cli_with_a_body_and_a_signer(spot):
    rng = random.Random(7)
    lines = []
    for i in range(200):
        pairs = [(k, "".join(rng.choice(PIECES) for _ in range(2))) for k in rng.sample(KEYS, 2)]
        req = spot.sign_split(pairs[:1], pairs[1:], 1700000000000 + i)
        body = req.body
        if i % 3 == 0:  # a forged signature
            body = body[:-1] + ("0" if body[-1] != "0" else "1")
        if i % 5 == 0:  # an encoder that leaves the body raw
            body = body.replace("%20", " ")
        expect = [[k, v] for k, v in pairs] + [["timestamp", str(1700000000000 + i)]]
        lines.append(json.dumps({"expect": expect, "query": req.query, "body": body}, ensure_ascii=False))
    env = dict(os.environ, BINANCE_API_SECRET=SECRET)
    out = subprocess.run(
        [cli(), "check", "--jsonl"], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True, env=env
    )
    from_cli = [json.loads(line) for line in out.stdout.splitlines()]
    in_process = [v.to_dict() for v in binance_sign.check_batch(lines, signer=spot)]
    assert in_process == from_cli
    codes = {f["code"] for v in from_cli for f in v["findings"]}
    assert "signature-invalid" in codes and any(v["ok"] for v in from_cli)
