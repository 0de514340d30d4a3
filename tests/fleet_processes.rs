//! A fleet of real OS processes on leases: this test binary starts its own `redis-server`
//! (127.0.0.1, a free port, no persistence) and a scripted Binance (an HTTP server applying
//! Binance's documented limits on its own clock, counting 429s and 418s itself), then runs
//! copies of itself as the fleet's processes. Each process has its own clock error, two order
//! streams and two weight-20 streams, and sends every request the governor allows to the
//! scripted Binance over HTTP.
//!
//! Checked at the scripted Binance, not in the governor: 4 and 8 processes (two fleets at
//! once, each with its own Binance), 24 one-second windows each (22 measured), get 0 429s and
//! 0 418s and a mean of at least 95% of each limit; and a process
//! killed with `SIGKILL` mid-run (its slices counted but never returned) costs the fleet no 429.
//!
//! Run by `cargo test --features redis,http --test fleet_processes` (no harness: the binary is
//! both the test and the fleet's processes).

#![allow(
    missing_docs,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss
)]

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use binance_sign::ServerTime;
use binance_sign::limits::{
    Decision, FleetConfig, FleetGovernor, GovernorConfig, IntervalUnit, Leases, RateLimit,
    RateLimitType,
};
use redis::Commands as _;

mod support;
use support::redis_server::Redis;
use support::scripted::Binance;

/// One-second windows, so that 24 of them take 24 s: 2000 request weight and 40 orders.
fn limits() -> Vec<RateLimit> {
    vec![
        RateLimit::new(RateLimitType::RequestWeight, IntervalUnit::Second, 1, 2_000),
        RateLimit::new(RateLimitType::Orders, IntervalUnit::Second, 1, 40),
    ]
}

/// Clock errors within the boundary margin (100 ms), with room for a loaded machine's latency.
fn config() -> FleetConfig {
    FleetConfig::default()
        .with_deadline(Duration::from_millis(1_000))
        .with_governor(GovernorConfig::default().with_boundary_margin(Duration::from_millis(100)))
        .with_leases(Some(Leases::default()))
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn main() {
    if std::env::var_os("FLEET_CHILD").is_some() {
        return child();
    }
    let redis = Redis::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The fleets of 4 and of 8 run at the same time, each against its own scripted Binance.
    let scripted = runtime.block_on(ScriptedBinance::start());
    let other = runtime.block_on(ScriptedBinance::start());
    let mut four = Run::start(&redis, &scripted, ("fleet-4", 4, 24), None);
    let mut eight = Run::start(&redis, &other, ("fleet-8", 8, 24), None);
    let reports = [four.finish(&scripted, None), eight.finish(&other, None)];
    reports[0].assert_at_the_limit("4 processes", None);
    reports[1].assert_at_the_limit("8 processes", None);
    // One process of four hangs at its first `Send` from 5.083 s in (its clock, 20 ms ahead,
    // opened the window 3 ms before, so it leases there before the others start), holding
    // what its slices have left, and is killed with SIGKILL at 5.3 s: slices it never sent
    // from nor returned.
    let mut run = Run::start(&redis, &scripted, ("killed", 4, 14), Some(5_083));
    let report = run.finish(&scripted, Some(5_300));
    let killed = run.start + 5_000;
    report.assert_at_the_limit("4 processes, one killed", Some(killed));
    // The store counted the killed process's slices: in its window, the counter exceeds what
    // reached Binance by what it held (and the fleet did not spend it).
    let counter = report.killed_window_counter.unwrap();
    let arrived = report.windows.iter().find(|w| w.0 == killed).unwrap().1.0;
    println!("killed: {counter} weight counted in its window, {arrived} reached Binance");
    assert!(
        counter > arrived,
        "the killed process's slice was counted and never spent"
    );
    println!("fleet_processes: all passed");
}

/// The scripted Binance behind HTTP, shared by the runs (each run's windows are its own).
#[derive(Clone)]
struct ScriptedBinance {
    base: String,
    state: Arc<Mutex<Counts>>,
}

#[derive(Default)]
struct Counts {
    binance: Option<Binance>,
    /// Per window start (s), the weight and orders that got through.
    per_window: HashMap<i64, (u64, u64)>,
}

impl ScriptedBinance {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let scripted = ScriptedBinance {
            base: format!("http://{}", listener.local_addr().unwrap()),
            state: Arc::default(),
        };
        let app = Router::new()
            .route("/request", axum::routing::get(answer))
            .with_state(scripted.state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        scripted
    }

    /// A fresh Binance for the next run.
    fn reset(&self) {
        let mut counts = self.state.lock().unwrap();
        counts.binance = Some(Binance::new(limits()));
        counts.per_window.clear();
    }
}

async fn answer(
    State(state): State<Arc<Mutex<Counts>>>,
    Query(query): Query<HashMap<String, String>>,
) -> (StatusCode, HeaderMap, &'static str) {
    let weight: u64 = query["weight"].parse().unwrap();
    let is_order = query["order"] == "1";
    let t = wall_ms();
    let mut counts = state.lock().unwrap();
    let binance = counts.binance.as_mut().unwrap();
    let (status, headers) = binance.handle(t, weight, is_order);
    if status == 200 {
        let window = counts.per_window.entry(t.div_euclid(1_000)).or_default();
        window.0 += weight;
        window.1 += u64::from(is_order);
    }
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    (StatusCode::from_u16(status).unwrap(), map, "{}")
}

/// The process that hangs and is killed in the kill run: the one whose clock is 20 ms ahead.
const VICTIM: usize = 1;

/// One run: `size` processes from `start` (wall ms, a whole second) for `seconds`; the
/// [`VICTIM`] hangs at its first `Send` from `hang` ms after the start, if given.
struct Run {
    redis: redis::Client,
    prefix: String,
    children: Vec<Child>,
    start: i64,
    seconds: i64,
}

impl Run {
    fn start(
        redis: &Redis,
        scripted: &ScriptedBinance,
        (prefix, size, seconds): (&str, usize, i64),
        hang: Option<i64>,
    ) -> Self {
        scripted.reset();
        // Everyone starts on the next whole second but one, so that the first window is whole.
        let start = (wall_ms() / 1_000 + 2) * 1_000;
        let children = (0..size)
            .map(|p| {
                let error = [-20, 20, -7, 12, 0, -15, 5, 17][p % 8];
                Command::new(std::env::current_exe().unwrap())
                    .env("FLEET_CHILD", "1")
                    .env("REDIS_URL", redis.url())
                    .env("PREFIX", prefix)
                    .env("BINANCE", &scripted.base)
                    .env("START", start.to_string())
                    .env("END", (start + seconds * 1_000).to_string())
                    .env("CLOCK_ERROR", error.to_string())
                    .env(
                        "HANG",
                        hang.filter(|_| p == VICTIM)
                            .map_or(i64::MAX, |h| start + h)
                            .to_string(),
                    )
                    .stdout(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        Run {
            redis: redis::Client::open(redis.url()).unwrap(),
            prefix: prefix.to_owned(),
            children,
            start,
            seconds,
        }
    }

    /// Waits for every process (killing the [`VICTIM`] `kill_at` ms into the run), and reads
    /// the scripted Binance's counts.
    fn finish(&mut self, scripted: &ScriptedBinance, kill_at: Option<i64>) -> Report {
        let mut killed_window_counter = None;
        if let Some(at) = kill_at {
            let wait = self.start + at - wall_ms();
            std::thread::sleep(Duration::from_millis(wait.max(0) as u64));
            self.children[VICTIM].kill().unwrap(); // SIGKILL: no shutdown, no return of slices
            let status = self.children[VICTIM].wait().unwrap();
            assert!(!status.success(), "the victim was killed");
            // Once that window is over (and its margin), its request-weight counter.
            let window = self.start + at - at % 1_000;
            let wait = window + 1_200 - wall_ms();
            std::thread::sleep(Duration::from_millis(wait.max(0) as u64));
            let key = format!("{{{}}}:c:REQUEST_WEIGHT:1000:2000:{window}", self.prefix);
            killed_window_counter = Some(self.redis.get_connection().unwrap().get(key).unwrap());
        }
        for (p, child) in self.children.iter_mut().enumerate() {
            if kill_at.is_some() && p == VICTIM {
                continue;
            }
            let status = child.wait().unwrap();
            assert!(status.success(), "process {p} ended with {status}");
        }
        let counts = scripted.state.lock().unwrap();
        let binance = counts.binance.as_ref().unwrap();
        Report {
            killed_window_counter,
            n429: binance.n429,
            n418: binance.n418,
            windows: (self.start / 1_000..self.start / 1_000 + self.seconds)
                .map(|s| {
                    (
                        s * 1_000,
                        counts.per_window.get(&s).copied().unwrap_or_default(),
                    )
                })
                .collect(),
        }
    }
}

struct Report {
    /// The store's request-weight count in the window a process was killed in.
    killed_window_counter: Option<u64>,
    n429: u32,
    n418: u32,
    /// Per window (start, wall ms): the weight and orders that got through.
    windows: Vec<(i64, (u64, u64))>,
}

impl Report {
    /// No 429, no 418, every window within both limits, and over the measured windows (all
    /// but the first and last, when processes start and stop, and the window a process was
    /// killed in) a mean of at least 95% of each limit: request weight (2000) and orders (40).
    fn assert_at_the_limit(&self, what: &str, killed: Option<i64>) {
        assert_eq!(
            (self.n429, self.n418),
            (0, 0),
            "{what}: 429s and 418s at Binance"
        );
        for (start, (weight, orders)) in &self.windows {
            assert!(
                *weight <= 2_000 && *orders <= 40,
                "{what}: window {start}: {weight} weight, {orders} orders"
            );
        }
        let measured: Vec<(u64, u64)> = self.windows[1..self.windows.len() - 1]
            .iter()
            .filter(|(start, _)| killed.is_none_or(|k| k < *start || k >= start + 1_000))
            .map(|(_, counts)| *counts)
            .collect();
        assert!(measured.len() >= 10, "{what}: {} windows", measured.len());
        let n = measured.len() as f64;
        let weight = measured.iter().map(|m| m.0).sum::<u64>() as f64 / n / 2_000.0;
        let orders = measured.iter().map(|m| m.1).sum::<u64>() as f64 / n / 40.0;
        let lowest = |f: fn(&(u64, u64)) -> u64| measured.iter().map(f).min().unwrap();
        println!(
            "{what}: {} windows measured; request weight: mean {:.1}% of the limit, lowest \
             window {}; orders: mean {:.1}%, lowest window {}; 0 429s, 0 418s",
            measured.len(),
            weight * 100.0,
            lowest(|m| m.0),
            orders * 100.0,
            lowest(|m| m.1),
        );
        assert!(weight >= 0.95, "{what}: request weight at {weight}");
        assert!(orders >= 0.95, "{what}: orders at {orders}");
    }
}

/// One process of the fleet: two order streams and two weight-20 streams from `START` to
/// `END`, every request the governor allows sent to the scripted Binance, its response
/// observed; then `shutdown`.
fn child() {
    let var = |name: &str| std::env::var(name).unwrap();
    let error: i64 = var("CLOCK_ERROR").parse().unwrap();
    let (start, end): (i64, i64) = (var("START").parse().unwrap(), var("END").parse().unwrap());
    let hang: i64 = var("HANG").parse().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let governor = Arc::new(
            FleetGovernor::connect(&var("REDIS_URL"), &var("PREFIX"), limits(), config())
                .await
                .unwrap(),
        );
        let client = reqwest::Client::new();
        tokio::time::sleep(Duration::from_millis((start - wall_ms()).max(0) as u64)).await;
        let streams: Vec<_> = [(1, true), (1, true), (20, false), (20, false)]
            .into_iter()
            .map(|(weight, is_order)| {
                let governor = governor.clone();
                let client = client.clone();
                let url = format!(
                    "{}/request?weight={weight}&order={}",
                    var("BINANCE"),
                    u8::from(is_order)
                );
                tokio::spawn(async move {
                    let now = || ServerTime::from_millis((wall_ms() + error) as u64).unwrap();
                    while wall_ms() < end {
                        match governor.acquire(now(), weight, is_order).await {
                            // The victim hangs holding what its slices have left.
                            Ok(Decision::Send) if wall_ms() >= hang => {
                                std::future::pending::<()>().await;
                            }
                            Ok(Decision::Send) => {
                                let sent = now();
                                let response = client.get(&url).send().await.unwrap();
                                let received = now();
                                let _ = governor
                                    .observe_http(
                                        sent,
                                        received,
                                        response.status(),
                                        response.headers(),
                                    )
                                    .await;
                            }
                            Ok(Decision::Wait(d)) => tokio::time::sleep(d).await,
                            Ok(other) => panic!("{other:?}"),
                            Err(e) => {
                                eprintln!("{e}");
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            }
                        }
                    }
                })
            })
            .collect();
        for stream in streams {
            stream.await.unwrap();
        }
        governor.shutdown().await.unwrap();
    });
}
