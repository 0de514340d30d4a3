//! The -1022 doctor: one fixture per mistake, each built by signing the wrong payload the way
//! that mistake does; the expected finding must come first.

use binance_sign::diagnose::{Code, Input, Pasted};
use binance_sign::rules::Severity;
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
    assert_eq!(codes, [Code::SignatureMissing]);
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
    let d = signer()
        .diagnose(&Input::rest(
            &broken(
                &format!("symbols[]=A&symbols[]=B&{TS}"),
                &format!("symbols[]=A&symbols[]=B&{TS}"),
            ),
            "",
        ))
        .unwrap();
    let codes: Vec<(Code, Severity)> = d.findings.iter().map(|f| (f.code, f.severity)).collect();
    assert_eq!(
        codes,
        [
            (Code::DuplicateParameter, Severity::Error),
            (Code::ListFormat, Severity::Error)
        ]
    );
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
            "signature-missing",
            "malformed-escape",
            "client-reencoded",
            "plus-in-value",
            "json-value-split",
            "timestamp-unit",
            "signature-repeated",
            "timestamp-malformed",
            "timestamp-missing",
        ]
    );
    for code in Code::ALL {
        let expected = if *code == Code::PlusInValue {
            Severity::Warning
        } else {
            Severity::Error
        };
        assert_eq!(code.severity(), expected, "{code}");
    }
    let d = signer()
        .diagnose(&Input::rest("a=1&signature=00", ""))
        .unwrap();
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["findings"][0]["code"], "unknown-mismatch");
    assert!(json["findings"][0]["message"].is_string() && json["findings"][0]["fix"].is_string());
    assert_eq!(json["findings"][0]["severity"], "error");
    assert!(json["stripped"].is_array());
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

/// Signs `query ‖ body` (or `signed`, when given) and appends the signature to the last part.
fn with_signature(query: &str, body: &str, signed: &str) -> (String, String) {
    let sig = hmac_hex(SECRET.as_bytes(), signed);
    if body.is_empty() {
        (format!("{query}&signature={sig}"), String::new())
    } else {
        (query.to_owned(), format!("{body}&signature={sig}"))
    }
}

fn diagnose(input: &Input<'_>) -> binance_sign::diagnose::Diagnosis {
    let d = signer().diagnose(input).unwrap();
    for f in &d.findings {
        assert!(!f.message.contains(SECRET) && !f.fix.contains(SECRET));
    }
    d
}

fn codes(d: &binance_sign::diagnose::Diagnosis) -> Vec<Code> {
    d.findings.iter().map(|f| f.code).collect()
}

#[test]
fn pasted_forms_of_a_correct_request_are_valid() {
    let params = Params::try_from_pairs([("symbol", "BTCUSDT"), ("note", "a b+c")]).unwrap();
    let req = signer()
        .sign_query(
            &params,
            Timestamp::from_millis(1_700_000_000_000).unwrap(),
            None,
        )
        .unwrap();
    for text in [
        format!("?{}", req.query()),
        format!("https://api.binance.com/api/v3/order?{}", req.query()),
        format!("  {}\n", req.query()),
        format!("{}\r\n", req.query()),
    ] {
        let pasted = Pasted::query(&text);
        let d = diagnose(&Input::pasted(&pasted));
        assert!(
            d.valid && d.findings.is_empty(),
            "{text:?}: {:?}",
            d.findings
        );
        assert!(!d.stripped.is_empty(), "the report says what was stripped");
        signer().verify(&pasted.query, &pasted.body).unwrap();
    }
}

#[test]
fn bytes_not_safe_as_they_are_are_errors_even_when_signed() {
    for (query, code) in [
        (format!("symbol=%ZZ&{TS}"), Code::MalformedEscape),
        (format!("{TS}&note=100%"), Code::MalformedEscape),
        (format!("note=%FF&{TS}"), Code::MalformedEscape),
        (format!("note=a b&{TS}"), Code::ClientReencoded),
        (format!("symbol=１２３&{TS}"), Code::ClientReencoded),
    ] {
        let (q, _) = with_signature(&query, "", &query);
        let d = diagnose(&Input::rest(&q, ""));
        assert!(d.valid, "the signature matches these bytes: {query}");
        assert!(!d.ok(), "{query}: {:?}", d.findings);
        assert_eq!(d.findings[0].code, code, "{query}: {:?}", d.findings);
        assert_eq!(d.findings[0].severity, Severity::Error);
    }
    // A body is sent as it is: raw bytes there are fine when they decode to what was meant.
    let body = format!("note=a b&symbol=１２３&{TS}");
    let (_, b) = with_signature("", &body, &body);
    let d = diagnose(&Input::rest("", &b));
    assert!(d.ok() && d.findings.is_empty(), "{:?}", d.findings);
    // But a malformed escape in a body is not.
    let body = format!("note=%G1&{TS}");
    let (_, b) = with_signature("", &body, &body);
    assert_eq!(
        codes(&diagnose(&Input::rest("", &b))),
        [Code::MalformedEscape]
    );
}

/// Python `requests` with a pre-built URL: the encoder signed `email=alice+tag@x.com&note=hello
/// world&...` (a `+` meant as plus, a raw space), then `requote_uri` percent-encoded the space
/// and left `+` and `@` alone.
#[test]
fn client_reencoded_after_signing() {
    let signed = format!("email=alice+tag@x.com&note=hello world&{TS}");
    let sent = format!("email=alice+tag@x.com&note=hello%20world&{TS}");
    let (q, _) = with_signature(&sent, "", &signed);
    let d = diagnose(&Input::rest(&q, ""));
    assert!(!d.valid);
    assert_eq!(
        d.findings[0].code,
        Code::ClientReencoded,
        "{:?}",
        d.findings
    );
    assert!(d.findings[0].confirmed);
    assert!(codes(&d).contains(&Code::PlusInValue));
    // The other rewrite: `%7E` signed, `~` sent.
    let signed = format!("note=a%7Eb&{TS}");
    let sent = format!("note=a~b&{TS}");
    let (q, _) = with_signature(&sent, "", &signed);
    assert_first(Input::rest(&q, ""), Code::ClientReencoded);
}

#[test]
fn a_raw_hash_cuts_the_signature_off() {
    let signed = format!("note=a#b&{TS}");
    let sig = hmac_hex(SECRET.as_bytes(), &signed);
    let url = format!("https://api.binance.com/api/v3/order?{signed}&signature={sig}");
    let pasted = Pasted::query(&url);
    assert_eq!(pasted.query, "note=a");
    let d = diagnose(&Input::pasted(&pasted));
    assert_eq!(
        d.findings[0].code,
        Code::SignatureMissing,
        "{:?}",
        d.findings
    );
    assert!(
        d.findings[0].message.contains('#'),
        "{}",
        d.findings[0].message
    );
    assert!(d.stripped.iter().any(|s| s.contains('#')));
}

#[test]
fn plus_in_an_email_is_a_warning() {
    // Signed and sent alike, so the signature is valid; Binance reads `alice tag@x.com`.
    let query = format!("email=alice+tag@x.com&{TS}");
    let (q, _) = with_signature(&query, "", &query);
    let d = diagnose(&Input::rest(&q, ""));
    assert!(d.valid && d.ok(), "a warning only: {:?}", d.findings);
    assert_eq!(codes(&d), [Code::PlusInValue]);
    assert_eq!(d.findings[0].severity, Severity::Warning);
    assert!(d.findings[0].fix.contains("%2B"));
}

#[test]
fn unencoded_json_cut_by_an_ampersand() {
    let body = format!(r#"batchOrders=[{{"symbol":"BTCUSDT","newClientOrderId":"a&b"}}]&{TS}"#);
    let (_, b) = with_signature("", &body, &body);
    let d = diagnose(&Input::rest("", &b));
    assert!(d.valid);
    assert_eq!(codes(&d), [Code::JsonValueSplit], "{:?}", d.findings);
    assert!(!d.ok());
}

#[test]
fn timestamp_units_and_malformed_timestamps() {
    let query = "symbol=BTCUSDT&timestamp=1700000000000000";
    let (q, _) = with_signature(query, "", query);
    let d = diagnose(&Input::rest(&q, "").product(Product::UsdMFutures));
    assert_eq!(codes(&d), [Code::TimestampUnit]);
    assert!(
        diagnose(&Input::rest(&q, "").product(Product::Spot))
            .findings
            .is_empty()
    );
    for (ts, code) in [
        ("1700000000", Code::TimestampUnit),
        ("abc", Code::TimestampMalformed),
        ("1.7e12", Code::TimestampMalformed),
    ] {
        let query = format!("symbol=BTCUSDT&timestamp={ts}");
        let (q, _) = with_signature(&query, "", &query);
        assert_eq!(codes(&diagnose(&Input::rest(&q, ""))), [code], "{ts}");
    }
}

#[test]
fn repeated_signature() {
    let payload = format!("symbol=BTCUSDT&{TS}");
    let sig = hmac_hex(SECRET.as_bytes(), &payload);
    let q = format!("{payload}&signature={sig}&signature={sig}");
    let d = diagnose(&Input::rest(&q, ""));
    assert_eq!(
        d.findings[0].code,
        Code::SignatureRepeated,
        "{:?}",
        d.findings
    );
    assert!(d.findings[0].confirmed);
    assert!(!codes(&d).contains(&Code::DuplicateParameter));
}

#[test]
fn array_parameters_as_a_repeated_key_are_legal() {
    let mut p = Params::new();
    p.push_repeated("asset", ["BTC", "USDT"]).unwrap();
    let req = signer()
        .sign_body(&p, Timestamp::from_millis(1_700_000_000_000).unwrap(), None)
        .unwrap();
    let d = diagnose(&Input::rest(req.query(), req.body()));
    // `asset` is an ARRAY parameter in the rule book: repeated in one part is legal, and
    // nothing says otherwise (no warning telling the user to send it once).
    assert!(d.ok(), "{:?}", d.findings);
    assert_eq!(codes(&d), []);
    // Another key repeated in one part is an error (-1101).
    let mut p = Params::new();
    p.push_repeated("side", ["BUY", "SELL"]).unwrap();
    let req = signer()
        .sign_body(&p, Timestamp::from_millis(1_700_000_000_000).unwrap(), None)
        .unwrap();
    let d = diagnose(&Input::rest(req.query(), req.body()));
    assert_eq!(codes(&d), [Code::DuplicateParameter]);
    assert_eq!(d.findings[0].severity, Severity::Error);
    assert!(d.findings[0].fix.contains("once"), "{}", d.findings[0].fix);
    // Across query and body it is an error.
    let body = format!("asset=USDT&{TS}");
    let (q, b) = with_signature("asset=BTC", &body, &format!("asset=BTC{body}"));
    let d = diagnose(&Input::rest(&q, &b));
    assert_eq!(d.findings[0].code, Code::DuplicateParameter);
    assert_eq!(d.findings[0].severity, Severity::Error);
}

#[test]
fn no_api_key_is_needed_and_none_is_invented() {
    let verifier = Signer::hmac_without_api_key(SECRET).unwrap();
    let query = format!("symbol=BTCUSDT&{TS}");
    let (q, _) = with_signature(&query, "", &query);
    let d = verifier
        .diagnose(&Input::rest(&q, "").error_code(-2014))
        .unwrap();
    assert_eq!(codes(&d), [Code::ApiKeyFormat]);
    assert!(
        !d.findings[0].message.contains("characters"),
        "{}",
        d.findings[0].message
    );
    // The key sent in the pasted request's header is the one described.
    let pasted = Pasted::parse(&format!(
        "curl -H 'X-MBX-APIKEY: short key' 'https://api.binance.com/api/v3/account?{q}'"
    ))
    .unwrap();
    let d = verifier
        .diagnose(&Input::pasted(&pasted).error_code(-2014))
        .unwrap();
    assert!(
        d.findings[0].message.contains("9 characters"),
        "{}",
        d.findings[0].message
    );
    // The API key used as the secret is still recognised when the key is known.
    let with_key = format!("{query}&signature={}", hmac_hex(KEY.as_bytes(), &query));
    let d = verifier
        .diagnose(&Input::rest(&with_key, "").api_key(KEY))
        .unwrap();
    assert_eq!(d.findings[0].code, Code::ApiKeyAsSecret);
    assert_eq!(
        codes(&verifier.diagnose(&Input::rest(&with_key, "")).unwrap()),
        [Code::UnknownMismatch]
    );
}

#[test]
fn the_mistake_table_names_its_rows() {
    let names: Vec<&str> = binance_sign::advanced::mistakes()
        .iter()
        .map(|m| m.name())
        .collect();
    let unique: std::collections::HashSet<&&str> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert!(names.len() >= 15);
    // The WebSocket mistakes are rows of the same table: each, committed on a request, is the
    // one the doctor names, confirmed by the signature.
    let pairs = [
        ("symbol", "BTC USDT"),
        ("apiKey", KEY),
        ("timestamp", "1700000000000"),
    ];
    let ws_rows: Vec<_> = binance_sign::advanced::mistakes()
        .iter()
        .filter(|m| m.api() == binance_sign::diagnose::Api::WebSocket)
        .collect();
    assert_eq!(ws_rows.len(), 5);
    for row in ws_rows {
        let c = row.commit(&pairs, &[]).unwrap();
        assert_eq!(
            row.rebuild(&c.query, "").as_deref(),
            Some(c.signed.as_str())
        );
        let sig = hmac_hex(SECRET.as_bytes(), &c.signed);
        let params = format!(
            "{},\"signature\":\"{sig}\"}}",
            c.query.trim_end_matches('}')
        );
        let d = diagnose(&Input::websocket(&params));
        assert_eq!(
            d.findings[0].code,
            Code::WsSignedAsRest,
            "{}: {:?}",
            row.name(),
            d.findings
        );
        assert_eq!(d.findings[0].message, row.message(), "{}", row.name());
        assert!(d.findings[0].confirmed);
    }
}

fn tricky_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9 +&=%#@~*\"'<>{}|,:/?１２３€😀\\[\\]-]{1,12}")
        .unwrap()
}

fn tricky_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(("[a-zA-Z][a-zA-Z0-9]{0,7}", tricky_text()), 1..6)
        .prop_map(|pairs| {
            let mut seen = std::collections::HashSet::new();
            pairs
                .into_iter()
                .filter(|(k, v)| {
                    !["signature", "timestamp", "recvWindow"].contains(&k.as_str())
                        && !format_violation(k, v)
                        && seen.insert(k.clone())
                })
                .collect::<Vec<_>>()
        })
        .prop_filter("at least one parameter", |pairs| !pairs.is_empty())
}

/// Values Binance refuses for their format whatever the encoding (the rule book's: a JSON list
/// with spaces, a decimal parameter that is not a decimal, ...): correctly encoded, they still
/// get an error, so the encoding tests leave them out.
fn format_violation(key: &str, value: &str) -> bool {
    binance_sign::rules::check_value(key, value, None).is_err()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Every way people paste a request the crate signed reads back valid, with no error.
    #[test]
    fn every_pasted_form_of_a_signed_request_is_valid(pairs in tricky_pairs(), split in 0usize..6) {
        let split = split.min(pairs.len());
        let q = Params::try_from_pairs(pairs[..split].iter().cloned()).unwrap();
        let b = Params::try_from_pairs(pairs[split..].iter().cloned()).unwrap();
        let ts = Timestamp::from_millis(1_700_000_000_000).unwrap();
        let req = if b.is_empty() {
            signer().sign_query(&q, ts, None).unwrap()
        } else {
            signer().sign_split(&q, &b, ts, None).unwrap()
        };
        let (query, body) = (req.query(), req.body());
        let url = if query.is_empty() { "https://api.binance.com/api/v3/order".to_owned() } else { format!("https://api.binance.com/api/v3/order?{query}") };
        let mut forms = vec![
            Pasted::query_and_body(&format!("?{query}"), body),
            Pasted::query_and_body(&format!("  {url}\n"), &format!("{body}\n")),
            Pasted::parse(&format!("curl -X POST \\\n  '{url}' \\\n  -H 'X-MBX-APIKEY: {KEY}' \\\n  --data-raw '{body}'")).unwrap(),
            Pasted::parse(&format!("POST {url} HTTP/1.1\r\nHost: api.binance.com\r\nX-MBX-APIKEY: {KEY}\r\nContent-Length: {}\r\n\r\n{body}", body.len())).unwrap(),
            Pasted::parse(&format!("POST /api/v3/order{} HTTP/1.1\nX-MBX-APIKEY: {KEY}\n\n{body}\n", if query.is_empty() { String::new() } else { format!("?{query}") })).unwrap(),
        ];
        if body.is_empty() {
            forms.push(Pasted::parse(&format!("curl \"{url}\" -H \"X-MBX-APIKEY: {KEY}\"")).unwrap());
        }
        for pasted in &forms {
            prop_assert_eq!(&pasted.query, query);
            prop_assert_eq!(&pasted.body, body);
            let d = signer().diagnose(&Input::pasted(pasted)).unwrap();
            prop_assert!(d.valid, "{:?}", pasted);
            prop_assert!(d.errors().next().is_none(), "{:?}: {:?}", pasted, d.findings);
        }
    }

    /// Each mistake of the table, committed on a correct request, is named first (or an
    /// earlier row whose rebuilt payload is the very same bytes: both explanations hold).
    #[test]
    fn each_mistake_is_named_first(pairs in tricky_pairs(), split in 0usize..6) {
        let split = split.min(pairs.len());
        let mut q: Vec<(&str, &str)> = pairs[..split].iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut b: Vec<(&str, &str)> = pairs[split..].iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if b.is_empty() { q.push(("timestamp", "1700000000000")) } else { b.push(("timestamp", "1700000000000")) }
        let table = binance_sign::advanced::mistakes();
        for (row, mistake) in table.iter().enumerate() {
            let ws = mistake.api() == binance_sign::diagnose::Api::WebSocket;
            let mut with_key = q.clone();
            with_key.push(("apiKey", KEY));
            let Some(c) = mistake.commit(if ws { &with_key } else { &q }, &b) else { continue };
            let d = if ws {
                // The `params` object as sent, with the signature of the wrong payload.
                let sig = hmac_hex(SECRET.as_bytes(), &c.signed);
                let params = format!("{},\"signature\":\"{sig}\"}}", c.query.trim_end_matches('}'));
                signer().diagnose(&Input::websocket(&params)).unwrap()
            } else {
                let (sent_q, sent_b) = with_signature(&c.query, &c.body, &c.signed);
                signer().diagnose(&Input::rest(&sent_q, &sent_b)).unwrap()
            };
            prop_assert!(!d.valid, "{}: {:?}", mistake.name(), c);
            let first = d.findings[0].code;
            let explained_earlier = table[..row]
                .iter()
                .any(|m| m.code() == first && m.rebuild(&c.query, &c.body).as_deref() == Some(c.signed.as_str()));
            prop_assert!(
                first == mistake.code() || explained_earlier,
                "{}: got {:?} for {:?}", mistake.name(), d.findings, c
            );
            prop_assert!(d.findings[0].confirmed);
        }
    }
}

#[test]
fn empty_segments_and_ws_signature_shapes() {
    // The encoder signed `a=1&` (a stray `&`), and sent it: valid, but an empty parameter.
    let query = format!("symbol=BTCUSDT&&{TS}");
    let (q, _) = with_signature(&query, "", &query);
    let d = diagnose(&Input::rest(&q, ""));
    assert!(d.valid);
    assert_eq!(codes(&d), [Code::EmptyValue]);
    // Signed without the stray `&`, sent with it: named, not silent.
    let (q, _) = with_signature(&query, "", &format!("symbol=BTCUSDT&{TS}"));
    let d = diagnose(&Input::rest(&q, ""));
    assert!(!d.valid && !d.findings.is_empty(), "{:?}", d.findings);
    assert!(codes(&d).contains(&Code::EmptyValue));
    // WebSocket: a repeated signature, a signature that is not a string.
    let p = format!(
        r#"{{"apiKey":"{KEY}","timestamp":1700000000000,"signature":"00","signature":"01"}}"#
    );
    assert!(codes(&diagnose(&Input::websocket(&p))).contains(&Code::SignatureRepeated));
    let p = format!(r#"{{"apiKey":"{KEY}","timestamp":1700000000000,"signature":42}}"#);
    assert_eq!(
        codes(&diagnose(&Input::websocket(&p))),
        [Code::SignatureEncoding]
    );
    // A repeated timestamp is an error even within one part.
    let query = format!("symbol=BTCUSDT&{TS}&{TS}");
    let (q, _) = with_signature(&query, "", &query);
    let d = diagnose(&Input::rest(&q, ""));
    assert_eq!(d.findings[0].code, Code::DuplicateParameter);
    assert_eq!(d.findings[0].severity, Severity::Error);
}

#[test]
fn text_that_looks_like_numbers_is_text() {
    for query in [
        format!("idList=123,456&{TS}"),
        format!("newClientOrderId=1e5&{TS}"),
    ] {
        let (q, _) = with_signature(&query, "", &query);
        let d = diagnose(&Input::rest(&q, ""));
        assert!(d.ok() && d.findings.is_empty(), "{query}: {:?}", d.findings);
    }
    let query = format!("quantity=1e-5&{TS}");
    let (q, _) = with_signature(&query, "", &query);
    assert_eq!(codes(&diagnose(&Input::rest(&q, ""))), [Code::NumberFormat]);
    // Bytes only some clients encode are a warning, not an error.
    let query = format!("note={{a|b}}&{TS}");
    let (q, _) = with_signature(&query, "", &query);
    let d = diagnose(&Input::rest(&q, ""));
    assert!(d.ok(), "{:?}", d.findings);
    assert_eq!(codes(&d), [Code::ClientReencoded]);
    assert_eq!(d.findings[0].severity, Severity::Warning);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Correct requests from other encoders, signed as they are sent: form encoding (`+` for
    /// spaces, `*` raw), lowercase escapes, `@ : , /` left raw. No error finding.
    #[test]
    fn other_encoders_correct_requests_get_no_error(pairs in tricky_pairs()) {
        let form = form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
        let ours = Params::try_from_pairs(pairs.iter().cloned()).unwrap();
        let lower: String = {
            let e = ours.encoded();
            let mut out = String::new();
            let mut chars = e.chars().peekable();
            while let Some(c) = chars.next() {
                out.push(c);
                if c == '%' {
                    for _ in 0..2 {
                        if let Some(h) = chars.next() { out.push(h.to_ascii_lowercase()); }
                    }
                }
            }
            out
        };
        let raw_reserved = ours.encoded().replace("%40", "@").replace("%3A", ":").replace("%2C", ",").replace("%2F", "/").replace("%2A", "*");
        for (name, encoded) in [("form", form), ("lowercase", lower), ("raw reserved", raw_reserved)] {
            let with_ts = format!("{encoded}&timestamp=1700000000000");
            for (query, body) in [(with_ts.as_str(), ""), ("", with_ts.as_str())] {
                let req = signer().sign_encoded(query, body).unwrap();
                let d = signer().diagnose(&Input::rest(req.query(), req.body())).unwrap();
                prop_assert!(d.valid, "{}", name);
                prop_assert!(d.errors().next().is_none(), "{}: {} | {}: {:?}", name, req.query(), req.body(), d.findings);
            }
        }
    }

    /// curl with `-d`, `--data-binary`, `-H` and a POST body, pasted, reads back valid.
    #[test]
    fn curl_posts_read_back(pairs in tricky_pairs()) {
        let p = Params::try_from_pairs(pairs.iter().cloned()).unwrap();
        let req = signer().sign_body(&p, Timestamp::from_millis(1_700_000_000_000).unwrap(), None).unwrap();
        for flag in ["-d", "--data", "--data-binary", "--data-raw"] {
            let text = format!("curl -s -X POST https://api.binance.com/api/v3/order \\\r\n  -H 'Content-Type: application/x-www-form-urlencoded' \\\r\n  --header \"X-MBX-APIKEY: {KEY}\" \\\r\n  {flag} '{}'", req.body());
            let pasted = Pasted::parse(&text).unwrap();
            prop_assert_eq!(pasted.body.as_str(), req.body());
            prop_assert_eq!(pasted.api_key.as_deref(), Some(KEY));
            let d = signer().diagnose(&Input::pasted(&pasted)).unwrap();
            prop_assert!(d.ok(), "{}: {:?}", flag, d.findings);
        }
    }
}

/// Findings of one kind are aggregated into the first: the report stays small whatever the
/// paste, and still says how many there were and where the first few are.
#[test]
fn findings_of_one_kind_are_counted_not_repeated() {
    let query = format!("{}{TS}", "k=&".repeat(1000));
    let d = diagnose(&Input::rest(&query, ""));
    let empty: Vec<_> = d
        .findings
        .iter()
        .filter(|f| f.code == Code::EmptyValue)
        .collect();
    assert_eq!(empty.len(), 1, "{:?}", d.findings);
    assert_eq!(empty[0].count, 1000);
    assert_eq!(empty[0].positions.len(), 8);
    assert_eq!(
        (empty[0].positions[1].part, empty[0].positions[1].at),
        (binance_sign::Part::Query, 3)
    );
    assert!(
        empty[0].message.contains("1000 findings of this kind"),
        "{}",
        empty[0].message
    );
    // `&&` runs: one finding, every empty segment counted.
    let d = diagnose(&Input::rest(&format!("a=1{}{TS}", "&".repeat(5000)), ""));
    let empty: Vec<_> = d
        .findings
        .iter()
        .filter(|f| f.code == Code::EmptyValue)
        .collect();
    assert_eq!((empty.len(), empty[0].count), (1, 4999), "{:?}", d.findings);
}
