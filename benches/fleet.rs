//! One `FleetGovernor` decision (the `acquire` Lua script, reserving in the four spot limits)
//! against a local `redis-server` that this bench starts on 127.0.0.1 and stops at the end.
//! Prints p50, p90, p99 and p99.9 over 20,000 sequential decisions, then criterion's estimate.
//! Run with `cargo bench --bench fleet --features redis` (needs `redis-server` on the PATH).

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::time::{Duration, Instant};

use binance_sign::ServerTime;
use binance_sign::limits::{Decision, FleetConfig, FleetGovernor, RateLimit};
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

fn bench(c: &mut Criterion) {
    let redis = redis_server::Redis::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let governor = runtime
        .block_on(FleetGovernor::connect(
            &redis.url(),
            "bench",
            roomy_limits(),
            FleetConfig::default(),
        ))
        .unwrap();
    let mut now = 1_796_256_000_000u64;
    let decide = |now: u64| {
        let decision =
            runtime.block_on(governor.acquire(ServerTime::from_millis(now).unwrap(), 1, true));
        assert_eq!(decision.unwrap(), Decision::Send);
    };
    // Warm up: connection, script load, restore.
    for _ in 0..1_000 {
        now += 1;
        decide(now);
    }
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
