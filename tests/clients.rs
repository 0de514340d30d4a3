//! End to end through the HTTP clients bots use: `reqwest` with the signing middleware, and a
//! hyper client wrapped in the `tower` signing layer, against the local Binance-rules server
//! (`tests/support`), which verifies HMAC, Ed25519 and RSA signatures on the bytes it gets.
#![cfg(all(
    feature = "reqwest-middleware",
    feature = "tower",
    feature = "ureq",
    feature = "rsa"
))]
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use std::sync::Arc;
use std::time::Duration;

use binance_sign::client::{
    ClientError, Settings, Sign, SigningAgent, SigningLayer, SigningMiddleware,
};
use binance_sign::limits::RateLimitType;
use binance_sign::limits::Weight;
use binance_sign::limits::{Governor, RateLimit};
use binance_sign::{ServerClock, Signer, TimeSyncConfig, WireError};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower_layer::Layer as _;
use tower_service::Service as _;

mod support;
use support::{Binance, ED25519_KEY, ED25519_PEM, KEY, RSA_KEY, RSA_PEM, SECRET, Scripted, seen};

#[path = "../examples/async_bot.rs"]
#[allow(dead_code, missing_docs, unreachable_pub)]
mod async_bot;

fn signers() -> Vec<(&'static str, Signer)> {
    vec![
        ("hmac", Signer::hmac(KEY, SECRET).unwrap()),
        (
            "ed25519",
            Signer::ed25519_pem(ED25519_KEY, ED25519_PEM).unwrap(),
        ),
        ("rsa", Signer::rsa_pem(RSA_KEY, RSA_PEM).unwrap()),
    ]
}

/// A request as the caller builds it: method, path, query pairs, body pairs.
struct Call<'a> {
    method: http::Method,
    path: &'a str,
    query: Vec<(&'a str, &'a str)>,
    body: Vec<(&'a str, &'a str)>,
}

impl<'a> Call<'a> {
    fn new(
        method: http::Method,
        path: &'a str,
        query: &[(&'a str, &'a str)],
        body: &[(&'a str, &'a str)],
    ) -> Self {
        Self {
            method,
            path,
            query: query.to_vec(),
            body: body.to_vec(),
        }
    }

    fn meant(&self) -> Vec<(String, String)> {
        self.query
            .iter()
            .chain(&self.body)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

#[derive(Clone, Copy, Debug)]
enum Transport {
    Reqwest,
    Tower,
    Ureq,
}

const EVERY: [Transport; 3] = [Transport::Reqwest, Transport::Tower, Transport::Ureq];

/// The URI (with the encoded query) and the encoded body of `call`.
fn uri_and_body(base: &str, call: &Call<'_>) -> (String, String) {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&call.query)
        .finish();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&call.body)
        .finish();
    let uri = if query.is_empty() {
        format!("{base}{}", call.path)
    } else {
        format!("{base}{}?{query}", call.path)
    };
    (uri, body)
}

/// Sends `call` through `transport` configured with `settings`; the status and JSON reply, or
/// the error that stopped it.
async fn send(
    transport: Transport,
    settings: &Settings,
    base: &str,
    call: &Call<'_>,
) -> Result<(u16, Value), String> {
    match transport {
        Transport::Reqwest => {
            let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
                .with(SigningMiddleware::new(settings.clone()))
                .build();
            let mut builder = client
                .request(call.method.clone(), format!("{base}{}", call.path))
                .query(&call.query);
            if !call.body.is_empty() {
                builder = builder.form(&call.body);
            }
            let response = builder
                .with_extension(Weight::of(1))
                .send()
                .await
                .map_err(|e| format!("{e}"))?;
            let status = response.status().as_u16();
            Ok((status, response.json().await.map_err(|e| e.to_string())?))
        }
        Transport::Tower => {
            let hyper =
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build_http::<String>();
            let mut service = SigningLayer::new(settings.clone()).layer(hyper);
            let (uri, body) = uri_and_body(base, call);
            let request = http::Request::builder()
                .method(call.method.clone())
                .uri(uri)
                .body(body)
                .unwrap();
            let response = service.call(request).await.map_err(|e| format!("{e}"))?;
            let status = response.status().as_u16();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok((
                status,
                serde_json::from_slice(&bytes).map_err(|e| e.to_string())?,
            ))
        }
        Transport::Ureq => {
            let agent = SigningAgent::new(settings.clone()).map_err(|e| e.to_string())?;
            let (uri, body) = uri_and_body(base, call);
            let request = http::Request::builder()
                .method(call.method.clone())
                .uri(uri)
                .body(body)
                .unwrap();
            tokio::task::spawn_blocking(move || {
                let mut response = agent.run(request).map_err(|e| e.to_string())?;
                let status = response.status().as_u16();
                let text = response
                    .body_mut()
                    .read_to_string()
                    .map_err(|e| e.to_string())?;
                Ok((
                    status,
                    serde_json::from_str(&text).map_err(|e| e.to_string())?,
                ))
            })
            .await
            .unwrap()
        }
    }
}

fn settings(signer: Signer) -> Settings {
    Settings::new(signer, ServerClock::new()).sign_paths(["/api/v3/order", "/sapi/"])
}

#[tokio::test]
async fn every_request_shape_and_key_is_accepted_as_meant() {
    let binance = Binance::start().await;
    let order = [
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("quantity", "0.001"),
        ("price", "20000"),
    ];
    let calls = [
        Call::new(http::Method::GET, "/api/v3/order", &order, &[]),
        Call::new(http::Method::POST, "/api/v3/order", &[], &order),
        Call::new(
            http::Method::POST,
            "/api/v3/order",
            &order[..2],
            &order[2..],
        ),
        Call::new(
            http::Method::POST,
            "/api/v3/order",
            &[],
            &[("symbol", "１２３４５６"), ("note", "a b+c@d ~*")],
        ),
        Call::new(
            http::Method::GET,
            "/api/v3/order",
            &[("symbols", r#"["BTCUSDT","BNBUSDT"]"#)],
            &[],
        ),
        Call::new(
            http::Method::POST,
            "/sapi/v1/asset/dust",
            &[],
            &[("asset", "BTC"), ("asset", "USDT")],
        ),
    ];
    for transport in EVERY {
        for (name, signer) in signers() {
            let settings = settings(signer);
            for call in &calls {
                let (status, reply) = send(transport, &settings, &binance.base, call)
                    .await
                    .unwrap();
                assert_eq!(status, 200, "{transport:?} {name} {}: {reply}", call.path);
                assert_eq!(
                    seen(&reply),
                    call.meant(),
                    "{transport:?} {name}: decoded as meant"
                );
            }
        }
    }
    // One clock probe per fresh clock, not one per request.
    assert_eq!(binance.hits("/api/v3/time").len(), EVERY.len() * 3);
}

#[tokio::test]
async fn one_minus_1021_gets_one_resync_and_one_retry() {
    for transport in EVERY {
        let binance = Binance::start().await;
        let settings = settings(Signer::hmac(KEY, SECRET).unwrap());
        let call = Call::new(
            http::Method::POST,
            "/api/v3/order",
            &[],
            &[("symbol", "BTCUSDT")],
        );
        assert_eq!(
            send(transport, &settings, &binance.base, &call)
                .await
                .unwrap()
                .0,
            200
        );
        // The server's clock moves 8 s ahead: timestamps from the old estimate are expired.
        binance.state.lock().unwrap().offset_ms = 8_000;
        let (status, reply) = send(transport, &settings, &binance.base, &call)
            .await
            .unwrap();
        assert_eq!(status, 200, "{transport:?}: {reply}");
        let orders: Vec<u16> = binance.hits("/api/v3/order").iter().map(|h| h.1).collect();
        assert_eq!(orders, [200, 400, 200], "{transport:?}");
        // The first probe, then the resync: its answer disagrees with the estimate by 8 s and
        // is held until a second, later probe confirms the step.
        assert_eq!(
            binance.hits("/api/v3/time").len(),
            3,
            "{transport:?}: one resync, confirmed"
        );
    }
}

#[tokio::test]
async fn a_429_holds_the_next_request_and_a_418_is_never_retried() {
    for transport in EVERY {
        let binance = Binance::start().await;
        let governor = Arc::new(Governor::new(RateLimit::spot_defaults()));
        let settings = settings(Signer::hmac(KEY, SECRET).unwrap()).governor(governor);
        let call = Call::new(
            http::Method::GET,
            "/api/v3/order",
            &[("symbol", "BTCUSDT")],
            &[],
        );
        binance.script(Scripted::TooMany(1));
        let (status, _) = send(transport, &settings, &binance.base, &call)
            .await
            .unwrap();
        assert_eq!(status, 429, "{transport:?}: returned, not retried");
        let (status, _) = send(transport, &settings, &binance.base, &call)
            .await
            .unwrap();
        assert_eq!(status, 200);
        let hits = binance.hits("/api/v3/order");
        assert_eq!(hits.len(), 2);
        let held = hits[1].0 - hits[0].0;
        assert!(
            held >= Duration::from_millis(900),
            "{transport:?}: held {held:?} after Retry-After: 1"
        );

        binance.script(Scripted::Banned(120));
        let (status, reply) = send(transport, &settings, &binance.base, &call)
            .await
            .unwrap();
        assert_eq!(status, 418, "{reply}");
        let error = send(transport, &settings, &binance.base, &call)
            .await
            .unwrap_err();
        assert!(error.contains("banned until"), "{transport:?}: {error}");
        assert_eq!(
            binance.hits("/api/v3/order").len(),
            3,
            "{transport:?}: nothing sent during the ban"
        );
    }
}

#[tokio::test]
async fn clock_probes_are_governed_too() {
    for transport in EVERY {
        let binance = Binance::start().await;
        let governor = Arc::new(Governor::new(RateLimit::spot_defaults()));
        // A clock that asks for a probe before every request.
        let clock = ServerClock::with_config(
            TimeSyncConfig::default().with_resync_after(Duration::from_millis(1)),
        );
        let settings = Settings::new(Signer::hmac(KEY, SECRET).unwrap(), clock.clone())
            .sign_paths(["/api/v3/order"])
            .governor(governor.clone());
        let call = Call::new(
            http::Method::GET,
            "/api/v3/order",
            &[("symbol", "BTCUSDT")],
            &[],
        );
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            assert_eq!(
                send(transport, &settings, &binance.base, &call)
                    .await
                    .unwrap()
                    .0,
                200
            );
        }
        assert_eq!(binance.hits("/api/v3/time").len(), 3, "{transport:?}");
        // Three requests and the two probes made with a clock to ask the governor with.
        let used = governor.used(
            clock.now().unwrap(),
            RateLimitType::RequestWeight,
            Duration::from_secs(60),
        );
        assert_eq!(used, Some(5), "{transport:?}");
        // Banned: not even a probe goes out.
        binance.script(Scripted::Banned(120));
        assert_eq!(
            send(transport, &settings, &binance.base, &call)
                .await
                .unwrap()
                .0,
            418
        );
        let probes = binance.hits("/api/v3/time").len();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let error = send(transport, &settings, &binance.base, &call)
            .await
            .unwrap_err();
        assert!(error.contains("banned until"), "{transport:?}: {error}");
        assert_eq!(
            binance.hits("/api/v3/time").len(),
            probes,
            "{transport:?}: no probe during a ban"
        );
    }
}

#[tokio::test]
async fn a_streaming_body_is_refused_before_anything_is_sent() {
    let binance = Binance::start().await;
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(SigningMiddleware::new(settings(
            Signer::hmac(KEY, SECRET).unwrap(),
        )))
        .build();
    let stream = futures_util::stream::iter([Ok::<_, std::io::Error>("symbol=BTCUSDT")]);
    let error = client
        .post(format!("{}/api/v3/order", binance.base))
        .body(reqwest::Body::wrap_stream(stream))
        .with_extension(Sign)
        .send()
        .await
        .unwrap_err();
    let source = match &error {
        reqwest_middleware::Error::Middleware(e) => e.downcast_ref::<ClientError>(),
        reqwest_middleware::Error::Reqwest(_) => None,
    };
    assert!(
        matches!(source, Some(ClientError::StreamingBody)),
        "{error:?}"
    );
    assert!(
        binance.state.lock().unwrap().log.is_empty(),
        "nothing was sent, not even a probe"
    );
}

#[tokio::test]
async fn the_example_bot_places_its_test_order() {
    let binance = Binance::start().await;
    let governor = Arc::new(Governor::new(RateLimit::spot_defaults()));
    let client = async_bot::client(
        Signer::hmac(KEY, SECRET).unwrap(),
        ServerClock::new(),
        governor.clone(),
    );
    let (status, body) = async_bot::bot(&client, &binance.base).await.unwrap();
    assert_eq!(status, 200, "{body}");
    let reply: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        seen(&reply)[0],
        ("symbol".to_string(), "BTCUSDT".to_string())
    );
    let now = binance_sign::ServerTime::from_millis(binance.now_ms() as u64).unwrap();
    assert_eq!(
        governor.used(
            now,
            binance_sign::limits::RateLimitType::Orders,
            Duration::from_secs(10)
        ),
        Some(1),
        "the order was counted"
    );
}

#[test]
fn sign_http_signs_a_request_in_place() {
    let signer = Signer::hmac(KEY, SECRET).unwrap();
    let ts = binance_sign::Timestamp::from_millis(1_700_000_000_000).unwrap();
    // Bytes bodies, a timestamp already there: kept; a byte that must be encoded: refused.
    let mut request = http::Request::post("https://api.binance.com/api/v3/order?symbol=BTCUSDT")
        .body(bytes::Bytes::from_static(
            b"side=BUY&timestamp=1700000000001",
        ))
        .unwrap();
    signer
        .sign_http(
            &mut request,
            ts,
            Some(binance_sign::RecvWindow::from_millis(5000).unwrap()),
        )
        .unwrap();
    let body = std::str::from_utf8(request.body()).unwrap().to_owned();
    assert!(
        body.starts_with("side=BUY&timestamp=1700000000001&recvWindow=5000&signature="),
        "{body}"
    );
    signer.verify("symbol=BTCUSDT", &body).unwrap();
    assert_eq!(
        request.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    let mut bad = http::Request::get("https://api.binance.com/api/v3/order?note=a%7Cb")
        .body(Vec::new())
        .unwrap();
    *bad.uri_mut() = "https://api.binance.com/api/v3/order?note=a|b"
        .parse()
        .unwrap();
    let error = signer.sign_http(&mut bad, ts, None).unwrap_err();
    assert!(
        matches!(
            error,
            binance_sign::Error::Wire(WireError::MalformedWire { position: 6, .. })
        ),
        "{error}"
    );
    // The timestamp from an unsynchronized clock: a typed error, not a guess.
    let mut request = http::Request::get("https://api.binance.com/api/v3/account")
        .body(String::new())
        .unwrap();
    assert!(matches!(
        signer.sign_http_now(&mut request, &ServerClock::new(), None),
        Err(binance_sign::Error::Clock(_))
    ));
}

/// A request built with its own `Content-Length` (as hyper users often do) is sent whole after
/// signing lengthens the body: through the tower layer over hyper, through `sign_http` and a
/// plain hyper client, and through the reqwest middleware. A stale length made hyper send only
/// the unsigned bytes, and Binance answered -1022 for a missing signature.
#[tokio::test]
async fn a_content_length_set_before_signing_is_replaced() {
    let binance = Binance::start().await;
    let body = "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001";
    let expected: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let url = format!("{}/api/v3/order", binance.base);
    let request = || {
        http::Request::post(url.as_str())
            .header(http::header::CONTENT_LENGTH, body.len())
            .body(body.to_owned())
            .unwrap()
    };
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<String>();

    // The tower layer over hyper.
    let mut service =
        SigningLayer::new(settings(Signer::hmac(KEY, SECRET).unwrap())).layer(hyper.clone());
    let (status, reply) = read_reply(service.call(request()).await.unwrap()).await;
    assert_eq!(status, 200, "tower: {reply}");
    assert_eq!(seen(&reply), expected, "tower");

    // `sign_http`, then a plain hyper client.
    let mut signed = request();
    let signer = Signer::hmac(KEY, SECRET).unwrap();
    signer
        .sign_http(
            &mut signed,
            binance_sign::Timestamp::now_millis().unwrap(),
            None,
        )
        .unwrap();
    assert_eq!(
        signed.headers()[http::header::CONTENT_LENGTH],
        signed.body().len().to_string(),
        "the length of the signed body"
    );
    let (status, reply) = read_reply(hyper.request(signed).await.unwrap()).await;
    assert_eq!(status, 200, "sign_http: {reply}");
    assert_eq!(seen(&reply), expected, "sign_http");

    // The reqwest middleware, with the length set by hand.
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(SigningMiddleware::new(settings(
            Signer::hmac(KEY, SECRET).unwrap(),
        )))
        .build();
    let response = client
        .post(url.as_str())
        .header(http::header::CONTENT_LENGTH, body.len())
        .body(body)
        .with_extension(Weight::of(1))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let reply: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "reqwest: {reply}");
    assert_eq!(seen(&reply), expected, "reqwest");

    // Without a body, a length the request carried is removed.
    let mut get = http::Request::get(format!("{url}?symbol=BTCUSDT"))
        .header(http::header::CONTENT_LENGTH, "0")
        .body(String::new())
        .unwrap();
    signer
        .sign_http(
            &mut get,
            binance_sign::Timestamp::now_millis().unwrap(),
            None,
        )
        .unwrap();
    assert!(get.headers().get(http::header::CONTENT_LENGTH).is_none());
}

/// The status and JSON reply of a hyper response.
async fn read_reply<B>(response: http::Response<B>) -> (u16, Value)
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}
