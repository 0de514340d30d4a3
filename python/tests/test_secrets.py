"""Secrets never appear in repr, str or error messages."""

import pytest

import binance_sign
from binance_sign import Signer

from conftest import pem

SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


def test_repr_hides_keys(spot):
    assert SECRET not in repr(spot) and "redacted" in repr(spot)
    rsa_text = pem("rsa-2048.pem")
    rsa = Signer.from_pem("k", rsa_text)
    body = rsa_text.splitlines()[1]
    assert body not in repr(rsa)
    req = spot.sign_query({"symbol": "BTCUSDT"}, 1700000000000)
    assert SECRET not in repr(req)


@pytest.mark.parametrize(
    "secret",
    [" " + SECRET, SECRET + "\n", '"' + SECRET + '"', "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"],
)
def test_refused_secrets_are_not_echoed(secret):
    with pytest.raises(binance_sign.KeyMaterialError) as e:
        Signer.hmac("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", secret)
    core = secret.strip().strip('"')
    assert core not in str(e.value) and core not in repr(e.value)


def test_undecodable_secrets_are_not_echoed():
    # os.environ gives lone surrogates for bytes that are not UTF-8.
    bad = SECRET + "\udc80"
    for call in (lambda: Signer.hmac("key", bad), lambda: binance_sign.diagnose(query="a=1", secret=bad)):
        with pytest.raises(binance_sign.KeyMaterialError) as e:
            call()
        assert SECRET not in str(e.value) and SECRET not in repr(e.value)


def test_bad_pem_is_not_echoed():
    lines = pem("rsa-2048.pem").splitlines()
    # Corrupt the key inside valid base64: the body is parsed, and refused.
    lines[3] = lines[3][:10] + ("A" if lines[3][10] != "A" else "B") * 20 + lines[3][30:]
    text = "\n".join(lines) + "\n"
    with pytest.raises(binance_sign.KeyMaterialError) as e:
        Signer.from_pem("k", text)
    assert "PEM" not in str(e.value) or "document" not in str(e.value), str(e.value)
    for line in lines[1:-1]:
        assert line not in str(e.value) and line[:16] not in str(e.value)


def test_diagnose_does_not_echo_the_secret():
    findings = binance_sign.diagnose(query="symbol=BTCUSDT&timestamp=1&signature=00", secret=SECRET)
    assert findings and all(SECRET not in str(f) for f in findings)
