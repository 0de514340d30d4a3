//! The client engine's edge cases, through a real local server and every adapter: a ban on
//! the very first clock probe, a cold start of many tasks, a probe that fails, an error body
//! longer than the engine reads.
#![cfg(all(feature = "reqwest-middleware", feature = "tower", feature = "ureq"))]

use std::sync::Arc;
use std::time::Duration;

use binance_sign::client::{READ_CAP, Settings, SigningAgent, SigningLayer, SigningMiddleware};
use binance_sign::limits::{Governor, RateLimit};
use binance_sign::{ServerClock, Signer};
use http_body_util::BodyExt as _;
use tower_layer::Layer as _;
use tower_service::Service as _;

mod support;
use support::{Binance, KEY, SECRET, Scripted};

#[derive(Clone, Copy, Debug)]
enum Adapter {
    Reqwest,
    Tower,
    Ureq,
}

const EVERY: [Adapter; 3] = [Adapter::Reqwest, Adapter::Tower, Adapter::Ureq];

fn settings() -> Settings {
    Settings::new(Signer::hmac(KEY, SECRET).unwrap(), ServerClock::new())
        .sign_paths(["/api/v3/order"])
}

/// `GET /api/v3/order?symbol=BTCUSDT`, signed, through `adapter`: status and whole body, or
/// the error text.
async fn order(
    adapter: Adapter,
    settings: &Settings,
    base: &str,
) -> Result<(u16, Vec<u8>), String> {
    let url = format!("{base}/api/v3/order?symbol=BTCUSDT");
    match adapter {
        Adapter::Reqwest => {
            let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
                .with(SigningMiddleware::new(settings.clone()))
                .build();
            let response = client.get(url).send().await.map_err(|e| format!("{e:#}"))?;
            let status = response.status().as_u16();
            Ok((
                status,
                response.bytes().await.map_err(|e| e.to_string())?.to_vec(),
            ))
        }
        Adapter::Tower => {
            let hyper =
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build_http::<String>();
            let mut service = SigningLayer::new(settings.clone()).layer(hyper);
            let request = http::Request::get(url).body(String::new()).unwrap();
            let response = service.call(request).await.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?;
            Ok((status, body.to_bytes().to_vec()))
        }
        Adapter::Ureq => {
            let agent = SigningAgent::new(settings.clone()).map_err(|e| e.to_string())?;
            let request = http::Request::get(url).body(String::new()).unwrap();
            tokio::task::spawn_blocking(move || {
                let mut response = agent.run(request).map_err(|e| e.to_string())?;
                let status = response.status().as_u16();
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(u64::MAX)
                    .read_to_vec()
                    .map_err(|e| e.to_string())?;
                Ok((status, body))
            })
            .await
            .unwrap()
        }
    }
}

/// A status and whole body, or the error text.
type Reply = Result<(u16, Vec<u8>), String>;

/// `count` orders through `adapter` at once, each on its own task.
fn at_once(
    adapter: Adapter,
    settings: &Settings,
    base: &str,
    count: usize,
) -> Vec<tokio::task::JoinHandle<Reply>> {
    (0..count)
        .map(|_| {
            let (settings, base) = (settings.clone(), base.to_owned());
            tokio::spawn(async move { order(adapter, &settings, &base).await })
        })
        .collect()
}

#[tokio::test]
async fn a_418_on_the_first_probe_is_recorded_and_nothing_more_goes_out() {
    for adapter in EVERY {
        let binance = Binance::start().await;
        let governor = Arc::new(Governor::new(RateLimit::spot_defaults()));
        let settings = settings().governor(governor.clone());
        binance.script_time(Scripted::Banned(120));
        for attempt in 0..5 {
            let error = order(adapter, &settings, &binance.base).await.unwrap_err();
            assert!(error.contains("banned"), "{adapter:?} #{attempt}: {error}");
        }
        assert_eq!(
            binance.hits("/api/v3/time").len(),
            1,
            "{adapter:?}: one probe"
        );
        assert!(binance.hits("/api/v3/order").is_empty(), "{adapter:?}");
        // The governor has the ban too, placed by the response's `Date` (no clock time yet).
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let now = binance_sign::ServerTime::from_millis(u64::try_from(wall.as_millis()).unwrap())
            .unwrap();
        assert!(
            matches!(
                governor.acquire(now, 1, false),
                binance_sign::limits::Decision::Banned { .. }
            ),
            "{adapter:?}"
        );
    }
}

#[tokio::test]
async fn a_429_on_the_first_probe_holds_then_probes_again() {
    for adapter in EVERY {
        let binance = Binance::start().await;
        let settings = settings();
        binance.script_time(Scripted::TooMany(1));
        let (status, _) = order(adapter, &settings, &binance.base).await.unwrap();
        assert_eq!(status, 200, "{adapter:?}");
        let probes = binance.hits("/api/v3/time");
        assert_eq!(probes.len(), 2, "{adapter:?}");
        let held = probes[1].0 - probes[0].0;
        assert!(
            held >= Duration::from_millis(900),
            "{adapter:?}: held {held:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_tasks_at_cold_start_send_one_probe() {
    for adapter in EVERY {
        let binance = Binance::start().await;
        binance.state.lock().unwrap().time_delay = Duration::from_millis(50);
        let settings = settings();
        let tasks = at_once(adapter, &settings, &binance.base, 32);
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().0, 200, "{adapter:?}");
        }
        assert_eq!(binance.hits("/api/v3/time").len(), 1, "{adapter:?}");
        assert_eq!(binance.hits("/api/v3/order").len(), 32, "{adapter:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_probe_names_its_url_and_status_to_every_waiting_task() {
    for adapter in EVERY {
        let binance = Binance::start().await;
        binance.state.lock().unwrap().time_delay = Duration::from_millis(50);
        binance.script_time(Scripted::Status(503));
        let settings = settings();
        let tasks = at_once(adapter, &settings, &binance.base, 8);
        for task in tasks {
            let error = task.await.unwrap().unwrap_err();
            let url = format!("{}/api/v3/time", binance.base);
            assert!(
                error.contains(&url) && error.contains("HTTP 503"),
                "{adapter:?}: {error}"
            );
        }
        assert_eq!(binance.hits("/api/v3/time").len(), 1, "{adapter:?}");
    }
}

#[tokio::test]
async fn a_long_error_body_is_read_to_the_cap_and_handed_back_whole() {
    for adapter in EVERY {
        let binance = Binance::start().await;
        let settings = settings();
        let len = 4 * READ_CAP;
        binance.script(Scripted::Long(len));
        let (status, body) = order(adapter, &settings, &binance.base).await.unwrap();
        assert_eq!(status, 400, "{adapter:?}");
        assert!(body.len() > len, "{adapter:?}: {} bytes", body.len());
        let reply: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(reply["code"], -1013, "{adapter:?}");
        // And the next request goes as usual.
        assert_eq!(
            order(adapter, &settings, &binance.base).await.unwrap().0,
            200
        );
    }
}

#[test]
fn a_blocking_client_refuses_a_gate_that_needs_a_runtime() {
    use binance_sign::limits::{
        Admission, GateError, GateFuture, GateResponse, Permit, RateGate, Weight,
    };
    #[derive(Debug)]
    struct Remote;
    impl RateGate for Remote {
        fn acquire(
            &self,
            now: binance_sign::ServerTime,
            weight: Weight,
        ) -> GateFuture<'_, Result<Admission, GateError>> {
            Box::pin(async move { Ok(Admission::Send(Permit::new(now, weight))) })
        }
        fn settle<'a>(
            &'a self,
            _: Permit,
            _: GateResponse<'a>,
        ) -> GateFuture<'a, Result<(), GateError>> {
            Box::pin(async { Ok(()) })
        }
        fn observe<'a>(
            &'a self,
            _: binance_sign::ServerTime,
            _: GateResponse<'a>,
        ) -> GateFuture<'a, Result<(), GateError>> {
            Box::pin(async { Ok(()) })
        }
        fn needs_runtime(&self) -> bool {
            true
        }
    }
    let error = SigningAgent::new(settings().governor(Arc::new(Remote))).unwrap_err();
    assert!(matches!(
        error,
        binance_sign::client::ClientError::GateNeedsRuntime
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_429_on_a_cold_start_probe_holds_every_waiting_task_then_all_go() {
    for adapter in EVERY {
        let binance = Binance::start().await;
        binance.state.lock().unwrap().time_delay = Duration::from_millis(50);
        binance.script_time(Scripted::TooMany(1));
        let settings = settings();
        let tasks = at_once(adapter, &settings, &binance.base, 8);
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().0, 200, "{adapter:?}");
        }
        let probes = binance.hits("/api/v3/time");
        assert_eq!(
            probes.len(),
            2,
            "{adapter:?}: the held probe, then one more"
        );
        let orders = binance.hits("/api/v3/order");
        assert!(
            orders
                .iter()
                .all(|(at, _)| *at >= probes[0].0 + Duration::from_millis(900)),
            "{adapter:?}: no order inside the hold"
        );
    }
}

#[tokio::test]
async fn of_several_retry_after_values_the_largest_holds_and_a_huge_one_is_capped() {
    use binance_sign::limits::{Admission, Binding, MAX_HOLD, RateGate, Weight};
    use futures_util::FutureExt as _;
    let held = |governor: &Governor, settings: &Settings| {
        let now = settings.clock().now().unwrap();
        match RateGate::acquire(governor, now, Weight::of(1))
            .now_or_never()
            .unwrap()
            .unwrap()
        {
            Admission::Wait {
                wait,
                binding: Binding::Hold,
            } => wait,
            other => panic!("{other:?}"),
        }
    };
    for adapter in EVERY {
        let binance = Binance::start().await;
        let governor = Arc::new(Governor::new(RateLimit::spot_defaults()));
        let settings = settings().governor(governor.clone());
        binance.script(Scripted::TooManyWith(vec!["1", "3", "2"]));
        let (status, _) = order(adapter, &settings, &binance.base).await.unwrap();
        assert_eq!(status, 429, "{adapter:?}");
        let wait = held(&governor, &settings);
        assert!(
            wait > Duration::from_secs(2) && wait <= Duration::from_secs(3),
            "{adapter:?}: {wait:?}"
        );
    }
    // 31,700 years asked: held for the cap. The next request does not go (checked through
    // the async adapters, whose wait a timeout can cancel).
    for adapter in EVERY {
        let binance = Binance::start().await;
        let governor = Arc::new(Governor::new(RateLimit::spot_defaults()));
        let settings = settings().governor(governor.clone());
        binance.script(Scripted::TooManyWith(vec!["1000000000000"]));
        let (status, _) = order(adapter, &settings, &binance.base).await.unwrap();
        assert_eq!(status, 429, "{adapter:?}");
        let wait = held(&governor, &settings);
        assert!(
            wait <= MAX_HOLD && wait > MAX_HOLD - Duration::from_secs(60),
            "{adapter:?}: {wait:?}"
        );
        if matches!(adapter, Adapter::Ureq) {
            continue;
        }
        let next = tokio::time::timeout(
            Duration::from_millis(300),
            order(adapter, &settings, &binance.base),
        )
        .await;
        assert!(
            next.is_err(),
            "{adapter:?}: a request went out during the hold"
        );
        assert_eq!(binance.hits("/api/v3/order").len(), 1, "{adapter:?}");
    }
}

#[tokio::test]
async fn a_long_429_body_is_handed_back_whole_and_its_headers_hold() {
    for adapter in EVERY {
        let binance = Binance::start().await;
        let settings = settings();
        binance.script(Scripted::LongTooMany(4 * READ_CAP));
        let (status, body) = order(adapter, &settings, &binance.base).await.unwrap();
        assert_eq!(status, 429, "{adapter:?}");
        assert!(
            body.len() > 4 * READ_CAP,
            "{adapter:?}: {} bytes",
            body.len()
        );
        let (status, _) = order(adapter, &settings, &binance.base).await.unwrap();
        assert_eq!(status, 200, "{adapter:?}");
        let hits = binance.hits("/api/v3/order");
        let held = hits[1].0 - hits[0].0;
        assert!(
            held >= Duration::from_millis(900),
            "{adapter:?}: held {held:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_clock_is_probed_ahead_of_expiry_while_the_others_go_on() {
    for adapter in EVERY {
        let binance = Binance::start().await;
        let clock = ServerClock::with_config(
            binance_sign::TimeSyncConfig::default().with_resync_after(Duration::from_millis(100)),
        );
        let settings =
            Settings::new(Signer::hmac(KEY, SECRET).unwrap(), clock).sign_paths(["/api/v3/order"]);
        assert_eq!(
            order(adapter, &settings, &binance.base).await.unwrap().0,
            200
        );
        // The clock wants a probe, but its estimate still holds: the probe (slow now) is one
        // request's, the others do not wait for it.
        tokio::time::sleep(Duration::from_millis(150)).await;
        binance.state.lock().unwrap().time_delay = Duration::from_millis(1_000);
        let started = std::time::Instant::now();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (settings, base) = (settings.clone(), binance.base.clone());
                tokio::spawn(async move {
                    let status = order(adapter, &settings, &base).await.unwrap().0;
                    (status, started.elapsed())
                })
            })
            .collect();
        let mut quick = 0;
        for task in tasks {
            let (status, took) = task.await.unwrap();
            assert_eq!(status, 200, "{adapter:?}");
            quick += usize::from(took < Duration::from_millis(700));
        }
        assert!(
            quick >= 7,
            "{adapter:?}: only {quick} of 8 went on without the probe"
        );
        assert_eq!(binance.hits("/api/v3/time").len(), 2, "{adapter:?}");
    }
}
