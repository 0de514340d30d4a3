"""Binance request signing that signs exactly the bytes it sends.

The signer, the server clock, the rate-limit governor, the -1022 doctor and the encoder oracle
of the Rust crate `binance-sign`, for Python::

    from binance_sign import Signer
    signer = Signer.hmac(API_KEY, SECRET)
    req = signer.sign_query({"symbol": "LTCBTC", "side": "BUY"}, timestamp=1499827319559)
    # send req.query byte for byte, with req.api_key in the X-MBX-APIKEY header

Errors are subclasses of ``binance_sign.Error``; no message or ``repr`` shows a secret.
"""

from ._native import (
    ClockError,
    Decision,
    DoctorError,
    Error,
    Governor,
    JsonList,
    KeyMaterialError,
    LimitsError,
    LocalReading,
    ParamsError,
    Repeated,
    ServerClock,
    SignedRequest,
    Signer,
    TimeError,
    TimeSync,
    VerifyError,
    WireError,
    __version__,
    Verdict,
    check,
    check_batch,
    check_jsonl_line,
    diagnose,
)


def json_list(items):
    """A list parameter sent as one compact JSON array under one key (``symbols``,
    ``orderIdList``): ``json_list(["BTCUSDT", "BNBUSDT"])`` sends ``["BTCUSDT","BNBUSDT"]``."""
    return JsonList(items)


def repeated(items):
    """An ARRAY parameter Binance takes as a repeated key: ``{"asset": repeated(["BTC",
    "USDT"])}`` sends ``asset=BTC&asset=USDT``."""
    return Repeated(items)


__all__ = [
    "ClockError",
    "Decision",
    "DoctorError",
    "Error",
    "Governor",
    "JsonList",
    "KeyMaterialError",
    "LimitsError",
    "LocalReading",
    "ParamsError",
    "Repeated",
    "ServerClock",
    "SignedRequest",
    "Signer",
    "TimeError",
    "TimeSync",
    "VerifyError",
    "WireError",
    "__version__",
    "Verdict",
    "check",
    "check_batch",
    "check_jsonl_line",
    "diagnose",
    "json_list",
    "repeated",
]
