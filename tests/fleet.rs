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
    Decision, Fallback, FleetConfig, FleetError, FleetGovernor, Governor, IntervalUnit, RateLimit,
    RateLimitType,
};

mod support;
use support::redis_server::Redis;
use support::scripted::Binance;

/// 2026-11-29T00:00:00Z.
const T0: i64 = 1_796_256_000_000;

fn at(ms: i64) -> ServerTime {
    ServerTime::from_millis(ms as u64).unwrap()
}

fn config(fallback: Fallback) -> FleetConfig {
    FleetConfig {
        deadline: Duration::from_millis(100),
        fallback,
        ..FleetConfig::default()
    }
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

#[tokio::test]
async fn the_scripts_keep_windows_holds_bans_and_reported_counts() {
    let redis = Redis::start();
    let orders = vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        10,
    )];
    let a = fleet(&redis, "acct-1", orders.clone(), Fallback::FailClosed).await;
    let b = fleet(&redis, "acct-1", orders.clone(), Fallback::FailClosed).await;
    let other = fleet(&redis, "acct-2", orders.clone(), Fallback::FailClosed).await;
    // Two processes share one budget (10 minus 2% headroom, floored: 9); another prefix is
    // another account.
    let mid = T0 + 5_000;
    let mut sent = 0;
    for i in 0..20 {
        let g = if i % 2 == 0 { &a } else { &b };
        if g.acquire(at(mid), 1, true).await.unwrap() == Decision::Send {
            sent += 1;
        }
    }
    assert_eq!(sent, 9);
    assert_eq!(
        other.acquire(at(mid), 1, true).await.unwrap(),
        Decision::Send
    );
    assert_eq!(
        a.used(at(mid), RateLimitType::Orders, Duration::from_secs(10))
            .await
            .unwrap(),
        Some(9)
    );
    // The wait ends past the boundary plus the margin.
    assert_eq!(
        a.acquire(at(mid), 1, true).await.unwrap(),
        Decision::Wait(Duration::from_millis(5_200))
    );
    // Rollover: a new window, empty.
    assert_eq!(
        b.acquire(at(T0 + 10_500), 1, true).await.unwrap(),
        Decision::Send
    );
    assert_eq!(
        a.used(
            at(T0 + 10_500),
            RateLimitType::Orders,
            Duration::from_secs(10)
        )
        .await
        .unwrap(),
        Some(1)
    );
    // A burst at the end of a window carries into the next, even across a silent window.
    let tail = T0 + 29_900;
    for _ in 0..9 {
        assert_eq!(a.acquire(at(tail), 1, true).await.unwrap(), Decision::Send);
    }
    let head = T0 + 40_050;
    assert!(
        matches!(
            b.acquire(at(head), 1, true).await.unwrap(),
            Decision::Wait(_)
        ),
        "the skipped window holds the carry"
    );
    assert_eq!(
        b.acquire(at(T0 + 40_200), 1, true).await.unwrap(),
        Decision::Send
    );
    // Reported counts: the maximum, in the window the request was counted in.
    a.observe(
        at(T0 + 51_000),
        at(T0 + 51_050),
        200,
        [("X-MBX-ORDER-COUNT-10S", "7")],
    )
    .await
    .unwrap();
    assert_eq!(
        b.used(
            at(T0 + 51_100),
            RateLimitType::Orders,
            Duration::from_secs(10)
        )
        .await
        .unwrap(),
        Some(7)
    );
    a.observe(
        at(T0 + 51_100),
        at(T0 + 51_150),
        200,
        [("X-MBX-ORDER-COUNT-10S", "3")],
    )
    .await
    .unwrap();
    assert_eq!(
        b.used(
            at(T0 + 51_200),
            RateLimitType::Orders,
            Duration::from_secs(10)
        )
        .await
        .unwrap(),
        Some(7)
    );
    // A 429 seen by one process holds the other; a 418 bans it.
    a.observe(
        at(T0 + 60_000),
        at(T0 + 60_000),
        429,
        [("Retry-After", "3")],
    )
    .await
    .unwrap();
    assert_eq!(
        b.acquire(at(T0 + 61_000), 1, false).await.unwrap(),
        Decision::Wait(Duration::from_millis(2_000))
    );
    assert_eq!(
        b.acquire(at(T0 + 63_000), 1, false).await.unwrap(),
        Decision::Send
    );
    a.observe(
        at(T0 + 70_000),
        at(T0 + 70_000),
        418,
        [("retry-after", "120")],
    )
    .await
    .unwrap();
    assert_eq!(
        b.acquire(at(T0 + 100_000), 1, false).await.unwrap(),
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
        b.acquire(at(T0 + 300_000), 1, false).await.unwrap(),
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
    let orders = vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        10,
    )];
    let ahead = fleet(&redis, "ahead", orders.clone(), Fallback::FailClosed).await;
    let behind = fleet(&redis, "ahead", orders, Fallback::FailClosed).await;
    // A process whose estimate runs ahead fills the next window from its start...
    for _ in 0..9 {
        assert_eq!(
            ahead.acquire(at(T0 + 10_300), 1, true).await.unwrap(),
            Decision::Send
        );
    }
    // ...so one still in this window's tail (which may land in the next) waits it out.
    assert_eq!(
        behind.acquire(at(T0 + 9_900), 1, true).await.unwrap(),
        Decision::Wait(Duration::from_millis(10_300))
    );
    assert_eq!(
        behind.acquire(at(T0 + 9_700), 1, true).await.unwrap(),
        Decision::Send
    );
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
            while g.acquire(at(T0 + 5_000), 1, true).await.unwrap() == Decision::Send {
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
    assert_eq!(g.acquire(at(T0), 1, true).await.unwrap(), Decision::Send);
    redis.freeze(true);
    let started = std::time::Instant::now();
    let answer = g.acquire(at(T0 + 1_000), 1, true).await;
    let took = started.elapsed();
    redis.freeze(false);
    assert!(
        matches!(answer, Err(FleetError::Timeout(d)) if d == Duration::from_millis(100)),
        "{answer:?}"
    );
    assert!(took < Duration::from_millis(1_000), "answered in {took:?}");
    // Thawed, it decides again, and what happened before is still counted.
    let mut answer = g.acquire(at(T0 + 2_000), 1, true).await;
    for _ in 0..20 {
        if answer.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        answer = g.acquire(at(T0 + 2_000), 1, true).await;
    }
    assert_eq!(answer.unwrap(), Decision::Send);
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
        assert_eq!(
            a.acquire(at(T0 + 1_000), 1, true).await.unwrap(),
            Decision::Send
        );
    }
    // Down: `a` sends on its share (25 minus headroom: 24; 5 already spent of the fleet's 98
    // counts as ceil(25 × 5 / 100) = 2 of it).
    redis.stop();
    let mut on_share = 0;
    while a.acquire(at(T0 + 2_000), 1, true).await.unwrap() == Decision::Send {
        on_share += 1;
    }
    assert_eq!(on_share, 22);
    // Back, empty: the first decision puts back all 27 sent in the open window, then counts.
    redis.restart();
    let b = fleet(&redis, "restore", orders, Fallback::FailClosed).await;
    let mut answer = a.acquire(at(T0 + 3_000), 1, true).await;
    for _ in 0..40 {
        if answer.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        answer = a.acquire(at(T0 + 3_000), 1, true).await;
    }
    assert_eq!(answer.unwrap(), Decision::Send);
    let ten_s = Duration::from_secs(10);
    assert_eq!(
        b.used(at(T0 + 3_000), RateLimitType::Orders, ten_s)
            .await
            .unwrap(),
        Some(28)
    );
    // Another outage in the next window, the store keeping its data: only what was sent
    // meanwhile is added.
    redis.freeze(true);
    assert_eq!(
        a.acquire(at(T0 + 14_000), 1, true).await.unwrap(),
        Decision::Send
    );
    redis.freeze(false);
    let mut answer = a.acquire(at(T0 + 15_000), 1, true).await;
    for _ in 0..40 {
        if answer.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        answer = a.acquire(at(T0 + 15_000), 1, true).await;
    }
    assert_eq!(answer.unwrap(), Decision::Send);
    let used = b
        .used(at(T0 + 15_000), RateLimitType::Orders, ten_s)
        .await
        .unwrap()
        .unwrap();
    // The one on the share and the one just now (and the frozen decision's script, if it ran
    // late: a timed-out decision may still be counted, which only errs towards less traffic).
    assert!((2..=3).contains(&used), "{used}");
    // The first window kept its 28.
    assert_eq!(
        b.used(at(T0 + 9_000), RateLimitType::Orders, ten_s)
            .await
            .unwrap(),
        Some(28)
    );
}

#[tokio::test]
async fn holds_and_bans_outlive_the_store() {
    let mut redis = Redis::start();
    let a = fleet(
        &redis,
        "ban",
        RateLimit::spot_defaults(),
        Fallback::LocalShare { fleet_size: 2 },
    )
    .await;
    let b = fleet(
        &redis,
        "ban",
        RateLimit::spot_defaults(),
        Fallback::LocalShare { fleet_size: 2 },
    )
    .await;
    assert_eq!(b.acquire(at(T0), 1, false).await.unwrap(), Decision::Send);
    a.observe(at(T0), at(T0 + 10), 418, [("Retry-After", "600")])
        .await
        .unwrap();
    // b learns the ban from the store...
    let banned = Decision::Banned {
        until: at(T0 + 600_010),
    };
    assert_eq!(b.acquire(at(T0 + 1_000), 1, false).await.unwrap(), banned);
    // ...and keeps it when the store is gone, even with a local share to fall back on.
    redis.stop();
    assert_eq!(b.acquire(at(T0 + 2_000), 1, false).await.unwrap(), banned);
    // The store restarts empty: b (which only heard of the ban) puts it back for everyone.
    redis.restart();
    let c = fleet(
        &redis,
        "ban",
        RateLimit::spot_defaults(),
        Fallback::FailClosed,
    )
    .await;
    let mut seen_by_c = None;
    for _ in 0..40 {
        assert_eq!(b.acquire(at(T0 + 3_000), 1, false).await.unwrap(), banned);
        if let Ok(decision) = c.acquire(at(T0 + 4_000), 1, false).await {
            seen_by_c = Some(decision);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        seen_by_c,
        Some(banned),
        "a process that never saw the 418 is banned too"
    );
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

struct Rng(u64);
impl Rng {
    fn next(&mut self, lo: i64, hi: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + (self.0 % (hi - lo) as u64) as i64
    }
}

enum Event {
    Attempt,
    Arrive(i64),
    Response(u16, Vec<(String, String)>, i64),
}

#[derive(Default)]
struct Report {
    binance_orders: u64,
    binance_weight: u64,
    n429: u32,
    n418: u32,
    /// True times at which requests reached Binance, per process.
    sends: Vec<Vec<i64>>,
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
                report.sends[p].push(t);
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
const MINUTES_20: i64 = 20 * 60_000;

#[tokio::test]
async fn a_fleet_of_four_stays_under_the_limits_together() {
    let redis = Redis::start();
    let mut processes = Vec::new();
    for error in ERRORS {
        let g = fleet(
            &redis,
            "fleet",
            RateLimit::spot_defaults(),
            Fallback::FailClosed,
        )
        .await;
        processes.push(Process {
            governor: Governed::Fleet(Box::new(g)),
            error,
        });
    }
    // Orders and weight-20 requests: request weight (6000 per minute) binds.
    let r = simulate(processes, (2, 3), MINUTES_20, None).await;
    assert_eq!((r.n429, r.n418), (0, 0), "no 429 and no 418 for the fleet");
    let weight_per_minute = r.binance_weight as f64 / 20.0;
    println!("fleet, mixed: {weight_per_minute:.0} weight per minute");
    assert!(
        weight_per_minute >= 0.95 * 6000.0,
        "weight per minute: {weight_per_minute}"
    );

    // Orders only: the 100-per-10-s order limit binds.
    let mut processes = Vec::new();
    for error in ERRORS {
        let g = fleet(
            &redis,
            "fleet-orders",
            RateLimit::spot_defaults(),
            Fallback::FailClosed,
        )
        .await;
        processes.push(Process {
            governor: Governed::Fleet(Box::new(g)),
            error,
        });
    }
    let r = simulate(processes, (4, 0), MINUTES_20, None).await;
    assert_eq!((r.n429, r.n418), (0, 0), "no 429 and no 418 for the fleet");
    let orders_per_window = r.binance_orders as f64 / (MINUTES_20 / 10_000) as f64;
    println!("fleet, orders: {orders_per_window:.1} orders per 10 s");
    assert!(
        orders_per_window >= 95.0,
        "orders per 10 s: {orders_per_window}"
    );

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

#[tokio::test]
async fn redis_stopped_mid_run_fails_closed_then_resumes_without_a_burst() {
    let mut redis = Redis::start();
    let mut processes = Vec::new();
    for error in ERRORS {
        let g = fleet(
            &redis,
            "outage",
            RateLimit::spot_defaults(),
            Fallback::FailClosed,
        )
        .await;
        processes.push(Process {
            governor: Governed::Fleet(Box::new(g)),
            error,
        });
    }
    // Down from 61 s to 70 s of true time (a second into a minute, a third of its budget used); restarted empty (no persistence).
    let (down, up) = (61_000, 70_000);
    let r = simulate(processes, (2, 2), 3 * 60_000, Some((down, up, &mut redis))).await;
    assert_eq!(
        (r.n429, r.n418),
        (0, 0),
        "no burst after Redis came back empty"
    );
    assert!(r.refused > 0, "requests were refused while Redis was down");
    for (p, sends) in r.sends.iter().enumerate() {
        // Nothing sent while down (but what was already in flight, at most 80 ms).
        let during = sends
            .iter()
            .filter(|t| **t >= T0 + down + 100 && **t < T0 + up)
            .count();
        assert_eq!(during, 0, "process {p} sent while Redis was down");
        // And traffic resumed: every process sends again.
        assert!(
            sends.iter().any(|t| *t > T0 + up + 5_000),
            "process {p} resumed"
        );
    }
    // Nothing lost: every stream whose request was refused retried it and got through.
    for (s, last) in r.last_send.iter().enumerate() {
        assert!(
            *last > T0 + up + 5_000,
            "stream {s} resumed after the outage"
        );
    }
}

#[tokio::test]
async fn redis_stopped_mid_run_with_a_local_share() {
    let mut redis = Redis::start();
    let mut processes = Vec::new();
    for error in ERRORS {
        let g = fleet(
            &redis,
            "share",
            RateLimit::spot_defaults(),
            Fallback::LocalShare { fleet_size: 4 },
        )
        .await;
        processes.push(Process {
            governor: Governed::Fleet(Box::new(g)),
            error,
        });
    }
    let (down, up) = (61_000, 75_000);
    let r = simulate(processes, (2, 2), 3 * 60_000, Some((down, up, &mut redis))).await;
    assert_eq!((r.n429, r.n418), (0, 0));
    for (p, sends) in r.sends.iter().enumerate() {
        let during: Vec<i64> = sends
            .iter()
            .copied()
            .filter(|t| *t >= T0 + down + 100 && *t < T0 + up)
            .collect();
        assert!(!during.is_empty(), "process {p} kept sending on its share");
        assert!(
            sends.iter().any(|t| *t > T0 + up + 5_000),
            "process {p} resumed"
        );
    }
    for (s, last) in r.last_send.iter().enumerate() {
        assert!(
            *last > T0 + up + 5_000,
            "stream {s} resumed after the outage"
        );
    }
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
