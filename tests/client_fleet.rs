//! A fleet through the adapters: two processes' clients (the reqwest middleware, and the tower
//! layer over hyper), each with its own `FleetGovernor` on the tests' own `redis-server`,
//! share one order budget.
#![cfg(all(feature = "redis", feature = "reqwest-middleware", feature = "tower"))]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use binance_sign::client::{Settings, SigningLayer, SigningMiddleware};
use binance_sign::limits::{
    FleetConfig, FleetGovernor, IntervalUnit, RateLimit, RateLimitType, Weight,
};
use binance_sign::{ServerClock, Signer};

mod support;
use support::redis_server::Redis;
use support::{Binance, KEY, SECRET};

async fn settings(redis: &Redis, limits: &[RateLimit]) -> Settings {
    let gate = FleetGovernor::connect(
        &redis.url(),
        "test:client-fleet",
        limits.to_vec(),
        FleetConfig::default(),
    )
    .await
    .unwrap();
    Settings::new(Signer::hmac(KEY, SECRET).unwrap(), ServerClock::new())
        .sign_paths(["/api/v3/order"])
        .governor(Arc::new(gate))
}

/// One process's client: the middleware, or the tower layer.
enum Client {
    Reqwest(reqwest_middleware::ClientWithMiddleware),
    Tower(Settings),
}

const ORDER: &str = "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001";

async fn place(client: &Client, base: &str) -> u16 {
    match client {
        Client::Reqwest(client) => client
            .post(format!("{base}/api/v3/order"))
            .body(ORDER)
            .with_extension(Weight::order(1))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        Client::Tower(settings) => {
            use tower_layer::Layer as _;
            use tower_service::Service as _;
            let hyper =
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build_http::<String>();
            let mut service = SigningLayer::new(settings.clone()).layer(hyper);
            let mut request = http::Request::post(format!("{base}/api/v3/order"))
                .body(ORDER.to_owned())
                .unwrap();
            request.extensions_mut().insert(Weight::order(1));
            service.call(request).await.unwrap().status().as_u16()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_through_two_adapters_share_one_order_budget() {
    let redis = Redis::start();
    let binance = Binance::start().await;
    // 4 orders per 10 s, 3 after the 2% headroom: for the whole fleet.
    let limits = [RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        4,
    )];
    let a = Client::Reqwest(
        reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(SigningMiddleware::new(settings(&redis, &limits).await))
            .build(),
    );
    let b = Client::Tower(settings(&redis, &limits).await);
    // Start well inside a 10-second window, so the three orders share it.
    let into = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        % 10_000;
    if !(1_000..6_000).contains(&into) {
        let wait = (11_000 - into) % 10_000;
        tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap())).await;
    }
    for client in [&a, &a, &b] {
        assert_eq!(place(client, &binance.base).await, 200);
    }
    // The fleet's budget is spent: B's next order waits for the next window.
    let held = tokio::time::timeout(Duration::from_millis(500), place(&b, &binance.base)).await;
    assert!(held.is_err(), "sent past the fleet's budget");
    assert_eq!(binance.hits("/api/v3/order").len(), 3);
}
