//! One `FleetGovernor` decision (the `acquire` Lua script, reserving in the four spot limits)
//! against a local `redis-server` that this bench starts on 127.0.0.1 and stops at the end.
//! Prints p50, p90, p99 and p99.9 over 20,000 sequential decisions, then criterion's estimate.
//! Then the same on leases (the fast path): decisions per script call, counted from Redis' own
//! `INFO commandstats`, and the time of a local decision (one poll of `acquire` that the
//! leases answer, p50 over 100,000), then criterion's estimate over the mix.
//! Run with `cargo bench --bench fleet --features redis` (needs `redis-server` on the PATH).

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::time::{Duration, Instant};

use binance_sign::ServerTime;
use binance_sign::limits::{Decision, FleetConfig, FleetGovernor, Leases, RateLimit};
use criterion::{Criterion, criterion_group, criterion_main};

#[path = "../tests/support/redis_server.rs"]
#[allow(dead_code, unreachable_pub)]
mod redis_server;

/// The spot limits, raised so that every decision is a `Send` that reserves in every window.
fn roomy_limits() -> Vec<RateLimit> {
    RateLimit::spot_defaults()
        .into_iter()
        .map(|l| RateLimit {
            limit: 1 << 40,
            ..l
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Where the decisions start, ms of server time (2026-11-29).
const START: u64 = 1_796_256_000_000;

/// One decision at `now`, which must be a `Send`.
fn decide(runtime: &tokio::runtime::Runtime, governor: &FleetGovernor, now: u64) {
    let decision =
        runtime.block_on(governor.acquire(ServerTime::from_millis(now).unwrap(), 1, true));
    assert_eq!(decision.unwrap(), Decision::Send);
}

/// A governor under `prefix`, warmed up (connection, script load, restore, slices) by 1,000
/// decisions 3 ms apart from [`START`].
fn warmed_up(
    runtime: &tokio::runtime::Runtime,
    redis: &redis_server::Redis,
    prefix: &str,
    config: FleetConfig,
) -> FleetGovernor {
    let governor = runtime
        .block_on(FleetGovernor::connect(
            &redis.url(),
            prefix,
            roomy_limits(),
            config,
        ))
        .unwrap();
    for i in 0..1_000 {
        decide(runtime, &governor, START + 3 * i);
    }
    governor
}

fn bench(c: &mut Criterion) {
    let redis = redis_server::Redis::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let governor = warmed_up(&runtime, &redis, "bench", FleetConfig::default());
    let mut now = START + 3_000;
    let decide = |now: u64| decide(&runtime, &governor, now);
    let mut samples = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        now += 3; // crosses window boundaries (and their margins) as real traffic does
        let started = Instant::now();
        decide(now);
        samples.push(started.elapsed());
    }
    samples.sort();
    println!(
        "fleet acquire, 20000 decisions: p50 {:?}, p90 {:?}, p99 {:?}, p99.9 {:?}, max {:?}",
        percentile(&samples, 0.50),
        percentile(&samples, 0.90),
        percentile(&samples, 0.99),
        percentile(&samples, 0.999),
        samples[samples.len() - 1],
    );
    c.bench_function("fleet acquire (local redis)", |b| {
        b.iter(|| {
            now += 3;
            decide(black_box(now));
        });
    });
    leases(c, &redis, &runtime);
}

/// How many scripts Redis has run (EVAL and EVALSHA), from `INFO commandstats`.
fn script_calls(redis: &redis_server::Redis) -> u64 {
    let mut conn = redis::Client::open(redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut conn)
        .unwrap();
    info.lines()
        .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
        .filter_map(|l| {
            l.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

fn leases(c: &mut Criterion, redis: &redis_server::Redis, runtime: &tokio::runtime::Runtime) {
    let config = FleetConfig::default().with_leases(Some(Leases::default()));
    let governor = warmed_up(runtime, redis, "bench-leases", config);
    let mut now = START + 3_000;
    let decide = |now: u64| decide(runtime, &governor, now);
    // Steady state: a decision every 3 ms of server time.
    let calls = script_calls(redis);
    for _ in 0..20_000 {
        now += 3;
        decide(now);
    }
    let calls = script_calls(redis) - calls;
    #[allow(clippy::cast_precision_loss)]
    let per_call = 20_000.0 / calls as f64;
    println!(
        "fleet on leases: 20000 decisions, {calls} script calls: {per_call:.1} decisions per call"
    );
    // A local decision: one poll of `acquire`, answered by the leases (a decision that needs
    // the store is not counted: it is pending after one poll).
    let mut waker_cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut local = Vec::with_capacity(100_000);
    let _guard = runtime.enter();
    while local.len() < 100_000 {
        now += 3;
        let answered = {
            let started = Instant::now();
            let mut future =
                std::pin::pin!(governor.acquire(ServerTime::from_millis(now).unwrap(), 1, true));
            let polled = future.as_mut().poll(&mut waker_cx);
            let elapsed = started.elapsed();
            match polled {
                std::task::Poll::Ready(decision) => {
                    assert_eq!(decision.unwrap(), Decision::Send);
                    Some(elapsed)
                }
                // Needs the store: abandoned here, decided again below.
                std::task::Poll::Pending => None,
            }
        };
        match answered {
            Some(elapsed) => local.push(elapsed),
            None => decide(now),
        }
    }
    local.sort();
    println!(
        "fleet on leases, local decision: p50 {:?}, p90 {:?}, p99 {:?}",
        percentile(&local, 0.50),
        percentile(&local, 0.90),
        percentile(&local, 0.99),
    );
    c.bench_function("fleet acquire on leases (local redis)", |b| {
        b.iter(|| {
            now += 3;
            decide(black_box(now));
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
