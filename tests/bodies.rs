//! Every body type people send signs: hyper's `Full<Bytes>` through the tower layer, a
//! `reqwest::Request` through `sign_http`, and any body (here a `BoxBody`) through the
//! signing instructions, each accepted by the local Binance-rules server.
#![cfg(all(feature = "reqwest-middleware", feature = "tower"))]

use binance_sign::client::{Settings, SigningLayer};
use binance_sign::{ServerClock, Signer, Timestamp};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use serde_json::Value;
use tower_layer::Layer as _;
use tower_service::Service as _;

mod support;
use support::{Binance, KEY, SECRET, seen};

const ORDER: &str = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001&price=20000";

fn meant() -> Vec<(String, String)> {
    form_urlencoded::parse(ORDER.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn timestamp(binance: &Binance) -> Timestamp {
    Timestamp::from_millis(u64::try_from(binance.now_ms()).unwrap()).unwrap()
}

#[tokio::test]
async fn a_full_bytes_body_goes_through_the_tower_layer() {
    let binance = Binance::start().await;
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let settings = Settings::new(Signer::hmac(KEY, SECRET).unwrap(), ServerClock::new())
        .sign_paths(["/api/v3/order"]);
    let mut service = SigningLayer::new(settings).layer(hyper);
    let request = http::Request::post(format!("{}/api/v3/order", binance.base))
        .body(Full::new(Bytes::from_static(ORDER.as_bytes())))
        .unwrap();
    let response = service.call(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let reply: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(seen(&reply), meant());
}

#[tokio::test]
async fn sign_http_signs_a_reqwest_request() {
    let binance = Binance::start().await;
    let signer = Signer::hmac(KEY, SECRET).unwrap();
    let client = reqwest::Client::new();
    let mut request = client
        .post(format!("{}/api/v3/order?symbol=BTCUSDT", binance.base))
        .header("content-length", "5")
        .body("side=BUY&type=LIMIT&quantity=0.001&price=20000")
        .build()
        .unwrap();
    signer
        .sign_http(&mut request, timestamp(&binance), None)
        .unwrap();
    let response = client.execute(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let reply: Value = response.json().await.unwrap();
    assert_eq!(seen(&reply), meant());
}

#[tokio::test]
async fn any_body_signs_through_the_signing_instructions() {
    type Boxed = http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>;
    let binance = Binance::start().await;
    let signer = Signer::hmac(KEY, SECRET).unwrap();
    let request: http::Request<Boxed> =
        http::Request::post(format!("{}/api/v3/order", binance.base))
            .body(Full::new(Bytes::from_static(ORDER.as_bytes())).boxed())
            .unwrap();
    let (mut parts, body) = request.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let signed = signer
        .signing_instructions(&parts, &bytes, timestamp(&binance), None)
        .unwrap();
    signed.apply_to_parts(&mut parts).unwrap();
    let request =
        http::Request::from_parts(parts, Full::new(Bytes::from(signed.into_body())).boxed());
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Boxed>();
    let response = hyper.request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let reply: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(seen(&reply), meant());
}

#[tokio::test]
async fn a_decimal_order_with_its_client_order_id_goes_through_the_middleware() {
    use binance_sign::Params;
    use binance_sign::client::SigningMiddleware;
    use binance_sign::limits::Weight;
    use rust_decimal::Decimal;
    let binance = Binance::start().await;
    let settings = Settings::new(Signer::hmac(KEY, SECRET).unwrap(), ServerClock::new())
        .sign_paths(["/api/v3/order"]);
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(SigningMiddleware::new(settings))
        .build();
    let mut order = Params::new();
    order.push("symbol", "BTCUSDT").unwrap();
    order.push("quantity", Decimal::new(1, 3)).unwrap();
    order.push("price", Decimal::new(2_000_000, 2)).unwrap();
    let id = order.ensure_client_order_id().unwrap();
    let response = client
        .post(format!("{}/api/v3/order", binance.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(order.encoded().to_owned())
        .with_extension(Weight::order(1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let reply: Value = response.json().await.unwrap();
    let want: Vec<(String, String)> = [
        ("symbol", "BTCUSDT"),
        ("quantity", "0.001"),
        ("price", "20000.00"),
        ("newClientOrderId", id.as_str()),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(seen(&reply), want);
}

#[test]
fn the_engines_error_comes_back_out_of_each_adapters_error() {
    use binance_sign::client::{BoxError, ClientError};
    let middleware = reqwest_middleware::Error::middleware(ClientError::GateNeedsRuntime);
    assert!(matches!(
        ClientError::from_middleware(&middleware),
        Some(ClientError::GateNeedsRuntime)
    ));
    let boxed: BoxError = Box::new(ClientError::StreamingBody);
    assert!(matches!(
        ClientError::from_boxed(&*boxed),
        Some(ClientError::StreamingBody)
    ));
    let other: BoxError = "a transport error".into();
    assert!(ClientError::from_boxed(&*other).is_none());
}
