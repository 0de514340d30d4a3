//! End to end: a real HTTP client (`reqwest`) sends requests built by this crate to a real HTTP
//! server on 127.0.0.1 (`tests/support`) that applies Binance's documented checks to the raw
//! bytes it receives, with its own signature checks and its own clock.
#![cfg(all(feature = "http", feature = "ed25519"))]

use binance_sign::{Params, RecvWindow, SignedRequest, Signer, Timestamp};
use serde_json::{Value, json};

mod support;
use support::{KEY, SECRET, seen};

async fn server() -> String {
    support::Binance::start().await.base
}

async fn send(request: http::Request<String>) -> (u16, Value) {
    let request = reqwest::Request::try_from(request).unwrap();
    let response = reqwest::Client::new().execute(request).await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn signer() -> Signer {
    Signer::hmac(KEY, SECRET).unwrap()
}

fn params(pairs: &[(&str, &str)]) -> Params {
    Params::try_from_pairs(pairs.iter().copied()).unwrap()
}

fn now() -> Timestamp {
    Timestamp::now_millis().unwrap()
}

async fn accepted(
    base: &str,
    method: http::Method,
    req: &SignedRequest,
    expected: &[(&str, &str)],
) {
    let (status, reply) = send(req.to_http(method, base, "/api/v3/order").unwrap()).await;
    assert_eq!(status, 200, "{reply}");
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(
        seen(&reply),
        expected,
        "the server decodes exactly what was signed"
    );
}

#[tokio::test]
async fn binance_rules_accept_what_the_crate_signs() {
    let base = server().await;
    let s = signer();
    let rw = Some(RecvWindow::from_millis(5000).unwrap());
    let order = [
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("quantity", "1"),
        ("price", "0.1"),
    ];

    // GET with everything in the query.
    accepted(
        &base,
        http::Method::GET,
        &s.sign_query(&params(&order), now(), rw).unwrap(),
        &order,
    )
    .await;
    // POST with everything in the body.
    accepted(
        &base,
        http::Method::POST,
        &s.sign_body(&params(&order), now(), rw).unwrap(),
        &order,
    )
    .await;
    // POST split between query and body.
    let split = s
        .sign_split(&params(&order[..2]), &params(&order[2..]), now(), rw)
        .unwrap();
    accepted(&base, http::Method::POST, &split, &order).await;
    // A non-ASCII symbol.
    let odd = [("symbol", "１２３４５６"), ("side", "BUY")];
    accepted(
        &base,
        http::Method::POST,
        &s.sign_body(&params(&odd), now(), None).unwrap(),
        &odd,
    )
    .await;
    // A JSON list parameter.
    let mut list = Params::new();
    list.push_list("symbols", ["BTCUSDT", "BNBUSDT"]).unwrap();
    let req = s.sign_query(&list, now(), None).unwrap();
    accepted(
        &base,
        http::Method::GET,
        &req,
        &[("symbols", r#"["BTCUSDT","BNBUSDT"]"#)],
    )
    .await;
    // An email, and a value with spaces and `+`.
    let tricky = [
        ("email", "first.last+bot@example.com"),
        ("note", "buy 1+1 now ~ *"),
    ];
    accepted(
        &base,
        http::Method::POST,
        &s.sign_body(&params(&tricky), now(), None).unwrap(),
        &tricky,
    )
    .await;
    accepted(
        &base,
        http::Method::GET,
        &s.sign_query(&params(&tricky), now(), None).unwrap(),
        &tricky,
    )
    .await;
    // A request from another encoder, signed as it is with sign_encoded.
    let other = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("note", "a b*c"), ("timestamp", &now().to_string())])
        .finish();
    let req = s.sign_encoded("", &other).unwrap();
    accepted(&base, http::Method::POST, &req, &[("note", "a b*c")]).await;
}

#[tokio::test]
async fn binance_rules_reject_what_binance_rejects() {
    let base = server().await;
    let s = signer();
    let p = params(&[("symbol", "BTCUSDT"), ("note", "a b")]);

    // A tampered byte.
    let req = s.sign_query(&p, now(), None).unwrap();
    let mut http = req
        .to_http(http::Method::GET, &base, "/api/v3/order")
        .unwrap();
    *http.uri_mut() = http
        .uri()
        .to_string()
        .replace("BTCUSDT", "BTCUSDC")
        .parse()
        .unwrap();
    let (status, reply) = send(http).await;
    assert_eq!(
        (status, &reply),
        (
            400,
            &json!({"code": -1022, "msg": "Signature for this request is not valid."})
        )
    );

    // An expired timestamp.
    let old = Timestamp::from_millis(now().as_millis() - 10_000).unwrap();
    let req = s
        .sign_query(&p, old, Some(RecvWindow::from_millis(5000).unwrap()))
        .unwrap();
    let (status, reply) = send(req.to_http(http::Method::GET, &base, "/x").unwrap()).await;
    assert_eq!((status, reply["code"].as_i64()), (400, Some(-1021)));

    // A timestamp too far ahead.
    let ahead = Timestamp::from_millis(now().as_millis() + 5_000).unwrap();
    let req = s.sign_query(&p, ahead, None).unwrap();
    let (_, reply) = send(req.to_http(http::Method::GET, &base, "/x").unwrap()).await;
    assert_eq!(
        reply["msg"],
        "Timestamp for this request was 1000ms ahead of the server's time."
    );

    // The client re-encodes the query after signing (serde_urlencoded writes the space as `+`).
    let req = s.sign_query(&p, now(), None).unwrap();
    let pairs = binance_sign::encoding::decode_pairs(req.query()).unwrap();
    let response = reqwest::Client::new()
        .get(format!("{base}/api/v3/order"))
        .header("X-MBX-APIKEY", KEY)
        .query(&pairs)
        .send()
        .await
        .unwrap();
    assert_ne!(
        response.url().query(),
        Some(req.query()),
        "the client did re-encode"
    );
    let reply: Value = response.json().await.unwrap();
    assert_eq!(reply["code"], -1022);

    // No API key header.
    let mut http = s
        .sign_query(&p, now(), None)
        .unwrap()
        .to_http(http::Method::GET, &base, "/x")
        .unwrap();
    http.headers_mut().remove("x-mbx-apikey");
    assert_eq!(send(http).await.1["code"], -2014);
}
