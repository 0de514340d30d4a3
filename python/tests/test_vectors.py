"""Binance's official vectors, byte for byte (tests/data/vectors.json)."""

from urllib.parse import quote

import binance_sign
from binance_sign import Signer


def signer_for(vectors, name):
    k = vectors["keys"][name]
    return Signer.hmac(k["api_key"], k["secret"])


def test_rest_vectors(vectors):
    for v in vectors["rest"]:
        signer = signer_for(vectors, v["key"])
        if v["form"] == "split":
            req = signer.sign_split(v["query_params"], v["params"], v["timestamp"], v["recv_window"])
            assert req.query + req.body == v["payload"] + "&signature=" + v["signature"], v["id"]
        else:
            req = signer.sign_query(v["params"], v["timestamp"], v["recv_window"])
            assert req.query == v["payload"] + "&signature=" + v["signature"], v["id"]
            body = signer.sign_body(dict(v["params"]), v["timestamp"], v["recv_window"])
            assert body.body == req.query and body.query == "", v["id"]
        assert req.signature == v["signature"], v["id"]
        assert req.api_key == vectors["keys"][v["key"]]["api_key"]
        signer.verify(req.query, req.body)
        if "never" in v:
            assert req.signature != v["never"]


def test_websocket_vectors(vectors):
    for v in vectors["websocket"]:
        signer = signer_for(vectors, v["key"])
        params = signer.sign_ws(v["params"], v["timestamp"], v["recv_window"])
        assert params["signature"] == v["signature"], v["id"]
        assert params["apiKey"] == vectors["keys"][v["key"]]["api_key"]
        assert params["timestamp"] == v["timestamp"]


def test_ed25519_vector(vectors):
    signer = Signer.from_pem("key", vectors["keys"]["ed25519_pem"])
    assert signer.key_kind == "ed25519"
    for v in vectors["ed25519"]:
        # Ed25519 is deterministic: the payload (timestamp before recvWindow, as Binance's
        # example has it) signed as it is gives the documented signature, byte for byte.
        req = signer.sign_encoded(v["payload"])
        assert req.signature == quote(v["signature"], safe=""), v["id"]
        signer.verify(v["payload"] + "&signature=" + quote(v["signature"], safe=""))
    req = signer.sign_query({"symbol": "BTCUSDT"}, 1668481559918, 5000)
    signer.verify(req.query)
    assert "%2B" in req.signature or "%2F" in req.signature or "%3D" in req.signature


def test_every_key_kind(vectors):
    from conftest import pem

    rsa = Signer.from_pem("key", pem("rsa-2048.pem"))
    assert rsa.key_kind == "rsa"
    req = rsa.sign_body([("symbol", "BTCUSDT")], 1700000000000)
    rsa.verify("", req.body)
    encrypted = Signer.from_pem("key", pem("rsa-2048-encrypted.pem"), passphrase="correct-horse")
    assert encrypted.sign_body([("symbol", "BTCUSDT")], 1700000000000).body == req.body
    ed = Signer.from_pem("key", pem("ed25519-encrypted.pem"), passphrase="correct-horse")
    assert ed.key_kind == "ed25519"
    try:
        Signer.from_pem("key", pem("rsa-2048-encrypted.pem"), passphrase="wrong")
    except binance_sign.KeyMaterialError as e:
        assert "correct-horse" not in str(e)
    else:
        raise AssertionError("a wrong passphrase must fail")
