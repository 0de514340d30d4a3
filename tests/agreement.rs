//! The oracle (`check`) and the doctor (`diagnose`) read one rule book: for a correctly signed
//! request whose values are exactly what was meant, `check` says ok exactly when `diagnose`
//! reports no error.
#![cfg(all(feature = "arbitrary", feature = "proptest"))]

use binance_sign::check::{self, Expect, Verdict};
use binance_sign::diagnose::{Diagnosis, Input};
use binance_sign::encoding::decode_pairs;
use binance_sign::rules::Severity;
use binance_sign::{Product, Signer, Timestamp, fuzzing};
use hmac::{Hmac, KeyInit, Mac};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestRunner};

const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const TS: &str = "timestamp=1700000000000";

fn signer() -> Signer {
    Signer::hmac_without_api_key(SECRET).unwrap()
}

/// `query` and `body` with a correct signature over their exact bytes appended to the last
/// part.
fn signed(query: &str, body: &str) -> (String, String) {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(query.as_bytes());
    mac.update(body.as_bytes());
    let sig = hex::encode(mac.finalize().into_bytes());
    if body.is_empty() {
        (format!("{query}&signature={sig}"), String::new())
    } else {
        (query.to_owned(), format!("{body}&signature={sig}"))
    }
}

/// Both tools on one signed request, expecting exactly the values sent.
fn judge(query: &str, body: &str) -> (Verdict, Diagnosis) {
    judge_for(query, body, None)
}

/// [`judge`] for a request to `product`.
fn judge_for(query: &str, body: &str, product: Option<Product>) -> (Verdict, Diagnosis) {
    let signer = signer();
    let pairs: Vec<(String, String)> = [query, body]
        .iter()
        .flat_map(|part| decode_pairs(part).unwrap())
        .filter(|(k, _)| k != "signature")
        .collect();
    let expect: Vec<Expect<'_>> = pairs
        .iter()
        .map(|(k, v)| Expect::text(k.as_str(), v.as_str()))
        .collect();
    let verdict = check::check_for(&expect, query, body, Some(&signer), product);
    let mut input = Input::rest(query, body);
    input.product = product;
    let diagnosis = signer.diagnose(&input).unwrap();
    assert!(diagnosis.valid, "{query} {body}: {:?}", diagnosis.findings);
    (verdict, diagnosis)
}

fn errors(d: &Diagnosis) -> Vec<String> {
    d.findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.code.to_string())
        .collect()
}

/// Every request of the rule-book issue's table: each is refused by Binance, and by both
/// tools.
#[test]
fn both_refuse_every_request_binance_refuses() {
    let refused = [
        "symbols=%5B%22BTCUSDT%22%2C%20%22BNBUSDT%22%5D",
        "symbols=%5B%27BTCUSDT%27%2C%27BNBUSDT%27%5D",
        "symbol=BTCUSDT&timestamp=abc",
        "symbol=BTCUSDT&timestamp=1499827319",
        "symbol=BTCUSDT&timestamp=1499827319559.5",
        "quantity=1e-05",
        "price=1E%2B3",
        "quantity=1%2C5",
        "quantity=NaN",
        "quantity=%2B1",
        "quantity=.5",
        "quantity=1.",
        "quantity=-1",
        "quantity=0.1234567890123456789012345",
        "quantity=123456789012345678901",
        "stopPrice=None",
        "orderId=12.0",
        "limit=ten",
        "recvWindow=90000",
        "recvWindow=0",
        "recvWindow=abc",
        "recvWindow=6000.1234",
        "side=BUY&symbol=BTCUSDT&side=SELL",
        "symbols%5B%5D=BTCUSDT&symbols%5B%5D=BNBUSDT",
        "quantity=",
        "a=1&&b=2",
    ];
    for case in refused {
        let query = if case.contains("timestamp=") {
            case.to_owned()
        } else {
            format!("{case}&{TS}")
        };
        let (q, b) = signed(&query, "");
        let (verdict, diagnosis) = judge(&q, &b);
        assert!(!verdict.ok, "check passed {case}: {:?}", verdict.findings);
        assert!(
            !errors(&diagnosis).is_empty(),
            "diagnose passed {case}: {:?}",
            diagnosis.findings
        );
    }
}

/// In both the query and the body; JSON cut by a raw `&` in the body, or in the query with its
/// quotes encoded; a signed request without `timestamp`.
#[test]
fn both_refuse_what_spans_the_parts() {
    for (query, body) in [
        ("side=BUY".to_owned(), format!("side=BUY&{TS}")),
        (TS.to_owned(), r#"note=["x&y=z"]"#.to_owned()),
        (format!("note=[%22x&y=z%22]&{TS}"), String::new()),
        ("symbol=BTCUSDT".to_owned(), String::new()),
    ] {
        let (q, b) = signed(&query, &body);
        let (verdict, diagnosis) = judge(&q, &b);
        assert!(!verdict.ok, "check passed {q} {b}");
        assert!(!errors(&diagnosis).is_empty(), "diagnose passed {q} {b}");
    }
}

/// The rules that differ between products, told to both.
#[test]
fn both_apply_the_product_rules() {
    for (case, spot_ok) in [
        ("recvWindow=6000.5", true),
        ("timestamp=1700000000000000", true),
        ("recvWindow=6000", true),
    ] {
        let query = if case.starts_with("timestamp") {
            case.to_owned()
        } else {
            format!("{case}&{TS}")
        };
        let (q, b) = signed(&query, "");
        for (product, ok) in [
            (Product::Spot, spot_ok),
            (Product::UsdMFutures, case == "recvWindow=6000"),
        ] {
            let (verdict, diagnosis) = judge_for(&q, &b, Some(product));
            assert_eq!(
                verdict.ok, ok,
                "{case} to {product}: {:?}",
                verdict.findings
            );
            assert_eq!(
                errors(&diagnosis).is_empty(),
                ok,
                "{case} to {product}: {:?}",
                diagnosis.findings
            );
        }
    }
}

/// What Binance takes, both take.
#[test]
fn both_accept_what_binance_accepts() {
    for case in [
        "quantity=0.00001&price=12345678901234567890.12345678901234567890",
        "symbols=%5B%22BTCUSDT%22%2C%22BNBUSDT%22%5D",
        "asset=BTC&asset=USDT",
        "recvWindow=6000.346&orderId=12&limit=10",
        "newClientOrderId=1234567890123456789012",
        "stopLimitPrice=1.5&note=1e-05",
        "permissions=SPOT",
        "symbols=BTCUSDT%2CBNBUSDT",
        "recvWindow=00005000",
    ] {
        let (q, b) = signed(&format!("{case}&{TS}"), "");
        let (verdict, diagnosis) = judge(&q, &b);
        assert!(verdict.ok, "check refused {case}: {:?}", verdict.findings);
        assert!(
            diagnosis.ok(),
            "diagnose refused {case}: {:?}",
            diagnosis.findings
        );
    }
}

/// Over generated requests (the crate's own generators of tricky keys and values, signed by
/// the crate in every form), the two tools agree; both accept some and refuse some, so a
/// generator of only clean (or only broken) requests would show.
#[test]
fn check_is_ok_exactly_when_diagnose_finds_no_error() {
    let mut runner = TestRunner::new(Config {
        cases: 512,
        ..Config::default()
    });
    let signer = signer();
    let strategy = (fuzzing::params(), 0..3u8, 0..3u8);
    let (mut cases, mut check_refused, mut diagnose_refused) = (0, 0, 0);
    for _ in 0..512 {
        let (params, form, product) = strategy.new_tree(&mut runner).unwrap().current();
        let product = [None, Some(Product::Spot), Some(Product::UsdMFutures)][usize::from(product)];
        let at = Timestamp::from_millis(1_700_000_000_000).unwrap();
        let req = match form {
            0 => signer.sign_query(&params, at, None),
            1 => signer.sign_body(&params, at, None),
            _ => signer.sign_split(
                &params,
                &binance_sign::Params::try_from_pairs([("splitMarker", "1")]).unwrap(),
                at,
                None,
            ),
        }
        .unwrap();
        let (verdict, diagnosis) = judge_for(req.query(), req.body(), product);
        cases += 1;
        check_refused += usize::from(!verdict.ok);
        diagnose_refused += usize::from(!errors(&diagnosis).is_empty());
        assert_eq!(
            verdict.ok,
            errors(&diagnosis).is_empty(),
            "query {:?} body {:?}\ncheck: {:?}\ndiagnose: {:?}",
            req.query(),
            req.body(),
            verdict.findings,
            diagnosis.findings
        );
    }
    println!(
        "{cases} generated requests: check refused {check_refused}, diagnose refused {diagnose_refused}"
    );
    assert!(
        check_refused > cases / 20,
        "the generator makes too few broken requests"
    );
    assert!(
        check_refused < cases - cases / 20,
        "the generator makes too few clean requests"
    );
}
