import json
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def vectors():
    return json.loads((DATA / "vectors.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def spot(vectors):
    import binance_sign

    k = vectors["keys"]["spot"]
    return binance_sign.Signer.hmac(k["api_key"], k["secret"])


def pem(name):
    return (DATA / name).read_text(encoding="utf-8")
