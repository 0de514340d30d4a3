//! The -1022 doctor: one fixture per mistake, each built by signing the wrong payload the way
//! that mistake does; the expected finding must come first.

use binance_sign::diagnose::{Code, Input};
use binance_sign::{Params, Product, ServerTime, Signer, Timestamp};
use hmac::{Hmac, KeyInit, Mac};
use proptest::prelude::*;
use sha2::Sha256;

const KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const TS: &str = "timestamp=1700000000000";

fn signer() -> Signer {
    Signer::hmac(KEY, SECRET).unwrap()
}

fn hmac_hex(secret: &[u8], payload: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `sent` with a signature over `signed`.
fn broken(sent: &str, signed: &str) -> String {
    format!("{sent}&signature={}", hmac_hex(SECRET.as_bytes(), signed))
}

fn first(input: Input<'_>) -> (bool, Vec<Code>, bool) {
    let d = signer().diagnose(&input).unwrap();
    let codes = d.findings.iter().map(|f| f.code).collect();
    let confirmed = d.findings.first().is_some_and(|f| f.confirmed);
    for f in &d.findings {
        assert!(!f.message.contains(SECRET) && !f.fix.contains(SECRET));
    }
    (d.valid, codes, confirmed)
}

fn assert_first(input: Input<'_>, expected: Code) {
    let (valid, codes, confirmed) = first(input);
    assert_eq!(codes.first(), Some(&expected), "findings: {codes:?}");
    assert!(!valid || !codes.is_empty());
    if !valid && expected != Code::UnknownMismatch {
        assert!(
            confirmed,
            "a signature mistake is confirmed by the signature: {codes:?}"
        );
    }
}

#[test]
fn valid_request_has_no_findings() {
    let params = Params::try_from_pairs([("symbol", "１２３"), ("email", "a b@c.com")]).unwrap();
    let req = signer()
        .sign_query(
            &params,
            Timestamp::from_millis(1_700_000_000_000).unwrap(),
            None,
        )
        .unwrap();
    let d = signer()
        .diagnose(
            &Input::rest(req.query(), req.body())
                .server_time(ServerTime::from_millis(1_700_000_000_100).unwrap()),
        )
        .unwrap();
    assert!(d.valid);
    assert!(d.findings.is_empty(), "{:?}", d.findings);
    assert!(d.summary().starts_with("valid"));
}

#[test]
fn signed_decoded_payload() {
    let q = broken(
        &format!("symbol=%EF%BC%91%EF%BC%92&{TS}"),
        &format!("symbol=１２&{TS}"),
    );
    assert_first(Input::rest(&q, ""), Code::SignedDecodedPayload);
}

#[test]
fn signed_other_encoding() {
    // `+` for spaces signed, %20 sent.
    let q = broken(&format!("note=a%20b&{TS}"), &format!("note=a+b&{TS}"));
    assert_first(Input::rest(&q, ""), Code::SignedOtherEncoding);
    // Lowercase escapes signed, uppercase sent.
    let q = broken(
        &format!("symbol=%EF%BC%91&{TS}"),
        &format!("symbol=%ef%bc%91&{TS}"),
    );
    assert_first(Input::rest(&q, ""), Code::SignedOtherEncoding);
    // `@` left raw when signing, encoded when sending.
    let q = broken(
        &format!("email=a%40b.com&{TS}"),
        &format!("email=a@b.com&{TS}"),
    );
    let (_, codes, _) = first(Input::rest(&q, ""));
    // Raw `@` is also the decoded form: either code names the mistake; the first is confirmed.
    assert!(
        matches!(
            codes[0],
            Code::SignedOtherEncoding | Code::SignedDecodedPayload
        ),
        "{codes:?}"
    );
    // Encoded when signing, sent raw.
    let q = broken(
        &format!("email=a@b.com&{TS}"),
        &format!("email=a%40b.com&{TS}"),
    );
    assert_first(Input::rest(&q, ""), Code::SignedOtherEncoding);
}

#[test]
fn ampersand_and_partial_payloads() {
    let query = "symbol=BTCUSDT&side=BUY";
    let body = format!("quantity=1&{TS}");
    let b = broken(&body, &format!("{query}&{body}"));
    assert_first(Input::rest(query, &b), Code::AmpersandBetweenQueryAndBody);
    let b = broken(&body, &body);
    assert_first(Input::rest(query, &b), Code::PartialPayloadSigned);
    let b = broken(&body, query);
    assert_first(Input::rest(query, &b), Code::PartialPayloadSigned);
}

#[test]
fn params_reordered() {
    let q = broken(
        &format!("symbol=BTCUSDT&side=BUY&{TS}"),
        &format!("side=BUY&symbol=BTCUSDT&{TS}"),
    );
    assert_first(Input::rest(&q, ""), Code::ParamsReordered);
}

#[test]
fn signature_not_last_and_missing() {
    let payload = format!("symbol=BTCUSDT&{TS}");
    let q = broken(&payload, &payload);
    // A parameter after the signature, which signed the rest correctly.
    let sig = hmac_hex(SECRET.as_bytes(), &payload);
    let q2 = format!("symbol=BTCUSDT&signature={sig}&{TS}");
    assert_first(Input::rest(&q2, ""), Code::SignatureNotLast);
    // The signature in the query while the body has parameters.
    let q3 = format!(
        "symbol=BTCUSDT&signature={}",
        hmac_hex(SECRET.as_bytes(), &format!("symbol=BTCUSDT{TS}"))
    );
    assert_first(Input::rest(&q3, TS), Code::SignatureNotLast);
    // Signed as one string with `&`, then the signature put in the query: both are named.
    let q4 = format!(
        "symbol=BTCUSDT&signature={}",
        hmac_hex(SECRET.as_bytes(), &payload)
    );
    let (_, codes, _) = first(Input::rest(&q4, TS));
    assert_eq!(
        codes,
        [Code::AmpersandBetweenQueryAndBody, Code::SignatureNotLast]
    );
    let (valid, codes, confirmed) = first(Input::rest(&payload, ""));
    assert!(
        !valid && !confirmed,
        "nothing to confirm without a signature"
    );
    assert_eq!(codes, [Code::SignatureNotLast]);
    assert!(signer().diagnose(&Input::rest(&q, "")).unwrap().valid);
}

#[test]
fn duplicate_parameter() {
    let dup = format!("symbol=BTCUSDT&symbol=ETHUSDT&{TS}");
    let sent = broken(&dup, &dup);
    let (valid, codes, _) = first(Input::rest(&sent, ""));
    assert!(
        valid,
        "the bytes are signed right; Binance refuses the duplicate (-1101)"
    );
    assert_eq!(codes, [Code::DuplicateParameter]);
}

#[test]
fn secret_mistakes() {
    let payload = format!("symbol=BTCUSDT&{TS}");
    for variant in [
        format!("{SECRET}\n"),
        format!("{SECRET}\r\n"),
        format!(" {SECRET}"),
        format!("\"{SECRET}\""),
    ] {
        let q = format!(
            "{payload}&signature={}",
            hmac_hex(variant.as_bytes(), &payload)
        );
        assert_first(Input::rest(&q, ""), Code::SecretWhitespace);
    }
    let q = format!("{payload}&signature={}", hmac_hex(KEY.as_bytes(), &payload));
    assert_first(Input::rest(&q, ""), Code::ApiKeyAsSecret);
}

#[test]
fn signature_encoding() {
    use base64::Engine as _;
    let payload = format!("symbol=BTCUSDT&{TS}");
    let tag = hex::decode(hmac_hex(SECRET.as_bytes(), &payload)).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&tag);
    let q = format!(
        "{payload}&signature={}",
        binance_sign::encoding::encode(&b64)
    );
    assert_first(Input::rest(&q, ""), Code::SignatureEncoding);

    #[cfg(feature = "ed25519")]
    ed25519_signature_sent_raw(&payload);
}

#[cfg(feature = "ed25519")]
fn ed25519_signature_sent_raw(payload: &str) {
    let ed = Signer::ed25519_pem(KEY, include_str!("data/ed25519-binance-docs.pem")).unwrap();
    let req = ed.sign_encoded(payload, "").unwrap();
    let raw = binance_sign::encoding::decode(req.signature()).unwrap();
    assert!(raw.contains(['+', '/', '=']));
    let q = format!("{payload}&signature={raw}");
    let d = ed.diagnose(&Input::rest(&q, "")).unwrap();
    assert_eq!(
        d.findings[0].code,
        Code::SignatureEncoding,
        "{:?}",
        d.findings
    );
    assert!(d.findings[0].confirmed);
    assert!(ed.diagnose(&Input::rest(req.query(), "")).unwrap().valid);
}

#[test]
fn ws_signed_as_rest() {
    let rest_form = format!("apiKey={KEY}&symbol=%EF%BC%91&timestamp=1700000000000");
    let sig = hmac_hex(SECRET.as_bytes(), &rest_form);
    let params = format!(
        r#"{{"symbol":"１","apiKey":"{KEY}","timestamp":1700000000000,"signature":"{sig}"}}"#
    );
    assert_first(Input::websocket(&params), Code::WsSignedAsRest);
    // Unsorted (the order written).
    let unsorted = format!("symbol=BTCUSDT&apiKey={KEY}&timestamp=1700000000000");
    let params = format!(
        r#"{{"symbol":"BTCUSDT","apiKey":"{KEY}","timestamp":1700000000000,"signature":"{}"}}"#,
        hmac_hex(SECRET.as_bytes(), &unsorted)
    );
    assert_first(Input::websocket(&params), Code::WsSignedAsRest);
    // The same inside a whole request: the order written must survive.
    let request = format!(r#"{{"id":"a","method":"order.place","params":{params}}}"#);
    assert_first(Input::websocket(&request), Code::WsSignedAsRest);
    // apiKey left out; given as a whole request.
    let no_key = "symbol=BTCUSDT&timestamp=1700000000000";
    let request = format!(
        r#"{{"id":1,"method":"order.test","params":{{"apiKey":"{KEY}","symbol":"BTCUSDT","timestamp":1700000000000,"signature":"{}"}}}}"#,
        hmac_hex(SECRET.as_bytes(), no_key)
    );
    assert_first(Input::websocket(&request), Code::WsSignedAsRest);
    // The right form is valid.
    let mut p = binance_sign::ws::WsParams::new();
    p.insert("symbol", "１").unwrap();
    let signed = signer()
        .sign_ws(&p, Timestamp::from_millis(1_700_000_000_000).unwrap(), None)
        .unwrap();
    let text = serde_json::Value::Object(signed.params().clone()).to_string();
    let d = signer().diagnose(&Input::websocket(&text)).unwrap();
    assert!(d.valid && d.findings.is_empty(), "{:?}", d.findings);
    assert!(signer().diagnose(&Input::websocket("not json")).is_err());
    // The canonical form, signed with a secret read with its trailing newline.
    let canonical = format!("apiKey={KEY}&symbol=BTCUSDT&timestamp=1700000000000");
    let sig = hmac_hex(format!("{SECRET}\n").as_bytes(), &canonical);
    let params = format!(
        r#"{{"apiKey":"{KEY}","symbol":"BTCUSDT","timestamp":1700000000000,"signature":"{sig}"}}"#
    );
    assert_first(Input::websocket(&params), Code::SecretWhitespace);
}

fn signed(query: &str) -> String {
    signer()
        .sign_encoded(query, "")
        .map(|r| r.query().to_owned())
        .unwrap_or_else(|_| broken(query, query))
}

#[test]
fn request_shape_findings() {
    assert_first(
        Input::rest(&broken(&format!("a=&{TS}"), &format!("a=&{TS}")), ""),
        Code::EmptyValue,
    );
    assert_first(
        Input::rest(
            &broken(
                &format!("symbols[]=A&symbols[]=B&{TS}"),
                &format!("symbols[]=A&symbols[]=B&{TS}"),
            ),
            "",
        ),
        Code::DuplicateParameter,
    );
    let (_, codes, _) = first(Input::rest(
        &broken(
            &format!("symbols[]=A&symbols[]=B&{TS}"),
            &format!("symbols[]=A&symbols[]=B&{TS}"),
        ),
        "",
    ));
    assert!(codes.contains(&Code::ListFormat), "{codes:?}");
    let spaced = binance_sign::encoding::encode(r#"["A", "B"]"#);
    assert_first(
        Input::rest(&signed(&format!("symbols={spaced}&{TS}")), ""),
        Code::ListFormat,
    );
    assert_first(
        Input::rest(&signed(&format!("quantity=1e-5&{TS}")), ""),
        Code::NumberFormat,
    );
    assert_first(
        Input::rest(&signed(&format!("price=0%2C1&{TS}")), ""),
        Code::NumberFormat,
    );
    assert_first(
        Input::rest(
            &broken(
                &format!("recvWindow=70000&{TS}"),
                &format!("recvWindow=70000&{TS}"),
            ),
            "",
        ),
        Code::RecvWindowInvalid,
    );
    let frac = signed(&format!("recvWindow=5000.5&{TS}"));
    assert_first(
        Input::rest(&frac, "").product(Product::UsdMFutures),
        Code::RecvWindowInvalid,
    );
    assert!(
        signer()
            .diagnose(&Input::rest(&frac, "").product(Product::Spot))
            .unwrap()
            .findings
            .is_empty()
    );
}

#[test]
fn timing_findings() {
    let q = signed(&format!("recvWindow=5000&{TS}"));
    let d = signer()
        .diagnose(
            &Input::rest(&q, "").server_time(ServerTime::from_millis(1_699_999_998_000).unwrap()),
        )
        .unwrap();
    assert_eq!(d.findings[0].code, Code::TimestampAhead);
    assert!(
        d.findings[0].message.contains("2000 ms ahead"),
        "{}",
        d.findings[0].message
    );
    assert!(
        d.findings[0].fix.contains("-2000 ms"),
        "{}",
        d.findings[0].fix
    );
    let d = signer()
        .diagnose(
            &Input::rest(&q, "").server_time(ServerTime::from_millis(1_700_000_007_000).unwrap()),
        )
        .unwrap();
    assert_eq!(d.findings[0].code, Code::TimestampExpired);
    assert!(
        d.findings[0].message.contains("7000 ms behind")
            && d.findings[0].message.contains("by 2000.000 ms"),
        "{}",
        d.findings[0].message
    );
}

#[test]
fn api_key_findings() {
    let q = signed(&format!("symbol=BTCUSDT&{TS}"));
    let (valid, codes, _) = first(Input::rest(&q, "").error_code(-2015));
    assert!(valid);
    assert_eq!(codes, [Code::ApiKeyPermissions]);
    let (_, codes, _) = first(Input::rest(&q, "").error_code(-2014));
    assert_eq!(codes, [Code::ApiKeyFormat]);
}

#[test]
fn unknown_mismatch_is_honest() {
    let payload = format!("symbol=BTCUSDT&{TS}");
    let q = format!(
        "{payload}&signature={}",
        hmac_hex(b"some other secret", &payload)
    );
    let (valid, codes, confirmed) = first(Input::rest(&q, ""));
    assert!(!valid && !confirmed);
    assert_eq!(codes, [Code::UnknownMismatch]);
}

#[test]
fn codes_are_the_contract() {
    let all: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        all,
        [
            "signed-decoded-payload",
            "signed-other-encoding",
            "ampersand-between-query-and-body",
            "partial-payload-signed",
            "params-reordered",
            "signature-not-last",
            "duplicate-parameter",
            "secret-whitespace",
            "api-key-as-secret",
            "signature-encoding",
            "ws-signed-as-rest",
            "empty-value",
            "list-format",
            "number-format",
            "timestamp-ahead",
            "timestamp-expired",
            "recv-window-invalid",
            "api-key-permissions",
            "api-key-format",
            "unknown-mismatch",
        ]
    );
    let d = signer()
        .diagnose(&Input::rest("a=1&signature=00", ""))
        .unwrap();
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["findings"][0]["code"], "unknown-mismatch");
    assert!(json["findings"][0]["message"].is_string() && json["findings"][0]["fix"].is_string());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn diagnose_never_panics(query in ".{0,200}", body in ".{0,100}", server in proptest::option::of(any::<u64>()), code in proptest::option::of(any::<i64>())) {
        let s = signer();
        let mut input = Input::rest(&query, &body);
        input.server_time = server.and_then(|ms| ServerTime::from_millis(ms).ok());
        input.error_code = code;
        let _ = s.diagnose(&input);
        let _ = s.diagnose(&Input::websocket(&query));
        let _ = s.verify(&query, &body);
        let _ = s.sign_encoded(&query, &body);
    }

    #[test]
    fn diagnose_never_panics_on_near_valid_requests(extra in "[a-zA-Z0-9%&=+@ ]{0,40}", cut in 0usize..200) {
        let s = signer();
        let q = signed(&format!("symbol=BTCUSDT&{TS}"));
        let mangled = format!("{}{extra}", &q[..cut.min(q.len())]);
        let _ = s.diagnose(&Input::rest(&mangled, "").server_time(ServerTime::from_millis(1_700_000_000_000).unwrap()));
        let _ = s.diagnose(&Input::rest("", &mangled));
    }
}
