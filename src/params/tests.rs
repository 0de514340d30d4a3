//! Unit tests of `Params`.
use super::*;
use crate::params::error::{Field, ParamError};

#[test]
fn refusals_name_key_and_rule() {
    let mut p = Params::new();
    assert_eq!(p.push("", "x"), Err(ParamError::EmptyKey));
    assert_eq!(
        p.push("symbol", ""),
        Err(ParamError::EmptyValue {
            key: "symbol".into()
        })
    );
    for reserved in RESERVED_KEYS {
        assert_eq!(
            p.push(reserved, "1"),
            Err(ParamError::ReservedKey {
                key: reserved.into()
            })
        );
    }
    assert_eq!(
        p.push("note", "a\nb"),
        Err(ParamError::ControlCharacter {
            key: "note".into(),
            field: Field::Value,
            code: 10,
            position: 1
        })
    );
    assert_eq!(
        p.push("k\0", "v"),
        Err(ParamError::ControlCharacter {
            key: "k\\u{0}".into(),
            field: Field::Key,
            code: 0,
            position: 1
        })
    );
    assert!(matches!(
        p.push("del", "\u{7f}"),
        Err(ParamError::ControlCharacter { code: 0x7f, .. })
    ));
    assert!(matches!(
        p.push("c1", "\u{85}"),
        Err(ParamError::ControlCharacter { code: 0x85, .. })
    ));
    p.push("symbol", "BTCUSDT").unwrap();
    assert_eq!(
        p.push("symbol", "X"),
        Err(ParamError::DuplicateKey {
            key: "symbol".into()
        })
    );
    assert_eq!(p.len(), 1, "a refused push leaves the list unchanged");
    assert_eq!(p.encoded(), "symbol=BTCUSDT");
}

#[test]
fn list_values_are_compact_json() {
    let mut p = Params::new();
    p.push_list("symbols", ["BTC\"USDT", "BNBUSDT"]).unwrap();
    assert_eq!(p.get("symbols"), Some(r#"["BTC\"USDT","BNBUSDT"]"#));
    assert_eq!(
        p.push_list("empty", Vec::<String>::new()),
        Err(ParamError::EmptyValue {
            key: "empty".into()
        })
    );
}

#[test]
fn from_serialize_floats_plain_decimal() {
    #[derive(Serialize)]
    struct Q {
        a: f64,
        b: f32,
        c: Option<f64>,
        d: u64,
        e: &'static str,
    }
    let p = Params::from_serialize(&Q {
        a: 0.00001,
        b: 0.1,
        c: Some(12345678.5),
        d: 7,
        e: "x y",
    })
    .unwrap();
    assert_eq!(p.encoded(), "a=0.00001&b=0.1&c=12345678.5&d=7&e=x%20y");
    let negative = Params::from_serialize(&[("a", -1.5)]).unwrap();
    assert_eq!(negative.encoded(), "a=-1.5");
    for bad in [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e25,
        1e-25,
        -1e21,
    ] {
        let err = Params::from_serialize(&Q {
            a: bad,
            b: 1.0,
            c: None,
            d: 1,
            e: "x",
        })
        .unwrap_err();
        assert!(
            matches!(&err, ParamError::NumberFormat { key, .. } if key == "a"),
            "{bad}: {err:?}"
        );
    }
    let err = Params::from_serialize(&[("timestamp", 1)]).unwrap_err();
    assert_eq!(
        err,
        ParamError::ReservedKey {
            key: "timestamp".into()
        }
    );
}

#[test]
fn from_serialize_lists_and_nested_values() {
    #[derive(Serialize)]
    struct Inner {
        symbol: &'static str,
        price: f64,
    }
    #[derive(Serialize)]
    struct Q {
        symbols: Vec<&'static str>,
        #[serde(rename = "orderIdList")]
        ids: [u64; 2],
        #[serde(rename = "batchOrders")]
        batch: Vec<Inner>,
        prices: Vec<f64>,
    }
    let p = Params::from_serialize(&Q {
        symbols: vec!["BTCUSDT", "BNBUSDT"],
        ids: [1, 2],
        batch: vec![Inner {
            symbol: "BTCUSDT",
            price: 0.00001,
        }],
        prices: vec![0.00001, -2.5],
    })
    .unwrap();
    assert_eq!(p.get("symbols"), Some(r#"["BTCUSDT","BNBUSDT"]"#));
    assert_eq!(p.get("orderIdList"), Some("[1,2]"));
    assert_eq!(
        p.get("batchOrders"),
        Some(r#"[{"symbol":"BTCUSDT","price":0.00001}]"#)
    );
    assert_eq!(p.get("prices"), Some("[0.00001,-2.5]"));

    #[derive(Serialize)]
    struct Nested {
        symbol: &'static str,
        inner: Inner,
    }
    let err = Params::from_serialize(&Nested {
        symbol: "X",
        inner: Inner {
            symbol: "Y",
            price: 1.0,
        },
    })
    .unwrap_err();
    assert!(
        matches!(&err, ParamError::Unsupported { key, .. } if key == "inner"),
        "{err:?}"
    );
    assert!(err.to_string().contains("push_json"), "{err}");
    let err = Params::from_serialize(&[("prices", vec![f64::NAN])]).unwrap_err();
    assert!(
        matches!(&err, ParamError::NumberFormat { key, .. } if key == "prices"),
        "{err:?}"
    );
    let err = Params::from_serialize(&[("symbols", Vec::<String>::new())]).unwrap_err();
    assert_eq!(
        err,
        ParamError::EmptyValue {
            key: "symbols".into()
        }
    );
}

#[test]
fn display_values_and_repeated_keys() {
    let mut p = Params::new();
    p.push("orderId", 42u64).unwrap();
    p.push("price", -0.5f64).unwrap();
    p.push("flag", true).unwrap();
    p.push_repeated("asset", ["BTC", "USDT"]).unwrap();
    assert_eq!(
        p.encoded(),
        "orderId=42&price=-0.5&flag=true&asset=BTC&asset=USDT"
    );
    assert_eq!(p.get("asset"), Some("BTC"));
    assert_eq!(p.get_all("asset").collect::<Vec<_>>(), ["BTC", "USDT"]);
    assert_eq!(p.len(), 5);
    assert_eq!(
        p.push("asset", "ETH"),
        Err(ParamError::DuplicateKey {
            key: "asset".into()
        })
    );
    assert_eq!(
        p.push_repeated("orderId", [1]),
        Err(ParamError::DuplicateKey {
            key: "orderId".into()
        })
    );
    assert_eq!(
        p.push_repeated("empty", Vec::<u8>::new()),
        Err(ParamError::EmptyValue {
            key: "empty".into()
        })
    );
    assert!(p.push_repeated("bad", ["ok", ""]).is_err());
    assert!(
        !p.contains_key("bad"),
        "nothing added when an item is refused"
    );
    assert!(matches!(
        p.push("qty", f64::NAN),
        Err(ParamError::NumberFormat { .. })
    ));
    assert!(matches!(
        p.push("qty", f64::INFINITY),
        Err(ParamError::NumberFormat { .. })
    ));
}

#[test]
fn float_rule_applies_to_floats_only() {
    let mut p = Params::new();
    for bad in [1e21_f64, 1e-21, -1e21, f64::NAN, f64::INFINITY] {
        let err = p.push("quantity", bad).unwrap_err();
        assert!(
            matches!(&err, ParamError::NumberFormat { key, .. } if key == "quantity"),
            "{bad}: {err:?}"
        );
    }
    assert!(matches!(
        p.push("quantity", 1e30_f32),
        Err(ParamError::NumberFormat { .. })
    ));
    assert!(matches!(
        p.push_repeated("prices", [1.5, 1e-21]),
        Err(ParamError::NumberFormat { .. })
    ));
    assert!(p.is_empty(), "refused pushes leave nothing behind");
    p.push("newClientOrderId", "1000000000000000000000")
        .unwrap();
    p.push("orderId", u128::MAX).unwrap();
    p.push("quantity", 0.00001_f64).unwrap();
    p.push("price", -2.5_f32).unwrap();
    assert_eq!(
        p.encoded(),
        "newClientOrderId=1000000000000000000000&orderId=340282366920938463463374607431768211455&quantity=0.00001&price=-2.5"
    );
}

#[test]
fn clear_reuses_and_views_decode() {
    let mut p = Params::new();
    p.push("symbol", "１２３４５６").unwrap();
    p.push("a b", "x&y=z").unwrap();
    assert_eq!(
        p.encoded(),
        "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&a%20b=x%26y%3Dz"
    );
    assert_eq!(p.get("symbol"), Some("１２３４５６"));
    assert_eq!(p.get("a b"), Some("x&y=z"));
    assert_eq!(
        p.iter().collect::<Vec<_>>(),
        [("symbol", "１２３４５６"), ("a b", "x&y=z")]
    );
    let capacity = p.encoded.capacity();
    p.clear();
    assert!(p.is_empty() && p.encoded().is_empty() && p.get("symbol").is_none());
    assert_eq!(p.encoded.capacity(), capacity);
    p.push("symbol", "BTCUSDT").unwrap();
    assert_eq!(p.encoded(), "symbol=BTCUSDT");
    assert_eq!(p, Params::try_from_pairs([("symbol", "BTCUSDT")]).unwrap());
}

#[test]
fn long_lists_find_duplicates() {
    let mut p = Params::new();
    for i in 0..1000 {
        p.push(format!("k{i}"), i).unwrap();
    }
    assert!(!p.index.is_empty());
    for i in [0, 15, 16, 17, 999] {
        assert_eq!(
            p.push(format!("k{i}"), 1),
            Err(ParamError::DuplicateKey {
                key: format!("k{i}")
            })
        );
        assert_eq!(p.get(&format!("k{i}")), Some(i.to_string().as_str()));
    }
    assert!(!p.contains_key("k1000"));
    // A refused ARRAY push past the threshold forgets its key.
    assert!(p.push_repeated("asset", ["BTC", ""]).is_err());
    assert!(!p.contains_key("asset"));
    p.push_repeated("asset", ["BTC", "USDT"]).unwrap();
    assert_eq!(p.get_all("asset").collect::<Vec<_>>(), ["BTC", "USDT"]);
    assert_eq!(p.len(), 1002);

    // Crossing the threshold inside an ARRAY push, then refused: back to a scan.
    let mut q = Params::new();
    for i in 0..INDEX_FROM - 1 {
        q.push(format!("k{i}"), i).unwrap();
    }
    assert!(q.push_repeated("asset", ["A", "B", "C", ""]).is_err());
    assert!(q.index.is_empty() && !q.contains_key("asset"));
    q.push_repeated("asset", ["A", "B", "C"]).unwrap();
    q.push("after", 1).unwrap();
    assert!(!q.index.is_empty());
    assert!(q.push("asset", "D").is_err());
    assert!(q.push("k3", "D").is_err());
}
