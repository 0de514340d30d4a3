//! The fleet governor against a real `redis-server` (started here on 127.0.0.1, on a free port,
//! without persistence, stopped at the end): the Lua scripts' rules, a fleet of four processes
//! sharing one account and IP against the scripted Binance, and Redis stopped mid-run.
#![cfg(feature = "redis")]
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss
)]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

use binance_sign::ServerTime;
use binance_sign::limits::{
    Decision, Fallback, FleetConfig, FleetError, FleetGovernor, Governor, IntervalUnit, Leases,
    RateLimit, RateLimitType,
};

mod support;
use support::redis_server::Redis;
use support::scripted::{Binance, Event, Rng, T0};

fn at(ms: i64) -> ServerTime {
    ServerTime::from_millis(ms as u64).unwrap()
}

/// A deadline generous enough that a loaded CI machine never times out by accident (the
/// timeout test freezes Redis instead).
fn config(fallback: Fallback) -> FleetConfig {
    FleetConfig::default()
        .with_deadline(Duration::from_millis(1_000))
        .with_fallback(fallback)
}

async fn fleet(
    redis: &Redis,
    prefix: &str,
    limits: Vec<RateLimit>,
    fallback: Fallback,
) -> FleetGovernor {
    FleetGovernor::connect(&redis.url(), prefix, limits, config(fallback))
        .await
        .unwrap()
}

/// One order decision at `now`, the store reachable.
async fn order(g: &FleetGovernor, now: i64) -> Decision {
    g.acquire(at(now), 1, true).await.unwrap()
}

/// One weight-1 request that is not an order, at `now`, the store reachable.
async fn request(g: &FleetGovernor, now: i64) -> Decision {
    g.acquire(at(now), 1, false).await.unwrap()
}

/// The fleet's order count in the 10-s window containing `now`.
async fn orders_used(g: &FleetGovernor, now: i64) -> Option<u64> {
    g.used(at(now), RateLimitType::Orders, Duration::from_secs(10))
        .await
        .unwrap()
}

/// A response with one header, sent at `sent` and received at `received`.
async fn respond(g: &FleetGovernor, sent: i64, received: i64, status: u16, header: (&str, &str)) {
    g.observe(at(sent), at(received), status, [header])
        .await
        .unwrap();
}

/// An order decision at `now`, retried for up to 2 s while the store is coming back.
async fn once_reachable(g: &FleetGovernor, now: i64) -> Decision {
    for _ in 0..40 {
        if let Ok(decision) = g.acquire(at(now), 1, true).await {
            return decision;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the store did not come back within 2 s");
}

#[tokio::test]
async fn the_scripts_keep_windows_and_carries() {
    let redis = Redis::start();
    let orders = ten_orders_per_10s();
    let a = fleet(&redis, "acct-1", orders.clone(), Fallback::FailClosed).await;
    let b = fleet(&redis, "acct-1", orders.clone(), Fallback::FailClosed).await;
    let other = fleet(&redis, "acct-2", orders.clone(), Fallback::FailClosed).await;
    // Two processes share one budget (10 minus 2% headroom, floored: 9); another prefix is
    // another account.
    let mid = T0 + 5_000;
    let mut sent = 0;
    for i in 0..20 {
        let g = if i % 2 == 0 { &a } else { &b };
        if order(g, mid).await == Decision::Send {
            sent += 1;
        }
    }
    assert_eq!(sent, 9);
    assert_eq!(order(&other, mid).await, Decision::Send);
    assert_eq!(orders_used(&a, mid).await, Some(9));
    // The wait ends past the boundary plus the margin.
    assert_eq!(
        order(&a, mid).await,
        Decision::Wait(Duration::from_millis(5_200))
    );
    // Rollover: a new window, empty.
    assert_eq!(order(&b, T0 + 10_500).await, Decision::Send);
    assert_eq!(orders_used(&a, T0 + 10_500).await, Some(1));
    // A burst at the end of a window carries into the next, even across a silent window.
    let tail = T0 + 29_900;
    for _ in 0..9 {
        assert_eq!(order(&a, tail).await, Decision::Send);
    }
    let head = T0 + 40_050;
    assert!(
        matches!(order(&b, head).await, Decision::Wait(_)),
        "the skipped window holds the carry"
    );
    assert_eq!(order(&b, T0 + 40_200).await, Decision::Send);
}

#[tokio::test]
async fn the_scripts_keep_reported_counts_holds_and_bans() {
    let redis = Redis::start();
    let orders = ten_orders_per_10s();
    let a = fleet(&redis, "acct-1", orders.clone(), Fallback::FailClosed).await;
    let b = fleet(&redis, "acct-1", orders.clone(), Fallback::FailClosed).await;
    let other = fleet(&redis, "acct-2", orders.clone(), Fallback::FailClosed).await;
    // Reported counts: the maximum, in the window the request was counted in.
    respond(
        &a,
        T0 + 51_000,
        T0 + 51_050,
        200,
        ("X-MBX-ORDER-COUNT-10S", "7"),
    )
    .await;
    assert_eq!(orders_used(&b, T0 + 51_100).await, Some(7));
    respond(
        &a,
        T0 + 51_100,
        T0 + 51_150,
        200,
        ("X-MBX-ORDER-COUNT-10S", "3"),
    )
    .await;
    assert_eq!(orders_used(&b, T0 + 51_200).await, Some(7));
    // A 429 seen by one process holds the other; a 418 bans it.
    respond(&a, T0 + 60_000, T0 + 60_000, 429, ("Retry-After", "3")).await;
    assert_eq!(
        request(&b, T0 + 61_000).await,
        Decision::Wait(Duration::from_millis(2_000))
    );
    assert_eq!(request(&b, T0 + 63_000).await, Decision::Send);
    respond(&a, T0 + 70_000, T0 + 70_000, 418, ("retry-after", "120")).await;
    assert_eq!(
        request(&b, T0 + 100_000).await,
        Decision::Banned {
            until: at(T0 + 190_000)
        }
    );
    let body = format!(
        r#"{{"code":-1003,"msg":"IP banned until {}."}}"#,
        T0 + 400_000
    );
    assert!(a.observe_body(at(T0 + 100_000), &body).await.unwrap());
    assert_eq!(
        request(&b, T0 + 300_000).await,
        Decision::Banned {
            until: at(T0 + 400_000)
        }
    );
    // Another account is neither held nor banned.
    assert_eq!(
        other.acquire(at(T0 + 300_000), 11, true).await.unwrap(),
        Decision::Send
    );
    let heavy = fleet(
        &redis,
        "acct-3",
        vec![RateLimit::new(
            RateLimitType::RequestWeight,
            IntervalUnit::Minute,
            1,
            10,
        )],
        Fallback::FailClosed,
    )
    .await;
    assert!(matches!(
        heavy.acquire(at(T0), 11, false).await.unwrap(),
        Decision::TooHeavy { .. }
    ));
}

#[tokio::test]
async fn the_next_window_filled_by_a_clock_ahead_holds_the_tail_of_this_one() {
    let redis = Redis::start();
    let orders = ten_orders_per_10s();
    let ahead = fleet(&redis, "ahead", orders.clone(), Fallback::FailClosed).await;
    let behind = fleet(&redis, "ahead", orders, Fallback::FailClosed).await;
    // A process whose estimate runs ahead fills the next window from its start...
    for _ in 0..9 {
        assert_eq!(order(&ahead, T0 + 10_300).await, Decision::Send);
    }
    // ...so one still in this window's tail (which may land in the next) waits it out.
    assert_eq!(
        order(&behind, T0 + 9_900).await,
        Decision::Wait(Duration::from_millis(10_300))
    );
    assert_eq!(order(&behind, T0 + 9_700).await, Decision::Send);
}

/// Sends until told to wait, from `tasks` tasks on a multi-threaded runtime at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_decisions_never_reserve_past_the_budget() {
    let redis = Redis::start();
    let orders = vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        100,
    )];
    let mut governors = Vec::new();
    for _ in 0..4 {
        governors.push(std::sync::Arc::new(
            fleet(&redis, "race", orders.clone(), Fallback::FailClosed).await,
        ));
    }
    let mut tasks = Vec::new();
    for task in 0..16 {
        let g = governors[task % 4].clone();
        tasks.push(tokio::spawn(async move {
            let mut sent = 0u32;
            while order(&g, T0 + 5_000).await == Decision::Send {
                sent += 1;
            }
            sent
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    // 100 minus 2% headroom: exactly 98 sends among 16 racing tasks.
    assert_eq!(total, 98);
}

#[tokio::test]
async fn a_store_that_does_not_answer_in_time_is_a_timeout() {
    let redis = Redis::start();
    let g = fleet(
        &redis,
        "slow",
        RateLimit::spot_defaults(),
        Fallback::FailClosed,
    )
    .await;
    assert_eq!(order(&g, T0).await, Decision::Send);
    redis.freeze(true);
    let started = std::time::Instant::now();
    let answer = g.acquire(at(T0 + 1_000), 1, true).await;
    let took = started.elapsed();
    redis.freeze(false);
    assert!(
        matches!(answer, Err(FleetError::Timeout(d)) if d == Duration::from_millis(1_000)),
        "{answer:?}"
    );
    assert!(took < Duration::from_millis(3_000), "answered in {took:?}");
    // Thawed, it decides again, and what happened before is still counted.
    assert_eq!(once_reachable(&g, T0 + 2_000).await, Decision::Send);
    // Both sends are counted; a decision that timed out may be counted too when the frozen
    // store catches up with it: a late script only ever errs on the side of less traffic.
    let used = g
        .used(
            at(T0 + 2_000),
            RateLimitType::Orders,
            Duration::from_secs(10),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(used >= 2, "{used}");
}

#[tokio::test]
async fn what_was_sent_is_put_back_after_an_empty_restart_or_an_outage() {
    let mut redis = Redis::start();
    let orders = vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        100,
    )];
    let a = fleet(
        &redis,
        "restore",
        orders.clone(),
        Fallback::LocalShare { fleet_size: 4 },
    )
    .await;
    for _ in 0..5 {
        assert_eq!(order(&a, T0 + 1_000).await, Decision::Send);
    }
    // Down: `a` sends on its share (25 minus headroom: 24; 5 already spent of the fleet's 98
    // counts as ceil(25 × 5 / 100) = 2 of it).
    redis.stop();
    let mut on_share = 0;
    while order(&a, T0 + 2_000).await == Decision::Send {
        on_share += 1;
    }
    assert_eq!(on_share, 22);
    // Back, empty: the first decision puts back all 27 sent in the open window, then counts.
    redis.restart();
    let b = fleet(&redis, "restore", orders, Fallback::FailClosed).await;
    assert_eq!(once_reachable(&a, T0 + 3_000).await, Decision::Send);
    assert_eq!(orders_used(&b, T0 + 3_000).await, Some(28));
    // Another outage in the next window, the store keeping its data: only what was sent
    // meanwhile is added. (A share starts from what the fleet used in the window as this
    // process last saw it; a window it has seen nothing of counts as spent.)
    assert_eq!(order(&a, T0 + 10_500).await, Decision::Send);
    redis.freeze(true);
    assert_eq!(order(&a, T0 + 14_000).await, Decision::Send);
    redis.freeze(false);
    assert_eq!(once_reachable(&a, T0 + 15_000).await, Decision::Send);
    let used = orders_used(&b, T0 + 15_000).await.unwrap();
    // The one before, the one on the share and the one just now (and the frozen decision's
    // script, if it ran late: a timed-out decision may still be counted, which only errs
    // towards less traffic).
    assert!((3..=4).contains(&used), "{used}");
    // The first window kept its 28.
    assert_eq!(orders_used(&b, T0 + 9_000).await, Some(28));
    // A window this process has seen nothing of is spent for its share.
    redis.stop();
    assert!(matches!(order(&a, T0 + 21_000).await, Decision::Wait(_)));
}

#[tokio::test]
async fn holds_and_bans_outlive_the_store() {
    // A 418 ban, then a 429 hold, both until 600 s after the response.
    for (status, prefix) in [(418, "ban"), (429, "hold")] {
        let until = T0 + 600_010;
        let expect = |t: i64| match status {
            418 => Decision::Banned { until: at(until) },
            _ => Decision::Wait(Duration::from_millis((until - t) as u64)),
        };
        let mut redis = Redis::start();
        let share = Fallback::LocalShare { fleet_size: 2 };
        let a = fleet(&redis, prefix, RateLimit::spot_defaults(), share).await;
        let b = fleet(&redis, prefix, RateLimit::spot_defaults(), share).await;
        assert_eq!(request(&b, T0).await, Decision::Send);
        respond(&a, T0, T0 + 10, status, ("Retry-After", "600")).await;
        // b learns it from the store...
        assert_eq!(
            request(&b, T0 + 1_000).await,
            expect(T0 + 1_000),
            "{status}"
        );
        // ...and keeps it when the store is gone, even with a local share to fall back on.
        redis.stop();
        for g in [&a, &b] {
            assert_eq!(request(g, T0 + 2_000).await, expect(T0 + 2_000), "{status}");
        }
        // The store restarts empty: a (which saw it from Binance) puts it back for everyone;
        // b, which only read it in the store, keeps it for itself but writes nothing back (an
        // operator who deletes a hold is not overruled by processes that never saw it).
        redis.restart();
        let c = fleet(
            &redis,
            prefix,
            RateLimit::spot_defaults(),
            Fallback::FailClosed,
        )
        .await;
        let mut seen_by_c = None;
        for _ in 0..40 {
            assert_eq!(
                request(&b, T0 + 3_000).await,
                expect(T0 + 3_000),
                "{status}"
            );
            assert_eq!(
                request(&a, T0 + 3_000).await,
                expect(T0 + 3_000),
                "{status}"
            );
            if let Ok(decision) = c.acquire(at(T0 + 4_000), 1, false).await {
                seen_by_c = Some(decision);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            seen_by_c,
            Some(expect(T0 + 4_000)),
            "{status}: a process that never saw it is held too"
        );
    }
}

/// Many tasks of one process find the store restarted empty at once: what the process sent is
/// put back once, not once per task.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tasks_restore_once() {
    let mut redis = Redis::start();
    let orders = vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        100,
    )];
    let g = std::sync::Arc::new(fleet(&redis, "once", orders, Fallback::FailClosed).await);
    for _ in 0..5 {
        assert_eq!(order(&g, T0 + 1_000).await, Decision::Send);
    }
    redis.restart_empty();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let g = g.clone();
        tasks.push(tokio::spawn(
            async move { once_reachable(&g, T0 + 2_000).await },
        ));
    }
    let mut sent = 0;
    for task in tasks {
        sent += u64::from(task.await.unwrap() == Decision::Send);
    }
    assert_eq!(sent, 16);
    assert_eq!(orders_used(&g, T0 + 2_000).await, Some(5 + 16));
}

enum Governed {
    Fleet(Box<FleetGovernor>),
    Local(Governor),
}

struct Process {
    governor: Governed,
    /// The process's server-time estimate minus the true time, ms.
    error: i64,
}

impl Process {
    async fn acquire(&self, now: i64, weight: u32, is_order: bool) -> Result<Decision, FleetError> {
        match &self.governor {
            Governed::Fleet(g) => g.acquire(at(now), weight, is_order).await,
            Governed::Local(g) => Ok(g.acquire(at(now), weight, is_order)),
        }
    }

    async fn observe(&self, sent: i64, received: i64, status: u16, headers: &[(String, String)]) {
        let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        match &self.governor {
            Governed::Fleet(g) => {
                let _ = g.observe(at(sent), at(received), status, pairs).await;
            }
            Governed::Local(g) => {
                let _ = g.observe(at(sent), at(received), status, pairs);
            }
        }
    }
}

#[derive(Default)]
struct Report {
    binance_orders: u64,
    binance_weight: u64,
    n429: u32,
    n418: u32,
    /// Per process, the requests that reached Binance: true time, weight, whether an order.
    sends: Vec<Vec<(i64, u64, bool)>>,
    /// Decisions refused because the store was unreachable.
    refused: u32,
    /// The true time each request stream last reached Binance.
    last_send: Vec<i64>,
}

/// `duration` ms of the processes, each with `orders` order streams and `data` weight-20
/// streams. `outage`: Redis stopped during this span of true time.
async fn simulate(
    processes: Vec<Process>,
    (orders, data): (usize, usize),
    duration: i64,
    mut outage: Option<(i64, i64, &mut Redis)>,
) -> Report {
    let limits = RateLimit::spot_defaults();
    let mut binance = Binance::new(limits);
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut queue: BinaryHeap<Reverse<(i64, usize, u64)>> = BinaryHeap::new();
    let mut events: HashMap<u64, Event> = HashMap::new();
    let mut seq = 0u64;
    let per_process = orders + data;
    let total = processes.len() * per_process;
    for s in 0..total {
        seq += 1;
        events.insert(seq, Event::Attempt);
        queue.push(Reverse((T0 + s as i64 * 7, s, seq)));
    }
    let mut report = Report {
        sends: vec![Vec::new(); processes.len()],
        last_send: vec![i64::MIN; total],
        ..Report::default()
    };
    let (mut stopped, mut restarted) = (false, false);
    while let Some(Reverse((t, s, id))) = queue.pop() {
        if t >= T0 + duration {
            break;
        }
        if let Some((from, to, redis)) = outage.as_mut() {
            if !stopped && t >= T0 + *from {
                redis.stop();
                stopped = true;
            }
            if stopped && !restarted && t >= T0 + *to {
                redis.restart();
                restarted = true;
            }
        }
        let p = s / per_process;
        let process = &processes[p];
        let is_order = s % per_process < orders;
        let weight = if is_order { 1 } else { 20 };
        let next = match events.remove(&id).unwrap() {
            Event::Attempt => match process.acquire(t + process.error, weight, is_order).await {
                Ok(Decision::Send) => Some((t + rng.next(3, 80), Event::Arrive(t + process.error))),
                Ok(Decision::Wait(d)) => Some((t + d.as_millis() as i64, Event::Attempt)),
                Ok(Decision::Banned { until }) => {
                    Some((until.as_millis() as i64 - process.error, Event::Attempt))
                }
                Ok(other) => panic!("{other:?}"),
                Err(_) => {
                    report.refused += 1;
                    Some((t + 2_000, Event::Attempt))
                }
            },
            Event::Arrive(sent) => {
                report.sends[p].push((t, u64::from(weight), is_order));
                report.last_send[s] = t;
                let (status, headers) = binance.handle(t, u64::from(weight), is_order);
                Some((t + rng.next(3, 80), Event::Response(status, headers, sent)))
            }
            Event::Response(status, headers, sent) => {
                process
                    .observe(sent, t + process.error, status, &headers)
                    .await;
                Some((t, Event::Attempt))
            }
        };
        if let Some((when, event)) = next {
            seq += 1;
            events.insert(seq, event);
            queue.push(Reverse((when, s, seq)));
        }
    }
    report.binance_orders = binance.orders;
    report.binance_weight = binance.weight;
    report.n429 = binance.n429;
    report.n418 = binance.n418;
    report
}

const ERRORS: [i64; 4] = [-150, 150, -60, 95];

/// Four processes sharing `prefix`, each with its own connection and clock error.
async fn fleet_of_four(redis: &Redis, prefix: &str, fallback: Fallback) -> Vec<Process> {
    fleet_of_four_leasing(redis, prefix, fallback, None).await
}

/// The same, with `leases` (the fast path) if given.
async fn fleet_of_four_leasing(
    redis: &Redis,
    prefix: &str,
    fallback: Fallback,
    leases: Option<Leases>,
) -> Vec<Process> {
    let mut processes = Vec::new();
    for error in ERRORS {
        let config = config(fallback).with_leases(leases);
        let g = FleetGovernor::connect(&redis.url(), prefix, RateLimit::spot_defaults(), config)
            .await
            .unwrap();
        processes.push(Process {
            governor: Governed::Fleet(Box::new(g)),
            error,
        });
    }
    processes
}
const MINUTES_20: i64 = 20 * 60_000;

/// Four processes (on `leases` if given) for 20 simulated minutes, first with orders and
/// weight-20 requests (request weight, 6000 per minute, binds), then orders only (the 100 per
/// 10 s order limit binds): 0 429s, 0 418s, at least 95% of the binding limit.
async fn four_reach_the_limit_together(redis: &Redis, prefix: &str, leases: Option<Leases>) {
    for (mix, what) in [((2, 3), "mixed"), ((4, 0), "orders")] {
        let prefix = format!("{prefix}-{what}");
        let processes = fleet_of_four_leasing(redis, &prefix, Fallback::FailClosed, leases).await;
        let r = simulate(processes, mix, MINUTES_20, None).await;
        assert_eq!((r.n429, r.n418), (0, 0), "{prefix}: no 429 and no 418");
        let (used, goal, unit) = if what == "mixed" {
            (
                r.binance_weight as f64 / 20.0,
                0.95 * 6000.0,
                "weight per minute",
            )
        } else {
            (r.binance_orders as f64 / 120.0, 95.0, "orders per 10 s")
        };
        println!("{prefix}: {used:.1} {unit}");
        assert!(used >= goal, "{prefix}: {used} {unit}");
    }
}

#[tokio::test]
async fn a_fleet_of_four_stays_under_the_limits_together() {
    let redis = Redis::start();
    four_reach_the_limit_together(&redis, "fleet", None).await;
    // The same fleet with a governor per process overruns the shared limits.
    let processes = ERRORS
        .iter()
        .map(|&error| Process {
            governor: Governed::Local(Governor::new(RateLimit::spot_defaults())),
            error,
        })
        .collect();
    let r = simulate(processes, (2, 3), MINUTES_20, None).await;
    assert!(
        r.n429 > 0,
        "per-process governors get 429s: {} 429s, {} 418s",
        r.n429,
        r.n418
    );
}

/// The same fleet on leases (the fast path): still 0 429s and 0 418s, at 95% or more of the
/// binding limit, mixed traffic and orders only, 20 minutes (120 order windows).
#[tokio::test]
async fn a_fleet_of_four_on_leases_stays_under_the_limits_together() {
    let redis = Redis::start();
    four_reach_the_limit_together(&redis, "lease", Some(Leases::default())).await;
}

/// Redis stopped and restarted empty under a fleet on leases: nothing sent while it is down
/// once the slices are spent or past their horizon (250 ms), no burst after.
#[tokio::test]
async fn redis_stopped_mid_run_under_leases_fails_closed_then_resumes_without_a_burst() {
    let mut redis = Redis::start();
    let leases = Some(Leases::default());
    let processes =
        fleet_of_four_leasing(&redis, "lease-outage", Fallback::FailClosed, leases).await;
    let (down, up) = (61_000, 70_000);
    let r = simulate(processes, (2, 2), 3 * 60_000, Some((down, up, &mut redis))).await;
    r.assert_closed_while_down((down + 250, up));
}

impl Report {
    /// Per process, the requests that reached Binance while Redis was down (but those in
    /// flight when it went, at most 80 ms).
    fn sent_while_down(&self, (down, up): (i64, i64)) -> Vec<Vec<(i64, u64, bool)>> {
        let during = |s: &&(i64, u64, bool)| s.0 >= T0 + down + 100 && s.0 < T0 + up;
        self.sends
            .iter()
            .map(|sends| sends.iter().filter(during).copied().collect())
            .collect()
    }

    /// Failed closed while Redis was down (from `down`) and resumed without a burst after
    /// `up`: no 429 or 418, requests refused meanwhile, none sent, every stream back after.
    fn assert_closed_while_down(&self, (down, up): (i64, i64)) {
        assert_eq!(
            (self.n429, self.n418),
            (0, 0),
            "no burst after Redis came back empty"
        );
        assert!(
            self.refused > 0,
            "requests were refused while Redis was down"
        );
        for (p, sent) in self.sent_while_down((down, up)).iter().enumerate() {
            assert!(
                sent.is_empty(),
                "process {p} sent {} requests while Redis was down",
                sent.len()
            );
        }
        self.assert_resumed(up);
    }

    /// Traffic resumed after Redis came back: every request stream (so every process) got
    /// through again; nothing refused was lost.
    fn assert_resumed(&self, up: i64) {
        for (s, last) in self.last_send.iter().enumerate() {
            assert!(
                *last > T0 + up + 5_000,
                "stream {s} resumed after the outage"
            );
        }
    }
}

#[tokio::test]
async fn redis_stopped_mid_run_fails_closed_then_resumes_without_a_burst() {
    let mut redis = Redis::start();
    let processes = fleet_of_four(&redis, "outage", Fallback::FailClosed).await;
    // Down from 61 s to 70 s of true time (a second into a minute, a third of its budget
    // used); restarted empty (no persistence).
    let (down, up) = (61_000, 70_000);
    let r = simulate(processes, (2, 2), 3 * 60_000, Some((down, up, &mut redis))).await;
    r.assert_closed_while_down((down, up));
}

#[tokio::test]
async fn redis_stopped_mid_run_with_a_local_share() {
    let mut redis = Redis::start();
    let processes = fleet_of_four(&redis, "share", Fallback::LocalShare { fleet_size: 4 }).await;
    let (down, up) = (61_000, 75_000);
    let r = simulate(processes, (2, 2), 3 * 60_000, Some((down, up, &mut redis))).await;
    assert_eq!((r.n429, r.n418), (0, 0));
    // Each process within its share: 6000 / 4 weight in the minute the outage falls in, and
    // 100 / 4 orders in each 10-s window.
    for (p, sent) in r.sent_while_down((down, up)).iter().enumerate() {
        assert!(!sent.is_empty(), "process {p} kept sending on its share");
        let weight: u64 = sent.iter().map(|s| s.1).sum();
        assert!(
            weight <= 1_500,
            "process {p} sent {weight} weight on its share"
        );
        for window in [60_000, 70_000] {
            let orders = sent
                .iter()
                .filter(|s| s.2 && s.0 >= T0 + window && s.0 < T0 + window + 10_000)
                .count();
            assert!(
                orders <= 25,
                "process {p} sent {orders} orders in one window on its share"
            );
        }
    }
    r.assert_resumed(up);
}

#[tokio::test]
async fn a_local_share_of_no_processes_is_refused() {
    let err = FleetGovernor::connect(
        "redis://127.0.0.1:1/",
        "x",
        RateLimit::spot_defaults(),
        config(Fallback::LocalShare { fleet_size: 0 }),
    )
    .await
    .unwrap_err();
    assert_eq!(err, FleetError::ZeroFleetSize);
}

#[test]
fn the_fleet_governor_is_shared_across_tasks() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<FleetGovernor>();
    shared::<FleetError>();
}

/// `observe_http` reads an `http::HeaderMap` as `observe` reads pairs: a 429's `Retry-After`
/// holds the whole fleet, and the error says whether waiting can help.
#[cfg(feature = "http")]
#[tokio::test]
async fn observe_http_holds_the_fleet_and_errors_say_whether_to_retry() {
    let redis = Redis::start();
    let limits = RateLimit::spot_defaults();
    let a = fleet(&redis, "acct-http", limits.clone(), Fallback::FailClosed).await;
    let b = fleet(&redis, "acct-http", limits, Fallback::FailClosed).await;
    let now = T0 + 1_000;
    assert_eq!(request(&a, now).await, Decision::Send);
    let mut headers = http::HeaderMap::new();
    headers.insert("retry-after", http::HeaderValue::from_static("5"));
    a.observe_http(
        at(now),
        at(now + 10),
        http::StatusCode::TOO_MANY_REQUESTS,
        &headers,
    )
    .await
    .unwrap();
    assert!(matches!(request(&b, now + 20).await, Decision::Wait(d) if d.as_secs() >= 4));
    assert!(FleetError::Timeout(Duration::from_millis(1)).is_retryable());
    assert!(!FleetError::ZeroFleetSize.is_retryable());
}

/// What an operator, a bug or another program may leave under the governor's keys, and which
/// the scripts must refuse to read as a count, hold or ban. `None`: a key of another type.
const CORRUPT_VALUES: [Option<&str>; 10] = [
    Some("-1"),
    Some("-9223372036854775808"),
    Some("nan"),
    Some("inf"),
    Some("1e400"),
    Some(""),
    Some("12abc"),
    Some("1234567890123456"),
    Some(" 5"),
    None,
];

/// Every corrupt value under the hold, the ban or the current window's counter gives
/// `FleetError::Corrupt` naming the key, in both fallback modes (a local share never decides
/// around a store that answers nonsense), and nothing is sent; a hold or ban further away than
/// the longest hold (3 days) is corrupt too. Against the tests' own `redis-server`.
#[tokio::test]
async fn a_corrupt_store_value_fails_closed_naming_the_key() {
    let redis = Redis::start();
    let mut conn = connection(&redis).await;
    let orders = ten_orders_per_10s();
    let now = T0 + 5_000;
    let window = now - now % 10_000;
    let four_days = (now + 4 * 24 * 3_600_000).to_string();
    let mut case = 0;
    for fallback in [Fallback::FailClosed, Fallback::LocalShare { fleet_size: 2 }] {
        for what in ["hold", "ban", "counter"] {
            let far = (what != "counter").then_some(Some(four_days.as_str()));
            for value in CORRUPT_VALUES.into_iter().chain(far) {
                case += 1;
                let prefix = format!("corrupt-{case}");
                let key = match what {
                    "counter" => format!("{{{prefix}}}:c:ORDERS:10000:10:{window}"),
                    other => format!("{{{prefix}}}:{other}"),
                };
                let _: () = redis::cmd("DEL")
                    .arg(&key)
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                let cmd = match value {
                    Some(text) => {
                        let mut cmd = redis::cmd("SET");
                        cmd.arg(&key).arg(text);
                        cmd
                    }
                    None => {
                        let mut cmd = redis::cmd("RPUSH");
                        cmd.arg(&key).arg("x");
                        cmd
                    }
                };
                cmd.query_async::<()>(&mut conn).await.unwrap();
                // The Rust reading of the same rule agrees.
                if let Some(text) = value {
                    let rust = if what == "counter" {
                        binance_sign::advanced::parse_store_count(text.as_bytes())
                    } else {
                        binance_sign::advanced::parse_store_hold(text.as_bytes(), now as u64)
                    };
                    assert_eq!(rust, None, "{what} = {text:?}");
                }
                let g = fleet(&redis, &prefix, orders.clone(), fallback).await;
                let decision = g.acquire(at(now), 1, true).await;
                assert_eq!(
                    decision,
                    Err(FleetError::Corrupt { key: key.clone() }),
                    "{what} = {value:?}, {fallback:?}"
                );
                assert!(!decision.unwrap_err().is_retryable());
            }
        }
    }
}

/// A sound value is read as before, by the scripts and by `used`; `used` refuses a corrupt
/// one with the same rule.
#[tokio::test]
async fn a_sound_store_value_is_read_and_a_corrupt_one_refused_by_used() {
    let redis = Redis::start();
    let mut conn = connection(&redis).await;
    let orders = ten_orders_per_10s();
    let now = T0 + 5_000;
    let window = now - now % 10_000;
    let g = fleet(&redis, "sound", orders.clone(), Fallback::FailClosed).await;
    let key = format!("{{sound}}:c:ORDERS:10000:10:{window}");
    redis::cmd("SET")
        .arg(&key)
        .arg("3")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    assert_eq!(order(&g, now).await, Decision::Send);
    assert_eq!(
        g.used(at(now), RateLimitType::Orders, Duration::from_secs(10))
            .await,
        Ok(Some(4))
    );
    // `used` reads with the same rule.
    redis::cmd("SET")
        .arg(&key)
        .arg("-4")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        g.used(at(now), RateLimitType::Orders, Duration::from_secs(10))
            .await,
        Err(FleetError::Corrupt { key })
    );
}

/// A hold this process read from the store (not from Binance) is not written back when an
/// operator deleted it: a restart of the store, or a restore, does not bring it back.
#[tokio::test]
async fn a_hold_read_from_the_store_is_not_written_back() {
    let redis = Redis::start();
    let mut conn = connection(&redis).await;
    let orders = ten_orders_per_10s();
    let a = fleet(&redis, "ops", orders.clone(), Fallback::FailClosed).await;
    let b = fleet(&redis, "ops", orders.clone(), Fallback::FailClosed).await;
    let now = T0 + 5_000;
    assert_eq!(order(&a, now).await, Decision::Send);
    // A learns a 429 hold from Binance; B reads it from the store.
    respond(&a, now, now, 429, ("Retry-After", "60")).await;
    assert!(matches!(order(&b, now + 1_000).await, Decision::Wait(_)));
    // The operator deletes it; B, which only read it, does not put it back.
    let _: () = redis::cmd("DEL")
        .arg("{ops}:hold")
        .query_async(&mut conn)
        .await
        .unwrap();
    let _ = order(&b, now + 2_000).await;
    let held: Option<String> = redis::cmd("GET")
        .arg("{ops}:hold")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(held, None, "B wrote back a hold it never saw from Binance");
}

/// No convoy behind a frozen store: 20 concurrent callers each get their answer within about
/// one deadline (1 s here), not one deadline after another (20 s); and with a hold on record,
/// the answer is local and comes back at once for all but at most the one caller that tries to
/// put the hold back.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_frozen_store_makes_no_convoy() {
    let redis = Redis::start();
    let orders = vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        100,
    )];
    let g = std::sync::Arc::new(fleet(&redis, "convoy", orders, Fallback::FailClosed).await);
    assert_eq!(order(&g, T0).await, Decision::Send);
    redis.freeze(true);
    let timed = |g: std::sync::Arc<FleetGovernor>, t: i64| async move {
        let started = std::time::Instant::now();
        let answer = g.acquire(at(t), 1, true).await;
        (answer, started.elapsed())
    };
    // The store cannot answer: every caller is refused (nothing sent), each within about one
    // deadline.
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..20)
        .map(|i| tokio::spawn(timed(g.clone(), T0 + 1_000 + i)))
        .collect();
    for task in tasks {
        let (answer, took) = task.await.unwrap();
        assert!(answer.is_err(), "{answer:?}");
        assert!(took < Duration::from_millis(2_500), "answered in {took:?}");
    }
    assert!(started.elapsed() < Duration::from_millis(3_000));
    // A 429 hold on record (the store write times out; the hold is in place locally).
    let _ = g
        .observe(at(T0 + 3_000), at(T0 + 3_000), 429, [("Retry-After", "60")])
        .await;
    let tasks: Vec<_> = (0..20)
        .map(|i| tokio::spawn(timed(g.clone(), T0 + 4_000 + i)))
        .collect();
    let mut quick = 0;
    for task in tasks {
        let (answer, took) = task.await.unwrap();
        assert!(matches!(answer, Ok(Decision::Wait(_))), "{answer:?}");
        assert!(took < Duration::from_millis(2_500), "answered in {took:?}");
        if took < Duration::from_millis(300) {
            quick += 1;
        }
    }
    assert!(quick >= 19, "{quick} of 20 answered a known hold at once");
    redis.freeze(false);
}

/// A plain connection to the tests' Redis, to read and write keys behind the governor's back.
async fn connection(redis: &Redis) -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(redis.url()).unwrap();
    client.get_multiplexed_async_connection().await.unwrap()
}

/// One limit: 10 orders per 10 s.
fn ten_orders_per_10s() -> Vec<RateLimit> {
    vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        10,
    )]
}

/// Observes `header` at `g` until the store takes it (it may be restarting).
async fn observe_until_stored(g: &FleetGovernor, at_ms: i64, header: (&str, &str)) {
    for _ in 0..40 {
        if g.observe(at(at_ms), at(at_ms), 200, [header]).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the store did not take the report within 2 s");
}

/// An empty restart counts nothing twice: four processes send 300 orders each (1200 of 2000 a
/// day), Redis restarts empty, Binance's report of 1200 reaches one process first and the
/// others then restore. The count stays at what was sent and the next orders go out (the store
/// used to hold 2103 and tell a process to wait until UTC midnight).
#[tokio::test]
async fn an_empty_restart_counts_nothing_twice() {
    let mut redis = Redis::start();
    let daily = vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Day,
        1,
        2000,
    )];
    let mut fleet_of_four = Vec::new();
    for _ in 0..4 {
        fleet_of_four.push(fleet(&redis, "day", daily.clone(), Fallback::FailClosed).await);
    }
    let now = T0 + 3_600_000;
    for round in 0..300 {
        for g in &fleet_of_four {
            assert_eq!(order(g, now + round).await, Decision::Send);
        }
    }
    let day = Duration::from_secs(86_400);
    let used = async |g: &FleetGovernor, t: i64| {
        g.used(at(t), RateLimitType::Orders, day)
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(used(&fleet_of_four[0], now + 400).await, 1200);
    redis.restart_empty();
    observe_until_stored(
        &fleet_of_four[0],
        now + 500,
        ("X-MBX-ORDER-COUNT-1D", "1200"),
    )
    .await;
    for g in &fleet_of_four[1..] {
        assert_eq!(once_reachable(g, now + 1_000).await, Decision::Send);
    }
    let after = used(&fleet_of_four[0], now + 1_100).await;
    assert!(
        (1203..=1204).contains(&after),
        "{after}: sends counted twice after the restart"
    );
}

/// A and B spend 2900 of 6000 weight each in one minute, interleaved; Redis restarts empty; A
/// comes back first. It may spend at most what is left of the 6000 (it used to be allowed its
/// own 2900 again: 8700 at Binance).
#[tokio::test]
async fn after_an_empty_restart_the_first_back_spends_only_what_is_left() {
    let mut redis = Redis::start();
    let weight = vec![RateLimit::new(
        RateLimitType::RequestWeight,
        IntervalUnit::Minute,
        1,
        6000,
    )];
    let a = fleet(&redis, "ab", weight.clone(), Fallback::FailClosed).await;
    let b = fleet(&redis, "ab", weight.clone(), Fallback::FailClosed).await;
    let now = T0 + 1_000;
    for i in 0..29 {
        for g in [&a, &b] {
            assert_eq!(
                g.acquire(at(now + i), 100, false).await.unwrap(),
                Decision::Send
            );
        }
    }
    redis.restart_empty();
    let mut more = 0;
    for i in 0..40 {
        match a.acquire(at(now + 5_000 + i), 100, false).await {
            Ok(Decision::Send) => more += 1,
            Ok(_) => break,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    assert!(
        5800 + more * 100 <= 6000,
        "A sent {more} x 100 more: {} of 6000 at Binance",
        5800 + more * 100
    );
}

/// Empty restarts at several points of a minute, under the mixed load that makes request
/// weight bind: four processes, Redis gone for 50 ms of true time and back empty, no 429 and
/// no 418 at Binance in any run.
#[tokio::test]
async fn empty_restarts_at_several_points_of_a_minute_cause_no_429() {
    for (run, at_second) in [5_i64, 31, 58].into_iter().enumerate() {
        let mut redis = Redis::start();
        let processes =
            fleet_of_four(&redis, &format!("restarts-{run}"), Fallback::FailClosed).await;
        let from = 60_000 + at_second * 1_000;
        let r = simulate(
            processes,
            (2, 3),
            3 * 60_000,
            Some((from, from + 50, &mut redis)),
        )
        .await;
        assert_eq!(
            (r.n429, r.n418),
            (0, 0),
            "a restart {at_second} s into a minute: {} 429s, {} 418s",
            r.n429,
            r.n418
        );
    }
}

/// Binance's 2026-04-02 rule through the fleet: a successful order's request weight goes back
/// to the store; a failed one, a lost response, or a config without the rule keep it, and a
/// refund never goes below what Binance reported.
#[tokio::test]
async fn a_successful_order_gives_its_weight_back_to_the_fleet() {
    use binance_sign::limits::{Admission, GateResponse, IntervalUnit, RateGate, Weight};
    let redis = Redis::start();
    let limits = vec![RateLimit::new(
        RateLimitType::RequestWeight,
        IntervalUnit::Minute,
        1,
        6000,
    )];
    let now = 1_700_000_010_000;
    let used = async |g: &FleetGovernor| {
        g.used(
            at(now),
            RateLimitType::RequestWeight,
            Duration::from_secs(60),
        )
        .await
        .unwrap()
    };
    let response = |status| GateResponse {
        received: at(now),
        status,
        headers: &[],
        body: None,
    };
    for (case, status, refunded) in [("success", 200, true), ("failure", 400, false)] {
        let g = fleet(
            &redis,
            &format!("refund:{case}"),
            limits.clone(),
            Fallback::FailClosed,
        )
        .await;
        let Admission::Send(permit) = RateGate::acquire(&g, at(now), Weight::order(10))
            .await
            .unwrap()
        else {
            panic!("{case}: sent")
        };
        assert_eq!(used(&g).await, Some(10), "{case}");
        g.settle(permit, response(status)).await.unwrap();
        assert_eq!(
            used(&g).await,
            Some(if refunded { 0 } else { 10 }),
            "{case}"
        );
    }
    // A lost response: the permit is never settled.
    let g = fleet(&redis, "refund:lost", limits.clone(), Fallback::FailClosed).await;
    let permit = RateGate::acquire(&g, at(now), Weight::order(10))
        .await
        .unwrap();
    let _never_settled = permit;
    assert_eq!(used(&g).await, Some(10));
    // Never below Binance's count for the window.
    let g = fleet(&redis, "refund:floor", limits.clone(), Fallback::FailClosed).await;
    let Admission::Send(permit) = RateGate::acquire(&g, at(now), Weight::order(10))
        .await
        .unwrap()
    else {
        panic!("sent")
    };
    respond(&g, now, now, 200, ("X-MBX-USED-WEIGHT-1M", "4")).await;
    g.settle(permit, response(200)).await.unwrap();
    assert_eq!(used(&g).await, Some(4));
    // Where the rule does not apply.
    let off = FleetGovernor::connect(
        &redis.url(),
        "refund:off",
        limits.clone(),
        config(Fallback::FailClosed).with_governor(
            binance_sign::limits::GovernorConfig::default().with_refund_successful_orders(false),
        ),
    )
    .await
    .unwrap();
    let Admission::Send(permit) = RateGate::acquire(&off, at(now), Weight::order(10))
        .await
        .unwrap()
    else {
        panic!("sent")
    };
    off.settle(permit, response(200)).await.unwrap();
    assert_eq!(used(&off).await, Some(10));
}
