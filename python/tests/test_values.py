"""Every value type: str, int, Decimal, float under the plain-decimal rule, bool refused,
json_list and repeated; dict or list of pairs; refusals name the key."""

from decimal import Decimal

import pytest

import binance_sign
from binance_sign import ParamsError, json_list, repeated

TS = 1700000000000


def query(signer, params, **kw):
    q = signer.sign_query(params, TS, **kw).query
    return q[: q.index("&timestamp=")] if "&timestamp=" in q else ""


def test_scalar_types(spot):
    q = query(
        spot,
        [
            ("symbol", "BTCUSDT"),
            ("orderId", 42),
            ("big", 10**30),
            ("negative", -7),
            ("price", Decimal("65123.450")),
            ("tiny", Decimal("1E-7")),
            ("quantity", 0.00001),
            ("stopPrice", -2.5),
            ("email", "a b+c@d"),
        ],
    )
    assert q == (
        "symbol=BTCUSDT&orderId=42&big=1000000000000000000000000000000&negative=-7"
        "&price=65123.450&tiny=0.0000001&quantity=0.00001&stopPrice=-2.5&email=a%20b%2Bc%40d"
    )


def test_dict_and_pairs_agree(spot):
    params = {"symbol": "LTCBTC", "side": "BUY", "quantity": Decimal("1")}
    assert query(spot, params) == query(spot, list(params.items()))


@pytest.mark.parametrize(
    "value,needle",
    [
        (True, "bool"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (1e21, "20 digits"),
        (1e-21, "20 digits"),
        (Decimal("NaN"), "finite"),
        (Decimal("Infinity"), "finite"),
        (b"bytes", "bytes"),
        (None, "NoneType"),
        ("", "empty"),
        ("a\nb", "control"),
    ],
)
def test_refusals_name_the_key(spot, value, needle):
    with pytest.raises(ParamsError) as e:
        spot.sign_query({"quantity": value}, TS)
    assert "quantity" in str(e.value) and needle in str(e.value)
    assert isinstance(e.value, binance_sign.Error)


def test_text_is_never_refused_for_its_length(spot):
    assert query(spot, {"newClientOrderId": "1" * 22}) == "newClientOrderId=" + "1" * 22


def test_reserved_and_duplicate_keys(spot):
    with pytest.raises(ParamsError, match="timestamp"):
        spot.sign_query({"timestamp": 1}, TS)
    with pytest.raises(ParamsError, match="twice"):
        spot.sign_query([("symbol", "A"), ("symbol", "B")], TS)
    with pytest.raises(ParamsError, match="pairs"):
        spot.sign_query([("symbol",)], TS)


def test_lists(spot):
    assert query(spot, {"symbols": json_list(["BTCUSDT", "BNBUSDT"])}) == (
        "symbols=%5B%22BTCUSDT%22%2C%22BNBUSDT%22%5D"
    )
    assert query(spot, {"orderIdList": json_list([1, 2])}) == "orderIdList=%5B1%2C2%5D"
    assert query(spot, {"asset": repeated(["BTC", "USDT"])}) == "asset=BTC&asset=USDT"
    assert query(spot, {"asset": binance_sign.repeated([Decimal("0.1"), 2])}) == "asset=0.1&asset=2"
    with pytest.raises(ParamsError):
        json_list([])
    with pytest.raises(ParamsError):
        json_list([True])
    with pytest.raises(ParamsError):
        spot.sign_query({"asset": repeated([])}, TS)
    with pytest.raises(ParamsError, match="asset"):
        spot.sign_query({"asset": repeated(["BTC", ""])}, TS)


def test_recv_window_forms(spot):
    assert "recvWindow=5000&" in spot.sign_query({"a": 1}, TS, 5000).query
    assert "recvWindow=6000.346&" in spot.sign_query({"a": 1}, TS, "6000.346").query
    assert "recvWindow=6000.5&" in spot.sign_query({"a": 1}, TS, Decimal("6000.5")).query
    with pytest.raises(binance_sign.Error):
        spot.sign_query({"a": 1}, TS, 90000)
    with pytest.raises(binance_sign.Error):
        spot.sign_query({"a": 1}, TS, True)


def test_microsecond_timestamps(spot):
    assert "timestamp=1700000000000123&" in spot.sign_query({"a": 1}, 1700000000000123).query
    with pytest.raises(binance_sign.TimeError):
        spot.sign_query({"a": 1}, 12)


def test_what_is_not_a_parameter_list_is_refused(spot):
    from types import MappingProxyType

    assert query(spot, MappingProxyType({"symbol": "BTCUSDT"})) == "symbol=BTCUSDT"
    for bad in (["ab", "cd"], "ab", [("a", 1, 2)], [{"a": 1}]):
        with pytest.raises(ParamsError):
            spot.sign_query(bad, TS)
    for wrapper in (json_list, repeated):
        with pytest.raises(ParamsError, match="not one str"):
            wrapper("BTC")


def test_numbers_out_of_range_are_typed_errors(spot):
    with pytest.raises(ParamsError, match="38 digits"):
        spot.sign_query({"orderId": 10**40}, TS)
    for bad in (-1, 2**70, True):
        with pytest.raises(binance_sign.Error):
            spot.sign_query({"a": 1}, bad)
        with pytest.raises(binance_sign.Error):
            spot.sign_query({"a": 1}, TS, bad if bad is not True else True)
    assert "recvWindow=5000&" in spot.sign_query({"a": 1}, TS, Decimal("5E+3")).query


def test_websocket_values(spot):
    signed = spot.sign_ws({"symbol": "BTCUSDT", "quantity": Decimal("1E-7"), "limit": 5, "flag": True}, TS)
    assert signed["quantity"] == "0.0000001" and signed["limit"] == 5 and signed["flag"] is True
    for bad in (0.1, None, [1], {"a": 1}):
        with pytest.raises(ParamsError):
            spot.sign_ws({"x": bad}, TS)
