//! Leases, the fleet governor's fast path, against a real `redis-server` (started here on
//! 127.0.0.1, a free port, no persistence): slices counted in the store before they are used,
//! the fleet's total within the budget, returns on shutdown, a killed holder's slice counted,
//! holds seen within the horizon, and the script calls saved (Redis' own command statistics).
#![cfg(feature = "redis")]
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]

use std::time::Duration;

use binance_sign::ServerTime;
use binance_sign::limits::{
    Decision, FleetConfig, FleetError, FleetGovernor, GateResponse, IntervalUnit, Leases, RateGate,
    RateLimit, RateLimitType, Weight,
};

mod support;
use support::redis_server::Redis;
use support::scripted::T0;

fn at(ms: i64) -> ServerTime {
    ServerTime::from_millis(ms as u64).unwrap()
}

/// 100 orders per 10 s (a budget of 98).
fn hundred_orders_per_10s() -> Vec<RateLimit> {
    vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        100,
    )]
}

fn leased(horizon_ms: u64) -> FleetConfig {
    FleetConfig::default()
        .with_deadline(Duration::from_millis(1_000))
        .with_leases(Some(
            Leases::default().with_horizon(Duration::from_millis(horizon_ms)),
        ))
}

async fn governor(
    redis: &Redis,
    prefix: &str,
    limits: Vec<RateLimit>,
    horizon_ms: u64,
) -> FleetGovernor {
    FleetGovernor::connect(&redis.url(), prefix, limits, leased(horizon_ms))
        .await
        .unwrap()
}

async fn orders_used(g: &FleetGovernor, now: i64) -> u64 {
    g.used(at(now), RateLimitType::Orders, Duration::from_secs(10))
        .await
        .unwrap()
        .unwrap()
}

/// How many scripts the tests' Redis has run (EVAL and EVALSHA), from `INFO commandstats`.
async fn script_calls(redis: &Redis) -> u64 {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap();
    info.lines()
        .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
        .map(|l| {
            let calls = l.split("calls=").nth(1).unwrap();
            calls.split(',').next().unwrap().parse::<u64>().unwrap()
        })
        .sum()
}

/// After every `Send`, the store already counts at least what was sent: nothing is used
/// before it is counted. And the slices grow with demand: 98 orders from about 10 script
/// calls, not 98.
#[tokio::test]
async fn a_slice_is_counted_in_the_store_before_it_is_used() {
    let redis = Redis::start();
    let g = governor(&redis, "counted", hundred_orders_per_10s(), 1_000).await;
    let calls_before = script_calls(&redis).await;
    let mut sent = 0;
    for i in 0..200 {
        let now = T0 + 1_000 + i;
        match g.acquire(at(now), 1, true).await.unwrap() {
            Decision::Send => sent += 1,
            Decision::Wait(_) => break,
            other => panic!("{other:?}"),
        }
        assert!(
            orders_used(&g, now).await >= sent,
            "the store counts at least the {sent} sent"
        );
    }
    assert_eq!(sent, 98, "the whole budget, and no more");
    assert_eq!(orders_used(&g, T0 + 1_500).await, 98);
    // `used` is a GET, not a script: every script call here is a lease (or the first restore).
    let scripts = script_calls(&redis).await - calls_before;
    assert!(scripts <= 20, "98 decisions took {scripts} script calls");
}

/// Two processes leasing from one window: together they send exactly the budget, never more,
/// however the slices fall; then both wait for the next window.
#[tokio::test]
async fn two_processes_leasing_send_the_budget_together_and_no_more() {
    let redis = Redis::start();
    let a = governor(&redis, "two", hundred_orders_per_10s(), 1_000).await;
    let b = governor(&redis, "two", hundred_orders_per_10s(), 1_000).await;
    let (mut sent, mut waiting) = ([0u64; 2], [false; 2]);
    let mut now = T0 + 1_000;
    while !(waiting[0] && waiting[1]) {
        now += 1;
        for (i, g) in [&a, &b].into_iter().enumerate() {
            // B asks twice as often as A.
            if i == 0 && now % 2 == 0 {
                continue;
            }
            match g.acquire(at(now), 1, true).await.unwrap() {
                Decision::Send => sent[i] += 1,
                Decision::Wait(d) => {
                    waiting[i] = true;
                    assert!(d >= Duration::from_millis(1));
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(
            now < T0 + 5_000,
            "both processes were told to wait within the window"
        );
    }
    assert_eq!(sent[0] + sent[1], 98, "A {} + B {}", sent[0], sent[1]);
    assert!(sent[0] > 0 && sent[1] > 0, "both got a share: {sent:?}");
    assert_eq!(orders_used(&a, now).await, 98);
}

/// `shutdown` gives back what is left of the slices (the counter drops to what was sent), and
/// the governor decides nothing more.
#[tokio::test]
async fn shutdown_returns_the_unused_slices() {
    let redis = Redis::start();
    let g = governor(&redis, "shutdown", hundred_orders_per_10s(), 1_000).await;
    for i in 0..5 {
        assert_eq!(
            g.acquire(at(T0 + 1_000 + i), 1, true).await.unwrap(),
            Decision::Send
        );
    }
    assert!(
        orders_used(&g, T0 + 1_000).await > 5,
        "more than the 5 sent is leased"
    );
    g.shutdown().await.unwrap();
    assert_eq!(orders_used(&g, T0 + 1_000).await, 5);
    assert_eq!(
        g.acquire(at(T0 + 1_010), 1, true).await.unwrap_err(),
        FleetError::ShutDown
    );
    assert!(!FleetError::ShutDown.is_retryable());
}

/// A process that ends without `shutdown` (dropped here; killed, in `fleet_processes`) leaves
/// its slice counted: the others get only the rest of the budget.
#[tokio::test]
async fn a_slice_left_by_a_dropped_process_stays_counted() {
    let redis = Redis::start();
    let a = governor(&redis, "dropped", hundred_orders_per_10s(), 1_000).await;
    for i in 0..10 {
        assert_eq!(
            a.acquire(at(T0 + 1_000 + i), 1, true).await.unwrap(),
            Decision::Send
        );
    }
    let leased = orders_used(&a, T0 + 1_000).await;
    assert!(
        leased > 10,
        "A holds an unused slice: {leased} leased for 10 sent"
    );
    drop(a);
    let b = governor(&redis, "dropped", hundred_orders_per_10s(), 1_000).await;
    let mut sent = 0;
    for i in 0..200 {
        match b.acquire(at(T0 + 2_000 + i), 1, true).await.unwrap() {
            Decision::Send => sent += 1,
            _ => break,
        }
    }
    assert_eq!(sent, 98 - leased, "B gets what A did not lease");
    // The slice ends with its window: the next one is whole again.
    let mut next = 0;
    for i in 0..200 {
        match b.acquire(at(T0 + 10_300 + i), 1, true).await.unwrap() {
            Decision::Send => next += 1,
            _ => break,
        }
    }
    assert_eq!(next, 98);
}

/// A 429 seen by one process stops another that holds a slice within the horizon: its slice
/// decides alone only until then.
#[tokio::test]
async fn a_hold_from_another_process_stops_a_leased_one_within_the_horizon() {
    let redis = Redis::start();
    let a = governor(&redis, "horizon", hundred_orders_per_10s(), 200).await;
    let b = governor(&redis, "horizon", hundred_orders_per_10s(), 200).await;
    for i in 0..4 {
        assert_eq!(
            a.acquire(at(T0 + 1_000 + i), 1, true).await.unwrap(),
            Decision::Send
        );
    }
    b.observe(at(T0 + 1_010), at(T0 + 1_020), 429, [("Retry-After", "30")])
        .await
        .unwrap();
    // Within the horizon of its last store call (by T0 + 1003), A may still use its slice;
    // after it, it asks the store again.
    match a.acquire(at(T0 + 1_003 + 200), 1, true).await.unwrap() {
        Decision::Wait(d) => assert!(d > Duration::from_secs(29), "{d:?}"),
        other => panic!("A is held by B's 429 after the horizon: {other:?}"),
    }
}

/// A successful order's request weight (Binance's 2026-04-02 rule) goes back into the slice it
/// came from: the store keeps it counted, the process uses it again.
#[tokio::test]
async fn a_refund_goes_back_into_the_slice() {
    let redis = Redis::start();
    let weight_limit = vec![RateLimit::new(
        RateLimitType::RequestWeight,
        IntervalUnit::Minute,
        1,
        100,
    )];
    let g = governor(&redis, "refund", weight_limit, 1_000).await;
    let mut orders = 0;
    for i in 0..10 {
        let now = at(T0 + 1_000 + i * 10);
        match RateGate::acquire(&g, now, Weight::order(40)).await.unwrap() {
            binance_sign::limits::Admission::Send(permit) => {
                orders += 1;
                let response = GateResponse {
                    received: at(T0 + 1_005 + i * 10),
                    status: 200,
                    headers: &[],
                    body: None,
                };
                RateGate::settle(&g, permit, response).await.unwrap();
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        orders, 10,
        "400 weight of successful orders within a budget of 98"
    );
    let used = g
        .used(
            at(T0 + 1_200),
            RateLimitType::RequestWeight,
            Duration::from_secs(60),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(used <= 98, "the store counts {used}");
}

/// The fast path's goal: at steady state at least 20 decisions per script call (counted by
/// Redis), here 3,000 decisions 3 ms apart on the spot limits raised out of reach.
#[tokio::test]
async fn twenty_decisions_or_more_per_script_call() {
    let redis = Redis::start();
    let roomy = RateLimit::spot_defaults()
        .into_iter()
        .map(|l| RateLimit {
            limit: 1 << 40,
            ..l
        })
        .collect();
    let g = governor(&redis, "steady", roomy, 250).await;
    let mut now = T0;
    for _ in 0..500 {
        now += 3;
        assert_eq!(g.acquire(at(now), 1, true).await.unwrap(), Decision::Send);
    }
    let before = script_calls(&redis).await;
    for _ in 0..3_000 {
        now += 3;
        assert_eq!(g.acquire(at(now), 1, true).await.unwrap(), Decision::Send);
    }
    let calls = script_calls(&redis).await - before;
    let per_call = 3_000.0 / calls as f64;
    println!("{per_call:.1} decisions per script call");
    assert!(per_call >= 20.0, "{calls} script calls for 3000 decisions");
}

#[tokio::test]
async fn leases_with_no_horizon_or_no_slice_are_refused() {
    for leases in [
        Leases::default().with_horizon(Duration::ZERO),
        Leases::default().with_max_slice(0.0),
        Leases::default().with_max_slice(1.5),
        Leases::default().with_max_slice(f64::NAN),
    ] {
        let err = FleetGovernor::connect(
            "redis://127.0.0.1:1/",
            "x",
            hundred_orders_per_10s(),
            FleetConfig::default().with_leases(Some(leases)),
        )
        .await
        .unwrap_err();
        assert_eq!(err, FleetError::InvalidLeases);
    }
}

/// A store that answers nonsense stops a leased process as it stops any other: once a lease
/// call finds a corrupt value (`FleetError::Corrupt`, naming the key), no slice decides again,
/// not even one still within its horizon, until the store answers soundly.
#[tokio::test]
async fn a_corrupt_store_stops_the_slices_too() {
    let redis = Redis::start();
    let mut limits = hundred_orders_per_10s();
    limits.push(RateLimit::new(
        RateLimitType::RequestWeight,
        IntervalUnit::Minute,
        1,
        1_000,
    ));
    let g = governor(&redis, "corrupt", limits, 1_000).await;
    for i in 0..8 {
        assert_eq!(
            g.acquire(at(T0 + 1_000 + i), 1, false).await.unwrap(),
            Decision::Send
        );
    }
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET")
        .arg("{corrupt}:hold")
        .arg("nan")
        .query_async(&mut conn)
        .await
        .unwrap();
    // An order, which no order slice covers, asks the store, which answers nonsense; then a
    // request that the weight slice would cover, within its horizon, is refused too.
    for (now, is_order) in [(T0 + 1_010, true), (T0 + 1_011, false), (T0 + 1_012, false)] {
        match g.acquire(at(now), 1, is_order).await {
            Err(FleetError::Corrupt { key }) => assert_eq!(key, "{corrupt}:hold"),
            other => panic!("order {is_order} at {now}: {other:?}"),
        }
    }
}

/// 16 tasks of four leasing processes race on one window from a multi-threaded runtime, each
/// sending until told to wait: exactly the budget, every slice counted and used, and the tasks
/// of one process that lose a grant to each other ask again rather than stop early.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_tasks_on_leases_never_send_past_the_budget() {
    let redis = Redis::start();
    let mut governors = Vec::new();
    for _ in 0..4 {
        governors.push(std::sync::Arc::new(
            governor(&redis, "race", hundred_orders_per_10s(), 1_000).await,
        ));
    }
    let mut tasks = Vec::new();
    for task in 0..16 {
        let g = governors[task % 4].clone();
        tasks.push(tokio::spawn(async move {
            let mut sent = 0u64;
            loop {
                match g.acquire(at(T0 + 5_000), 1, true).await.unwrap() {
                    Decision::Send => sent += 1,
                    Decision::Wait(d) if d <= Duration::from_millis(1) => {}
                    _ => return sent,
                }
            }
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    let counted = orders_used(&governors[0], T0 + 5_000).await;
    println!("racing on leases: {total} sent, {counted} counted");
    // A task stops only when its process has nothing left in the window and the store has
    // nothing to grant: every unit leased was sent, and the budget was reached.
    assert_eq!((total, counted), (98, 98));
}
