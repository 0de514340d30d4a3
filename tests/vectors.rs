//! Binance's published signing examples, byte for byte, through the public API. The examples
//! are data (`tests/data/vectors.json`, each with the Binance documentation section it comes
//! from); the constants below are checked against that file first, so the file is the one
//! source.

use binance_sign::{Params, RecvWindow, Signer, Timestamp, VerifyError};

const SPOT_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const SPOT_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const FUTURES_SECRET: &str = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
const OPTIONS_SECRET: &str = "YtP1BudNOWZE1ag5uzCkh4hIC7qSmQOu797r5EJBFGhxBYivjj8HIX0iiiPof5yG";

const H1_PAYLOAD: &str = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
const H1: &str = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
const H3: &str = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77";
const H4_PAYLOAD: &str = "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
const H4: &str = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3";
const H4_NEG: &str = "ca2cdfbf21d2e2958de492c7f2dd1f059dd2ed4d4459d26a5ec7928db50c8d4f";
const H5: &str = "d84e6641b1e328e7b418fff030caed655c266299c9355e36ce801ed14631eed4";
const F1_PAYLOAD: &str = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943";
const F1: &str = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9";
const O3: &str = "fa6045c54fb02912b766442be1f66fab619217e551a4fb4f8a1ee000df914d8e";

fn spot() -> Signer {
    Signer::hmac(SPOT_KEY, SPOT_SECRET).unwrap()
}

fn params(pairs: &[(&str, &str)]) -> Params {
    Params::try_from_pairs(pairs.iter().copied()).unwrap()
}

fn h1_params(symbol: &str) -> Params {
    params(&[
        ("symbol", symbol),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "1"),
        ("price", "0.1"),
    ])
}

fn ms(v: u64) -> Timestamp {
    Timestamp::from_millis(v).unwrap()
}

fn rw(v: u64) -> Option<RecvWindow> {
    Some(RecvWindow::from_millis(v).unwrap())
}

#[test]
fn h1_query() {
    let req = spot()
        .sign_query(&h1_params("LTCBTC"), ms(1499827319559), rw(5000))
        .unwrap();
    assert_eq!(req.signature(), H1);
    assert_eq!(req.query(), format!("{H1_PAYLOAD}&signature={H1}"));
    assert_eq!(req.body(), "");
    assert_eq!(req.payload(), H1_PAYLOAD);
    assert_eq!(req.api_key(), Some(SPOT_KEY));
    spot().verify(req.query(), req.body()).unwrap();
}

#[test]
fn h1_body() {
    let req = spot()
        .sign_body(&h1_params("LTCBTC"), ms(1499827319559), rw(5000))
        .unwrap();
    assert_eq!(req.signature(), H1);
    assert_eq!(req.query(), "");
    assert_eq!(req.body(), format!("{H1_PAYLOAD}&signature={H1}"));
    spot().verify(req.query(), req.body()).unwrap();
}

#[test]
fn h1_reused_buffers() {
    let mut out = String::new();
    spot()
        .sign_into(&h1_params("LTCBTC"), ms(1499827319559), rw(5000), &mut out)
        .unwrap();
    assert_eq!(out, format!("{H1_PAYLOAD}&signature={H1}"));
    spot()
        .sign_into(&h1_params("LTCBTC"), ms(1499827319559), rw(5000), &mut out)
        .unwrap();
    assert_eq!(
        out,
        format!("{H1_PAYLOAD}&signature={H1}"),
        "the buffer is cleared first"
    );
}

#[test]
fn h3_split() {
    let query = params(&[
        ("symbol", "LTCBTC"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
    ]);
    let body = params(&[("quantity", "1"), ("price", "0.1")]);
    let req = spot()
        .sign_split(&query, &body, ms(1499827319559), rw(5000))
        .unwrap();
    assert_eq!(req.signature(), H3);
    assert_eq!(
        req.query(),
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
    );
    assert_eq!(
        req.body(),
        format!("quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature={H3}")
    );
    assert_eq!(
        req.payload(),
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    );
    spot().verify(req.query(), req.body()).unwrap();
    let (mut q, mut b) = (String::new(), String::new());
    spot()
        .sign_split_into(&query, &body, ms(1499827319559), rw(5000), &mut q, &mut b)
        .unwrap();
    assert_eq!((q.as_str(), b.as_str()), (req.query(), req.body()));
}

#[test]
fn h4_non_ascii_is_encoded_before_signing() {
    let req = spot()
        .sign_query(&h1_params("１２３４５６"), ms(1499827319559), rw(5000))
        .unwrap();
    assert_eq!(req.payload(), H4_PAYLOAD);
    assert_eq!(req.signature(), H4);
    assert_ne!(
        req.signature(),
        H4_NEG,
        "the raw-UTF-8 signature must never be produced"
    );
    assert!(!req.query().contains(H4_NEG));
    spot().verify(req.query(), req.body()).unwrap();
    let body = spot()
        .sign_body(&h1_params("１２３４５６"), ms(1499827319559), rw(5000))
        .unwrap();
    assert_eq!(body.signature(), H4);
}

#[test]
fn h5_timestamp_only() {
    let req = spot()
        .sign_query(&Params::new(), ms(1578963600000), None)
        .unwrap();
    assert_eq!(
        req.query(),
        format!("timestamp=1578963600000&signature={H5}")
    );
    assert_eq!(req.signature(), H5);
}

#[test]
fn f1_usdm_futures() {
    let signer = Signer::hmac("futures-api-key", FUTURES_SECRET).unwrap();
    let p = params(&[
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("quantity", "1"),
        ("price", "9000"),
        ("timeInForce", "GTC"),
    ]);
    let req = signer.sign_body(&p, ms(1591702613943), rw(5000)).unwrap();
    assert_eq!(req.payload(), F1_PAYLOAD);
    assert_eq!(req.signature(), F1);
}

#[test]
fn o3_options_split() {
    let signer = Signer::hmac("options-api-key", OPTIONS_SECRET).unwrap();
    let query = params(&[
        ("symbol", "BTC-210129-40000-C"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
    ]);
    let body = params(&[("quantity", "0.01"), ("price", "2000")]);
    let req = signer
        .sign_split(&query, &body, ms(1611825601400), rw(5000))
        .unwrap();
    assert_eq!(req.signature(), O3);
    assert_eq!(
        req.query(),
        "symbol=BTC-210129-40000-C&side=BUY&type=LIMIT&timeInForce=GTC"
    );
}

#[test]
fn sign_encoded_reproduces_every_vector() {
    let cases = [
        (spot(), H1_PAYLOAD, "", H1),
        (
            spot(),
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
            "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
            H3,
        ),
        (spot(), H4_PAYLOAD, "", H4),
        (spot(), "timestamp=1578963600000", "", H5),
        (
            Signer::hmac("k", FUTURES_SECRET).unwrap(),
            F1_PAYLOAD,
            "",
            F1,
        ),
        (
            Signer::hmac("k", OPTIONS_SECRET).unwrap(),
            "symbol=BTC-210129-40000-C&side=BUY&type=LIMIT&timeInForce=GTC",
            "quantity=0.01&price=2000&recvWindow=5000&timestamp=1611825601400",
            O3,
        ),
    ];
    for (signer, query, body, expected) in cases {
        let req = signer.sign_encoded(query, body).unwrap();
        assert_eq!(req.signature(), expected);
        assert_eq!(req.payload(), format!("{query}{body}"));
        signer.verify(req.query(), req.body()).unwrap();
    }
}

#[test]
fn verify_accepts_uppercase_hex_and_rejects_h4_neg() {
    let signer = spot();
    signer
        .verify(&format!("{H1_PAYLOAD}&signature={}", H1.to_uppercase()), "")
        .unwrap();
    let err = signer
        .verify(&format!("{H4_PAYLOAD}&signature={H4_NEG}"), "")
        .unwrap_err();
    assert_eq!(
        err,
        binance_sign::Error::Verify(VerifyError::SignatureMismatch)
    );
}

// --- WebSocket API (HMAC) -------------------------------------------------------------------

mod ws {
    use super::*;
    use binance_sign::ws::WsParams;

    const W1: &str = "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24";
    const W2: &str = "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd";

    fn order(symbol: &str, side: &str, price: &str, quantity: &str) -> WsParams {
        let mut p = WsParams::new();
        p.insert("symbol", symbol).unwrap();
        p.insert("side", side).unwrap();
        p.insert("type", "LIMIT").unwrap();
        p.insert("timeInForce", "GTC").unwrap();
        p.insert("quantity", quantity).unwrap();
        p.insert("price", price).unwrap();
        p
    }

    #[test]
    fn w1() {
        let signed = spot()
            .sign_ws(
                &order("BTCUSDT", "SELL", "52000.00", "0.01000000"),
                ms(1645423376532),
                rw(100),
            )
            .unwrap();
        assert_eq!(
            signed.payload(),
            "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT"
        );
        assert_eq!(signed.signature(), W1);
        let request = signed.to_request("4885f793-e5ad-4c3b-8f6c-55d891472b71", "order.place");
        assert_eq!(request["params"]["signature"], W1);
        assert_eq!(request["params"]["recvWindow"], 100);
        assert_eq!(request["params"]["price"], "52000.00");
        spot().verify_ws(signed.params()).unwrap();
    }

    #[test]
    fn w2_raw_utf8() {
        let signed = spot()
            .sign_ws(
                &order("１２３４５６", "BUY", "0.10000000", "1.00000000"),
                ms(1645423376532),
                rw(5000),
            )
            .unwrap();
        assert!(signed.payload().contains("&symbol=１２３４５６&"));
        assert_eq!(signed.signature(), W2);
        assert_eq!(signed.params()["symbol"], "１２３４５６");
    }
}

// --- Ed25519 and RSA ------------------------------------------------------------------------

#[cfg(feature = "ed25519")]
mod ed25519 {
    use super::*;
    use base64::Engine as _;
    use binance_sign::fix_logon::FixLogon;

    const PEM: &str = include_str!("data/ed25519-binance-docs.pem");
    const E_FIX: &str =
        "4MHXelVVcpkdwuLbl6n73HQUXUf1dse2PCgT1DYqW9w8AVZ1RACFGM+5UdlGPrQHrgtS3CvsRURC1oj73j8gCA==";
    const E1_PAYLOAD: &str = "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2&timestamp=1668481559918&recvWindow=5000";
    const E1: &str =
        "inDT086KVIP8vgUfw5sV3VTkescWztiAGlf4x8FLKHM4NInsn0c1kYVLoGMO8cyjfR6vmTku2YQE0gtfVVlfCw==";

    #[test]
    fn e_fix() {
        let signer = Signer::ed25519_pem(SPOT_KEY, PEM).unwrap();
        let logon = FixLogon {
            sender_comp_id: "EXAMPLE",
            target_comp_id: "SPOT",
            msg_seq_num: 1,
            sending_time: "20240627-11:17:25.223",
        };
        assert_eq!(
            logon.payload().unwrap(),
            "A\x01EXAMPLE\x01SPOT\x011\x0120240627-11:17:25.223"
        );
        assert_eq!(signer.fix_logon_raw_data(&logon).unwrap(), E_FIX);
    }

    #[test]
    fn e1_rest_payload() {
        let signer = Signer::ed25519_pem(SPOT_KEY, PEM).unwrap();
        let req = signer.sign_encoded(E1_PAYLOAD, "").unwrap();
        // On REST the base64 signature is percent-encoded.
        assert_eq!(req.signature(), binance_sign::encoding::encode(E1));
        assert_eq!(binance_sign::encoding::decode(req.signature()).unwrap(), E1);
        assert!(req.query().ends_with("%3D%3D"));
        signer.verify(req.query(), req.body()).unwrap();
        // The public key from the FIX documentation verifies it.
        let spki = base64::engine::general_purpose::STANDARD
            .decode("MCowBQYDK2VwAyEAGUIKv9dSpWXBViXp2m6vAIb8QMFJYBgyFEQsFJlqgA0=")
            .unwrap();
        let key = ed25519_dalek::VerifyingKey::from_bytes(spki[12..].try_into().unwrap()).unwrap();
        let sig = ed25519_dalek::Signature::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(E1)
                .unwrap(),
        )
        .unwrap();
        key.verify_strict(E1_PAYLOAD.as_bytes(), &sig).unwrap();
    }
}

#[cfg(feature = "rsa")]
mod rsa {
    use super::*;

    /// `printf '%s' "$H1_PAYLOAD" | openssl dgst -sha256 -sign tests/data/rsa-2048.pem | base64 -w0`
    const OPENSSL_H1: &str = "Ay/P7FXXREG5t9bXNSAOuezdmfmiuhWQPfCKlhPyp2mxevLu5mGX8uK5kcLjqxY7bDBiFXZDDj///C1X+oXeIjjjgJnVZwkVql3xzyu1GA5hYEt00t23vjRpduGoljo7fqTPX6Pra/S/L1RPXMR1bPdwY8vxGOJVHRZFQ9dJyinHa7onQCZWGf6reqrxwZ2Jet7OQHqQtj7cLxtdMRqMi1Yzx7tbNj6OFky2cqNjcMRCgXkRBdG/h8c/RvFm/KRzvec/byi6y9R1/kNmTFHTbBk5U2h7fHbEPiSH7P/5WwRqMj6ta3XeWXAVOdwd2JbOjb/aeA82TgyT8kQBKiF8ZQ==";

    #[test]
    fn matches_openssl_and_verifies() {
        let signer = Signer::rsa_pem(SPOT_KEY, include_str!("data/rsa-2048.pem")).unwrap();
        let req = signer
            .sign_query(&h1_params("LTCBTC"), ms(1499827319559), rw(5000))
            .unwrap();
        assert_eq!(req.payload(), H1_PAYLOAD);
        assert_eq!(
            binance_sign::encoding::decode(req.signature()).unwrap(),
            OPENSSL_H1
        );
        assert_eq!(req.signature(), binance_sign::encoding::encode(OPENSSL_H1));
        signer.verify(req.query(), req.body()).unwrap();
        // And with the public key alone, through the `rsa` crate.
        use ::rsa::pkcs8::DecodePublicKey;
        use ::rsa::signature::Verifier;
        use base64::Engine as _;
        let public =
            ::rsa::PublicKey::from_public_key_pem(include_str!("data/rsa-2048-public.pem"))
                .unwrap();
        let key = ::rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
        let sig = ::rsa::pkcs1v15::Signature::try_from(
            base64::engine::general_purpose::STANDARD
                .decode(OPENSSL_H1)
                .unwrap()
                .as_slice(),
        )
        .unwrap();
        key.verify(H1_PAYLOAD.as_bytes(), &sig).unwrap();
    }
}

/// Every vector of `tests/data/vectors.json` (Binance's published examples, sources recorded in
/// the file), byte for byte: the same data the Python package's tests read.
#[test]
fn vectors_from_the_data_file() {
    use binance_sign::ws::WsParams;
    use serde_json::Value;
    let data: Value = serde_json::from_str(include_str!("data/vectors.json")).unwrap();
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    let signer = |name: &str| {
        let k = &data["keys"][name];
        Signer::hmac(text(&k["api_key"]), text(&k["secret"])).unwrap()
    };
    let params = |v: &Value| {
        Params::try_from_pairs(
            v.as_array()
                .unwrap()
                .iter()
                .map(|p| (text(&p[0]), text(&p[1]))),
        )
        .unwrap()
    };
    let recv_window = |v: &Value| v.as_u64().map(|ms| RecvWindow::from_millis(ms).unwrap());
    let mut checked = 0;
    for v in data["rest"].as_array().unwrap() {
        let s = signer(v["key"].as_str().unwrap());
        let ts = Timestamp::from_millis(v["timestamp"].as_u64().unwrap()).unwrap();
        let req = if v["form"] == "split" {
            s.sign_split(
                &params(&v["query_params"]),
                &params(&v["params"]),
                ts,
                recv_window(&v["recv_window"]),
            )
        } else {
            s.sign_query(&params(&v["params"]), ts, recv_window(&v["recv_window"]))
        }
        .unwrap();
        assert_eq!(req.payload(), text(&v["payload"]), "{}", v["id"]);
        assert_eq!(req.signature(), text(&v["signature"]), "{}", v["id"]);
        if let Some(never) = v["never"].as_str() {
            assert_ne!(req.signature(), never);
        }
        checked += 1;
    }
    for v in data["websocket"].as_array().unwrap() {
        let s = signer(v["key"].as_str().unwrap());
        let mut p = WsParams::new();
        for (k, value) in v["params"].as_object().unwrap() {
            p.insert(k, value.clone()).unwrap();
        }
        let ts = Timestamp::from_millis(v["timestamp"].as_u64().unwrap()).unwrap();
        let signed = s.sign_ws(&p, ts, recv_window(&v["recv_window"])).unwrap();
        assert_eq!(signed.payload(), text(&v["payload"]), "{}", v["id"]);
        assert_eq!(signed.signature(), text(&v["signature"]), "{}", v["id"]);
        checked += 1;
    }
    #[cfg(feature = "ed25519")]
    for v in data["ed25519"].as_array().unwrap() {
        let s = Signer::ed25519_pem("key", data["keys"]["ed25519_pem"].as_str().unwrap()).unwrap();
        let req = s.sign_encoded(v["payload"].as_str().unwrap(), "").unwrap();
        let encoded = binance_sign::encoding::encode(v["signature"].as_str().unwrap());
        assert_eq!(req.signature(), encoded, "{}", v["id"]);
        checked += 1;
    }
    assert!(checked >= 8, "{checked}");
}

/// The same vectors through the crypto layer alone: a bare `SigningKey` over the documented
/// payload gives the documented signature, in the documented text form, and verifies it; and
/// through the REST form module, which takes only a key.
#[test]
fn vectors_through_the_signing_key() {
    use binance_sign::{KeyKind, Signature, SigningKey, rest};
    use serde_json::Value;
    let data: Value = serde_json::from_str(include_str!("data/vectors.json")).unwrap();
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    let mut checked = 0;
    for v in data["rest"]
        .as_array()
        .unwrap()
        .iter()
        .chain(data["websocket"].as_array().unwrap())
    {
        let key =
            SigningKey::hmac(text(&data["keys"][v["key"].as_str().unwrap()]["secret"])).unwrap();
        let signature = key.sign(text(&v["payload"]).as_bytes()).unwrap();
        assert_eq!(signature.kind(), KeyKind::Hmac);
        assert_eq!(signature.to_hex(), text(&v["signature"]), "{}", v["id"]);
        assert_eq!(signature.to_text(), signature.to_hex());
        let parsed = Signature::from_hex(KeyKind::Hmac, &text(&v["signature"])).unwrap();
        key.verify(text(&v["payload"]).as_bytes(), &parsed).unwrap();
        let mut tampered = text(&v["payload"]);
        tampered.push('0');
        assert!(key.verify(tampered.as_bytes(), &parsed).is_err());
        checked += 1;
    }
    // The REST form over a bare key: H1.
    let h1 = &data["rest"][0];
    let key = SigningKey::hmac(text(&data["keys"]["spot"]["secret"])).unwrap();
    let mut out = String::new();
    let at = rest::sign_into(
        &key,
        &params(
            &h1["params"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_str().unwrap(), p[1].as_str().unwrap()))
                .collect::<Vec<_>>(),
        ),
        ms(h1["timestamp"].as_u64().unwrap()),
        rw(h1["recv_window"].as_u64().unwrap()),
        &mut out,
    )
    .unwrap();
    assert_eq!(&out[at..], text(&h1["signature"]));
    assert_eq!(&out[..at], format!("{}&signature=", text(&h1["payload"])));
    rest::verify(&key, &out, "").unwrap();
    #[cfg(feature = "ed25519")]
    for v in data["ed25519"].as_array().unwrap() {
        let key =
            SigningKey::from_pem(data["keys"]["ed25519_pem"].as_str().unwrap(), None).unwrap();
        assert_eq!(key.kind(), KeyKind::Ed25519);
        let signature = key.sign(text(&v["payload"]).as_bytes()).unwrap();
        assert_eq!(signature.to_base64(), text(&v["signature"]), "{}", v["id"]);
        assert_eq!(signature.to_text(), signature.to_base64());
        assert_eq!(signature.as_bytes().len(), 64);
        // A signature of another kind is refused, not compared.
        let hmac = SigningKey::hmac("secret").unwrap();
        assert!(
            hmac.verify(text(&v["payload"]).as_bytes(), &signature)
                .is_err()
        );
        checked += 1;
    }
    let ed25519 = usize::from(cfg!(feature = "ed25519"));
    assert!(checked >= 8 + ed25519, "{checked}");
}

/// Every constant of this file is the value of `tests/data/vectors.json`, and the file holds
/// every example with its source: the data file is the one place the vectors live.
#[test]
fn constants_match_the_data_file() {
    use serde_json::Value;
    let data: Value = serde_json::from_str(include_str!("data/vectors.json")).unwrap();
    let entry = |id: &str| -> &Value {
        ["rest", "websocket", "ed25519", "fix"]
            .iter()
            .flat_map(|k| data[*k].as_array().unwrap())
            .find(|v| v["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not in vectors.json"))
    };
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    for (id, signature) in [
        ("H1", H1),
        ("H3", H3),
        ("H4", H4),
        ("H5", H5),
        ("F1", F1),
        ("O3", O3),
    ] {
        assert_eq!(text(&entry(id)["signature"]), signature, "{id}");
        assert!(
            !text(&entry(id)["source"]).is_empty(),
            "{id} names its source"
        );
    }
    assert_eq!(text(&entry("H4")["never"]), H4_NEG);
    assert_eq!(text(&entry("H1")["payload"]), H1_PAYLOAD);
    assert_eq!(text(&entry("H4")["payload"]), H4_PAYLOAD);
    assert_eq!(text(&entry("F1")["payload"]), F1_PAYLOAD);
    assert_eq!(text(&data["keys"]["spot"]["api_key"]), SPOT_KEY);
    assert_eq!(text(&data["keys"]["spot"]["secret"]), SPOT_SECRET);
    assert_eq!(text(&data["keys"]["usdm"]["secret"]), FUTURES_SECRET);
    assert_eq!(text(&data["keys"]["options"]["secret"]), OPTIONS_SECRET);
    for id in ["W1", "W2", "E1", "E-FIX"] {
        assert!(
            !text(&entry(id)["source"]).is_empty(),
            "{id} names its source"
        );
    }
}

/// The FIX logon example of the data file, through the bare-key form and the signer.
#[cfg(feature = "ed25519")]
#[test]
fn fix_vector_from_the_data_file() {
    use binance_sign::fix_logon::{self, FixLogon};
    use serde_json::Value;
    let data: Value = serde_json::from_str(include_str!("data/vectors.json")).unwrap();
    let pem = data["keys"]["ed25519_pem"].as_str().unwrap();
    for v in data["fix"].as_array().unwrap() {
        let logon = FixLogon {
            sender_comp_id: v["sender_comp_id"].as_str().unwrap(),
            target_comp_id: v["target_comp_id"].as_str().unwrap(),
            msg_seq_num: v["msg_seq_num"].as_u64().unwrap(),
            sending_time: v["sending_time"].as_str().unwrap(),
        };
        assert_eq!(logon.payload().unwrap(), v["payload"].as_str().unwrap());
        let key = binance_sign::SigningKey::from_pem(pem, None).unwrap();
        assert_eq!(
            fix_logon::raw_data(&key, &logon).unwrap(),
            v["signature"].as_str().unwrap()
        );
        let signer = Signer::ed25519_pem(SPOT_KEY, pem).unwrap();
        assert_eq!(
            signer.fix_logon_raw_data(&logon).unwrap(),
            v["signature"].as_str().unwrap()
        );
    }
}
