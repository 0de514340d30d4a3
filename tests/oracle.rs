//! The `check` oracle: every finding code from a hand-built bad request, everything the crate
//! signs passes, and the JSON-lines protocol.
#![cfg(all(feature = "arbitrary", feature = "proptest"))]

use binance_sign::check::{Code, Expect, Verdict, check, serve_jsonl, verdict_line};
use binance_sign::{Params, Signer, Timestamp, fuzzing};
use proptest::prelude::*;

const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

fn signer() -> Signer {
    Signer::hmac_without_api_key(SECRET).unwrap()
}

fn codes(v: &Verdict) -> Vec<Code> {
    v.findings.iter().map(|f| f.code).collect()
}

fn expect(params: &Params) -> Vec<Expect<'_>> {
    params.iter().map(|(k, v)| Expect::text(k, v)).collect()
}

#[test]
fn every_code_from_a_hand_built_bad_request() {
    let e = [
        Expect::text("symbol", "BTCUSDT"),
        Expect::decimal("quantity", "0.00001"),
    ];
    let cases: Vec<(&str, &str, Vec<Code>)> = vec![
        ("symbol=BTCUSDT", "", vec![Code::MissingParameter]),
        (
            "symbol=BTCUSDT&quantity=0.00001&extra=1",
            "",
            vec![Code::UnexpectedParameter],
        ),
        (
            "symbol=BTCUSDT&symbol=BTCUSDT&quantity=0.00001",
            "",
            vec![Code::RepeatedParameter, Code::DuplicateParameter],
        ),
        (
            "symbol=BTC+USDT&quantity=0.00001",
            "",
            vec![Code::ValueMismatch],
        ),
        (
            "symbol=BTCUSDT&quantity=1e-05",
            "",
            vec![Code::NumberFormat],
        ),
        (
            "symbol=BTCUSDT&quantity=0.00002",
            "",
            vec![Code::ValueMismatch],
        ),
        (
            "symbol=BTCUSDT&quantity=0.00001&note=",
            "",
            vec![Code::UnexpectedParameter, Code::EmptyValue],
        ),
        (
            "symbol=%ZZ&quantity=0.00001",
            "",
            vec![Code::MalformedEscape, Code::MissingParameter],
        ),
        (
            "symbol=BTCUSDT&quantity=0.00001&note=a b",
            "",
            vec![Code::ClientWouldReencode, Code::UnexpectedParameter],
        ),
        (
            "symbol=BTCUSDT&quantity=0.00001#x",
            "",
            vec![Code::ClientWouldReencode, Code::NumberFormat],
        ),
    ];
    for (query, body, expected) in cases {
        let v = check(&e, query, body, None);
        let mut got = codes(&v);
        got.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(got, want, "{query}: {:?}", v.findings);
        assert!(!v.ok);
        assert!(v.findings.iter().all(|f| !f.message.is_empty()));
    }
    // The message names what was expected and what was read.
    let v = check(&e, "symbol=BTC+USDT&quantity=0.00001", "", None);
    assert!(
        v.findings[0].message.contains("`BTC USDT`") && v.findings[0].message.contains("`BTCUSDT`")
    );
    assert_eq!(v.findings[0].key.as_deref(), Some("symbol"));
}

/// Signatures, with a key and without one.
#[test]
fn every_signature_code() {
    let e = [
        Expect::text("symbol", "BTCUSDT"),
        Expect::decimal("quantity", "0.00001"),
    ];
    let s = signer();
    let params = Params::try_from_pairs([("symbol", "BTCUSDT"), ("quantity", "0.00001")]).unwrap();
    let ts = Timestamp::from_millis(1_700_000_000_000).unwrap();
    let req = s.sign_query(&params, ts, None).unwrap();
    assert!(check(&e, req.query(), "", Some(&s)).ok);
    let unsigned = params.encoded();
    assert_eq!(
        codes(&check(&e, unsigned, "", Some(&s))),
        [Code::SignatureMissing, Code::TimestampMissing]
    );
    let moved = format!(
        "signature={}&{}",
        req.signature(),
        req.query().split("&signature").next().unwrap()
    );
    assert_eq!(
        codes(&check(&e, &moved, "", Some(&s))),
        [Code::SignatureNotLast]
    );
    let tampered = req.query().replace("0.00001", "0.000010");
    assert_eq!(
        codes(&check(&e, &tampered, "", Some(&s))),
        [Code::SignatureInvalid]
    );
    // Without a key: where the signature is, and the signer's keys at most once each.
    assert_eq!(
        codes(&check(&e, &moved, "", None)),
        [Code::SignatureNotLast]
    );
    assert!(check(&e, req.query(), "", None).ok);
    let twice = format!("timestamp=1700000000001&{}", req.query());
    let v = check(&e, &twice, "", None);
    assert_eq!(codes(&v), [Code::DuplicateParameter], "{:?}", v.findings);
    assert_eq!(v.findings[0].key.as_deref(), Some("timestamp"));
    let window_twice = format!("recvWindow=5000&recvWindow=6000&{}", req.query());
    assert_eq!(
        codes(&check(&e, &window_twice, "", None)),
        [Code::DuplicateParameter]
    );
    // A malformed `timestamp` is the rule book's too.
    let bad = req
        .query()
        .replace("timestamp=1700000000000", "timestamp=1499827319");
    assert_eq!(codes(&check(&e, &bad, "", None)), [Code::TimestampUnit]);
    let empty_signature = format!("{unsigned}&timestamp=1700000000000&signature=");
    assert_eq!(
        codes(&check(&e, &empty_signature, "", None)),
        [Code::EmptyValue]
    );
    let no_ts = format!("{unsigned}&signature={}", "0".repeat(64));
    assert!(codes(&check(&e, &no_ts, "", None)).contains(&Code::TimestampMissing));
    assert_eq!(verdict_line("{", None).findings[0].code, Code::BadInput);
}

#[test]
fn kinds_and_repeated_keys() {
    let e = [
        Expect::json("batchOrders", r#"[{"symbol":"BTCUSDT","side":"BUY"}]"#),
        Expect::decimal("price", "1.5e3"),
        Expect::text("asset", "BTC"),
        Expect::text("asset", "USDT"),
    ];
    let body = "batchOrders=%5B%7B%22side%22%3A%22BUY%22%2C%22symbol%22%3A%22BTCUSDT%22%7D%5D&price=1500.00&asset=BTC&asset=USDT";
    let v = check(&e, "", body, None);
    assert!(v.ok, "{:?}", v.findings);
    // Equal JSON with spaces still reads as meant, but Binance refuses a list with spaces.
    let spaced = body.replace("%2C%22", "%2C%20%22");
    assert_eq!(codes(&check(&e, "", &spaced, None)), [Code::ListFormat]);
    // JSON cut by a raw `&`: the value is not the JSON meant, and a stray key appears.
    let split =
        r#"batchOrders=[{"symbol":"BTCUSDT","side":"BUY&x"}]&price=1500&asset=BTC&asset=USDT"#;
    let e2 = [
        Expect::json("batchOrders", r#"[{"symbol":"BTCUSDT","side":"BUY&x"}]"#),
        Expect::decimal("price", "1500"),
        Expect::text("asset", "BTC"),
        Expect::text("asset", "USDT"),
    ];
    let got = codes(&check(&e2, "", split, None));
    assert!(
        got.contains(&Code::ValueMismatch) && got.contains(&Code::UnexpectedParameter),
        "{got:?}"
    );
    // The order of a repeated key matters.
    assert_eq!(
        codes(&check(
            &e,
            "",
            &body.replace("asset=BTC&asset=USDT", "asset=USDT&asset=BTC"),
            None
        )),
        [Code::ValueMismatch, Code::ValueMismatch]
    );
    // Raw bytes in a body are fine when they decode to what was meant.
    let e3 = [Expect::text("note", "a b １")];
    assert!(check(&e3, "", "note=a b １", None).ok);
    assert!(!check(&e3, "note=a b １", "", None).ok, "not in a query");
}

fn signs_and_passes(params: &Params, split: usize) -> Result<(), TestCaseError> {
    let s = signer();
    let ts = Timestamp::from_millis(1_700_000_000_000).unwrap();
    let pairs: Vec<(&str, &str)> = params.iter().collect();
    // Split only between keys, never inside a repeated key.
    let mut cut = split.min(pairs.len());
    while cut > 0 && cut < pairs.len() && pairs[cut].0 == pairs[cut - 1].0 {
        cut -= 1;
    }
    let mut q = Params::new();
    let mut b = Params::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        let part = if i < cut { &mut q } else { &mut b };
        if part.contains_key(k) {
            continue;
        }
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(k2, _)| k2 == k)
            .map(|(_, v)| *v)
            .collect();
        if values.len() > 1 {
            part.push_repeated(k, values).unwrap();
        } else {
            part.push(k, v).unwrap();
        }
    }
    let req = if b.is_empty() {
        s.sign_query(&q, ts, None)
    } else {
        s.sign_split(&q, &b, ts, None)
    }
    .unwrap();
    // The bytes carry exactly what was meant: the only findings are the rule book's, about
    // values Binance refuses, and the verdict is ok exactly when the rule book takes them all.
    let rules_ok = binance_sign::rules::check_pairs(&pairs, None).is_ok();
    let v = check(&expect(params), req.query(), req.body(), Some(&s));
    prop_assert_eq!(
        v.ok,
        rules_ok,
        "{:?}\n{}\n{}",
        v.findings,
        req.query(),
        req.body()
    );
    prop_assert!(
        v.findings.iter().all(|f| f.code.is_rule_book()),
        "{:?}",
        v.findings
    );
    // The encoded form alone, without a key.
    let v = check(&expect(params), params.encoded(), "", None);
    prop_assert_eq!(v.ok, rules_ok, "{:?}", v.findings);
    prop_assert!(
        v.findings.iter().all(|f| f.code.is_rule_book()),
        "{:?}",
        v.findings
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Everything the crate signs carries what was meant, through the proptest strategies; the
    /// oracle refuses only values the rule book refuses.
    #[test]
    fn what_the_crate_signs_passes_proptest(params in fuzzing::params(), split in 0usize..8) {
        signs_and_passes(&params, split)?;
    }

    /// The same through `Arbitrary`, from random bytes.
    #[test]
    fn what_the_crate_signs_passes_arbitrary(bytes in proptest::collection::vec(any::<u8>(), 0..512), split in 0usize..8) {
        let mut u = arbitrary::Unstructured::new(&bytes);
        let params: Params = arbitrary::Arbitrary::arbitrary(&mut u).unwrap();
        prop_assert!(!params.is_empty());
        signs_and_passes(&params, split)?;
    }
}

#[test]
fn json_lines_round_trip_in_order_and_survive_bad_lines() {
    let mut input = String::new();
    let mut expected_ok = Vec::new();
    for i in 0..50 {
        if i % 7 == 3 {
            input.push_str("{\"expect\": [[\"a\"]], \"query\": 1}\n");
            expected_ok.push(false);
        } else if i % 11 == 5 {
            input.push('\n'); // one verdict per line: an empty line is bad input too
            expected_ok.push(false);
        } else {
            let value = format!("v {i}+&");
            let line = serde_json::json!({
                "expect": [["n", i.to_string(), "decimal"], ["v", value]],
                "query": format!("n={i}&v={}", binance_sign::encoding::encode(&value)),
            });
            input.push_str(&line.to_string());
            input.push('\n');
            expected_ok.push(true);
        }
    }
    input.push_str("not json at all\n");
    expected_ok.push(false);
    let mut output = Vec::new();
    let stats = serve_jsonl(input.as_bytes(), &mut output, None).unwrap();
    let text = String::from_utf8(output).unwrap();
    let verdicts: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), expected_ok.len());
    assert_eq!(stats.lines, expected_ok.len() as u64);
    assert_eq!(stats.bad, 12);
    for (v, ok) in verdicts.iter().zip(&expected_ok) {
        assert_eq!(v["ok"], *ok, "{v}");
        if !ok {
            assert_eq!(v["findings"][0]["code"], "bad-input");
            assert!(v["findings"][0]["key"].is_null());
        }
    }
    // Lines that are not UTF-8 are bad input too.
    let mut output = Vec::new();
    serve_jsonl(&b"\xff\xfe\n"[..], &mut output, None).unwrap();
    assert!(String::from_utf8(output).unwrap().contains("bad-input"));
}
