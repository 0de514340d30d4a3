//! The values bots send: `Display` types such as `rust_decimal::Decimal`, negative numbers,
//! lists from `serde` structs, ARRAY parameters as a repeated key; signed and read back.

use binance_sign::encoding::decode_pairs;
use binance_sign::{Error, ParamError, Params, Signer, Timestamp};
use rust_decimal::Decimal;

fn signer() -> Signer {
    Signer::hmac(
        "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
        "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
    )
    .unwrap()
}

fn ts() -> Timestamp {
    Timestamp::from_millis(1_499_827_319_559).unwrap()
}

#[test]
fn decimals_and_integers_are_sent_as_they_print() {
    let mut p = Params::new();
    p.push("symbol", "LTCBTC").unwrap();
    p.push("quantity", Decimal::new(1, 0)).unwrap();
    p.push("price", Decimal::new(1, 1)).unwrap(); // 0.1
    p.push("stopPrice", Decimal::new(-25, 5)).unwrap(); // -0.00025: rules are per endpoint
    p.push("orderId", 42u64).unwrap();
    p.push("newOrderRespType", String::from("FULL")).unwrap();
    assert_eq!(
        p.encoded(),
        "symbol=LTCBTC&quantity=1&price=0.1&stopPrice=-0.00025&orderId=42&newOrderRespType=FULL"
    );
    // Decimal keeps its scale: 0.10 is sent as 0.10, never reformatted.
    p.push("icebergQty", Decimal::new(10, 2)).unwrap();
    assert_eq!(p.get("icebergQty"), Some("0.10"));
    let req = signer().sign_query(&p, ts(), None).unwrap();
    signer().verify(req.query(), req.body()).unwrap();
}

#[test]
fn the_h1_vector_from_decimals() {
    let p = Params::try_from_pairs([
        ("symbol", "LTCBTC".to_string()),
        ("side", "BUY".into()),
        ("type", "LIMIT".into()),
        ("timeInForce", "GTC".into()),
        ("quantity", Decimal::new(1, 0).to_string()),
        ("price", Decimal::new(1, 1).to_string()),
    ])
    .unwrap();
    let req = signer()
        .sign_query(
            &p,
            ts(),
            Some(binance_sign::RecvWindow::from_millis(5000).unwrap()),
        )
        .unwrap();
    assert_eq!(
        req.signature(),
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    );
}

#[test]
fn serde_structs_with_lists_and_decimals() {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Cancel {
        symbol: &'static str,
        order_id_list: Vec<u64>,
        orig_client_order_id_list: Vec<&'static str>,
        price: Decimal,
    }
    let p = Params::from_serialize(&Cancel {
        symbol: "BTCUSDT",
        order_id_list: vec![1, 2],
        orig_client_order_id_list: vec!["a b", "c"],
        price: Decimal::new(-15, 1),
    })
    .unwrap();
    assert_eq!(p.get("orderIdList"), Some("[1,2]"));
    assert_eq!(p.get("origClientOrderIdList"), Some(r#"["a b","c"]"#));
    assert_eq!(p.get("price"), Some("-1.5"));
    assert_eq!(
        p.encoded(),
        "symbol=BTCUSDT&orderIdList=%5B1%2C2%5D&origClientOrderIdList=%5B%22a%20b%22%2C%22c%22%5D&price=-1.5"
    );

    #[derive(serde::Serialize)]
    struct Nested {
        filter: std::collections::BTreeMap<&'static str, u8>,
    }
    let err = Params::from_serialize(&Nested {
        filter: [("a", 1)].into_iter().collect(),
    })
    .unwrap_err();
    assert!(
        matches!(&err, ParamError::Unsupported { key, .. } if key == "filter"),
        "{err}"
    );
}

#[test]
fn array_parameters_as_a_repeated_key_are_signed_as_sent() {
    // POST /sapi/v1/asset/dust: asset=BTC&asset=USDT.
    let mut p = Params::new();
    p.push_repeated("asset", ["BTC", "USDT"]).unwrap();
    let req = signer().sign_body(&p, ts(), None).unwrap();
    assert!(
        req.body()
            .starts_with("asset=BTC&asset=USDT&timestamp=1499827319559&signature=")
    );
    signer().verify(req.query(), req.body()).unwrap();
    let pairs = decode_pairs(req.body()).unwrap();
    assert_eq!(pairs[0], ("asset".into(), "BTC".into()));
    assert_eq!(pairs[1], ("asset".into(), "USDT".into()));
    // An ordinary duplicate is still refused, in one list and across query and body.
    assert!(matches!(
        p.push("asset", "ETH"),
        Err(ParamError::DuplicateKey { .. })
    ));
    let query = Params::try_from_pairs([("asset", "ETH")]).unwrap();
    let err = signer().sign_split(&query, &p, ts(), None).unwrap_err();
    assert!(matches!(
        err,
        Error::Params(ParamError::KeyInBothParts { .. })
    ));
    // Its fix is the one that applies: one part, not `push_repeated`.
    assert!(!err.to_string().contains("push_repeated"), "{err}");
    assert!(
        p.push("asset", "ETH")
            .unwrap_err()
            .to_string()
            .contains("push_repeated")
    );
}

#[test]
fn sign_encoded_accepts_array_parameters_in_one_part() {
    let req = signer()
        .sign_encoded("", "asset=BTC&asset=USDT&timestamp=1499827319559")
        .unwrap();
    signer().verify(req.query(), req.body()).unwrap();
    assert!(matches!(
        signer().sign_encoded("asset=BTC", "asset=USDT&timestamp=1499827319559"),
        Err(Error::Params(ParamError::KeyInBothParts { .. }))
    ));
    let twice = signer()
        .sign_encoded("", "timestamp=1499827319559&timestamp=1499827319559")
        .unwrap_err();
    assert!(matches!(
        twice,
        Error::Params(ParamError::SignerKeyTwice { .. })
    ));
    assert!(!twice.to_string().contains("push_repeated"), "{twice}");
}
