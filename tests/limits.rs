//! The rate-limit governor against a scripted Binance: a simulated day of many concurrent
//! request streams with clock offsets, at the maximum allowed throughput.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

use binance_sign::limits::{
    Decision, Governor, GovernorConfig, LimitsError, RateLimit, RateLimitType, parse_header,
    parse_rate_limits,
};
use proptest::prelude::*;

const DAY: i64 = 86_400_000;
/// 2026-11-29T00:00:00Z.
const T0: i64 = 1_796_256_000_000;

/// Binance as documented: fixed windows aligned to its clock, 429 with Retry-After when over,
/// 418 after repeated violations.
struct Binance {
    limits: Vec<RateLimit>,
    counts: HashMap<(RateLimitType, u64), (i64, u64)>,
    violations: u32,
    banned_until: i64,
    n429: u32,
    n418: u32,
    orders: u64,
    weight: u64,
}

impl Binance {
    fn new(limits: Vec<RateLimit>) -> Self {
        Self {
            limits,
            counts: HashMap::new(),
            violations: 0,
            banned_until: 0,
            n429: 0,
            n418: 0,
            orders: 0,
            weight: 0,
        }
    }

    fn handle(&mut self, t: i64, weight: u64, is_order: bool) -> (u16, Vec<(String, String)>) {
        if t < self.banned_until {
            self.n418 += 1;
            return (
                418,
                vec![(
                    "Retry-After".into(),
                    ((self.banned_until - t) / 1000 + 1).to_string(),
                )],
            );
        }
        let mut over = None;
        let mut headers = Vec::new();
        for limit in &self.limits {
            let len = limit.window_millis();
            let start = t.div_euclid(len as i64) * len as i64;
            let entry = self
                .counts
                .entry((limit.rate_limit_type, len))
                .or_insert((start, 0));
            if entry.0 != start {
                *entry = (start, 0);
            }
            let add = match limit.rate_limit_type {
                RateLimitType::RequestWeight => weight,
                RateLimitType::Orders => u64::from(is_order),
                _ => 1,
            };
            entry.1 += add;
            if entry.1 > limit.limit {
                over = Some(start + len as i64);
            }
            let suffix = match len {
                10_000 => "10S",
                60_000 => "1M",
                300_000 => "5M",
                86_400_000 => "1D",
                _ => unreachable!(),
            };
            match limit.rate_limit_type {
                RateLimitType::RequestWeight => {
                    headers.push((format!("X-MBX-USED-WEIGHT-{suffix}"), entry.1.to_string()))
                }
                RateLimitType::Orders if is_order => headers.push((
                    format!("x-mbx-order-count-{}", suffix.to_lowercase()),
                    entry.1.to_string(),
                )),
                _ => {}
            }
        }
        if let Some(end) = over {
            self.violations += 1;
            self.n429 += 1;
            if self.violations >= 3 {
                self.banned_until = t + 120_000;
            }
            headers.push(("Retry-After".into(), ((end - t) / 1000 + 1).to_string()));
            return (429, headers);
        }
        self.weight += weight;
        self.orders += u64::from(is_order);
        (200, headers)
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
    Arrive,
    Response(u16, Vec<(String, String)>),
}

/// Simulates `duration` ms with `order_streams` streams placing orders (weight 1) and
/// `data_streams` streams of weight-`data_weight` requests, the client's server-time estimate
/// off by `offset` ms.
fn simulate(
    duration: i64,
    offset: i64,
    order_streams: usize,
    data_streams: usize,
    data_weight: u64,
) -> Binance {
    let limits = RateLimit::spot_defaults();
    let governor = Governor::with_config(
        limits.clone(),
        GovernorConfig {
            headroom: 0.02,
            ..GovernorConfig::default()
        },
    );
    let mut binance = Binance::new(limits);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ offset as u64);
    let mut queue: BinaryHeap<Reverse<(i64, usize, u64)>> = BinaryHeap::new();
    let mut events: HashMap<u64, Event> = HashMap::new();
    let mut seq = 0u64;
    let mut push = |queue: &mut BinaryHeap<_>,
                    events: &mut HashMap<u64, Event>,
                    t: i64,
                    stream: usize,
                    e: Event| {
        seq += 1;
        events.insert(seq, e);
        queue.push(Reverse((t, stream, seq)));
    };
    let streams = order_streams + data_streams;
    for s in 0..streams {
        push(&mut queue, &mut events, T0 + s as i64, s, Event::Attempt);
    }
    while let Some(Reverse((t, s, id))) = queue.pop() {
        if t >= T0 + duration {
            break;
        }
        let is_order = s < order_streams;
        let weight = if is_order { 1 } else { data_weight };
        match events.remove(&id).unwrap() {
            Event::Attempt => match governor.acquire(t + offset, weight as u32, is_order) {
                Decision::Send => {
                    let up = rng.next(3, 80);
                    push(&mut queue, &mut events, t + up, s, Event::Arrive);
                }
                Decision::Wait(d) => push(
                    &mut queue,
                    &mut events,
                    t + d.as_millis() as i64,
                    s,
                    Event::Attempt,
                ),
                Decision::Banned {
                    until_server_millis,
                } => push(
                    &mut queue,
                    &mut events,
                    until_server_millis - offset,
                    s,
                    Event::Attempt,
                ),
                other => panic!("{other:?}"),
            },
            Event::Arrive => {
                let (status, headers) = binance.handle(t, weight, is_order);
                let down = rng.next(3, 80);
                push(
                    &mut queue,
                    &mut events,
                    t + down,
                    s,
                    Event::Response(status, headers),
                );
            }
            Event::Response(status, headers) => {
                governor
                    .observe(
                        t + offset,
                        status,
                        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    )
                    .unwrap();
                push(&mut queue, &mut events, t, s, Event::Attempt);
            }
        }
    }
    binance
}

#[test]
fn a_simulated_day_at_full_throughput_without_429_or_418() {
    for offset in [-150, 0, 150] {
        // Orders only: the daily order limit (200000) binds.
        let b = simulate(DAY, offset, 8, 0, 1);
        assert_eq!((b.n429, b.n418), (0, 0), "orders, offset {offset} ms");
        assert!(
            b.orders as f64 >= 0.95 * 200_000.0 && b.orders <= 200_000,
            "orders {}",
            b.orders
        );
        // Orders and weight-20 requests together: request weight (6000/min) binds.
        let b = simulate(DAY, offset, 4, 8, 20);
        assert_eq!((b.n429, b.n418), (0, 0), "mixed, offset {offset} ms");
        let per_minute = b.weight as f64 / 1440.0;
        assert!(
            (0.95 * 6000.0..=6000.0).contains(&per_minute),
            "weight/min {per_minute}"
        );
    }
}

#[test]
fn order_bursts_stay_under_the_ten_second_window() {
    // One hour of order streams only: the 100-per-10-s window binds.
    let b = simulate(3_600_000, 120, 12, 0, 1);
    assert_eq!((b.n429, b.n418), (0, 0));
    let per_window = b.orders as f64 / 360.0;
    assert!(
        (95.0..=100.0).contains(&per_window),
        "orders per 10 s: {per_window}"
    );
}

#[test]
fn without_the_governor_the_script_does_answer_429_and_418() {
    // The scripted Binance is not toothless.
    let mut b = Binance::new(RateLimit::spot_defaults());
    let statuses: Vec<u16> = (0..105).map(|i| b.handle(T0 + i, 1, true).0).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 3);
    assert_eq!(statuses.last(), Some(&418));
}

#[test]
fn retry_after_holds_everything() {
    let g = Governor::new(RateLimit::spot_defaults());
    assert_eq!(g.acquire(T0, 1, false), Decision::Send);
    g.observe(T0, 429, [("Retry-After", "7")]).unwrap();
    assert_eq!(
        g.acquire(T0 + 1, 1, false),
        Decision::Wait(Duration::from_millis(6_999))
    );
    assert!(matches!(g.acquire(T0 + 6_999, 1, true), Decision::Wait(_)));
    assert_eq!(g.acquire(T0 + 7_000, 1, false), Decision::Send);
    // No Retry-After: the configured default (60 s).
    g.observe(T0 + 8_000, 429, []).unwrap();
    assert!(matches!(
        g.acquire(T0 + 67_999, 1, false),
        Decision::Wait(_)
    ));
    assert_eq!(g.acquire(T0 + 68_000, 1, false), Decision::Send);
}

#[test]
fn a_ban_refuses_until_it_ends() {
    let g = Governor::new(RateLimit::spot_defaults());
    g.observe(T0, 418, [("retry-after", "120")]).unwrap();
    for t in [T0, T0 + 60_000, T0 + 119_999] {
        assert_eq!(
            g.acquire(t, 1, false),
            Decision::Banned {
                until_server_millis: T0 + 120_000
            }
        );
    }
    assert_eq!(g.acquire(T0 + 120_000, 1, false), Decision::Send);
}

#[test]
fn reported_counts_are_learned() {
    let g = Governor::new(RateLimit::spot_defaults());
    // Another process on the same IP used 5800 weight: with 2% headroom (budget 5880), a
    // request of weight 100 must wait for the next minute; one of weight 10 fits.
    g.observe(
        T0 + 1_000,
        200,
        [("X-MBX-USED-WEIGHT-1M", "5800"), ("Content-Type", "x")],
    )
    .unwrap();
    assert_eq!(
        g.used(T0 + 1_000, RateLimitType::RequestWeight, 60_000),
        Some(5800)
    );
    assert!(
        matches!(g.acquire(T0 + 2_000, 100, false), Decision::Wait(d) if d == Duration::from_millis(58_200))
    );
    assert_eq!(g.acquire(T0 + 2_000, 10, false), Decision::Send);
    // WebSocket rateLimits.
    let ws = serde_json::json!([{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100,"count":99}]);
    g.observe_ws(T0 + 3_000, &ws).unwrap();
    assert!(matches!(g.acquire(T0 + 3_000, 1, true), Decision::Wait(_)));
    assert!(
        g.observe(T0, 200, [("X-MBX-USED-WEIGHT-1M", "lots")])
            .is_err()
    );
}

#[test]
fn shared_between_threads() {
    let g = std::sync::Arc::new(Governor::new(vec![RateLimit::new(
        RateLimitType::Orders,
        binance_sign::limits::IntervalUnit::Second,
        10,
        100,
    )]));
    let sent: usize = (0..8)
        .map(|_| {
            let g = g.clone();
            std::thread::spawn(move || {
                (0..50)
                    .filter(|_| g.acquire(T0 + 5_000, 1, true) == Decision::Send)
                    .count()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .sum();
    assert_eq!(
        sent, 98,
        "exactly the budget (100 minus 2% headroom), across threads"
    );
}

#[test]
fn header_parsing() {
    for (name, window) in [
        ("X-MBX-USED-WEIGHT-1S", 1_000),
        ("X-MBX-USED-WEIGHT-1M", 60_000),
        ("x-mbx-used-weight-1h", 3_600_000),
        ("X-MBX-USED-WEIGHT-1D", 86_400_000),
        ("X-MBX-ORDER-COUNT-10S", 10_000),
        ("X-MBX-ORDER-COUNT-100M", 6_000_000),
        ("X-SAPI-USED-IP-WEIGHT-1M", 60_000),
        ("X-SAPI-USED-UID-WEIGHT-1M", 60_000),
    ] {
        let r = parse_header(name, "42").unwrap().unwrap();
        assert_eq!((r.window_millis, r.count), (window, 42), "{name}");
    }
    assert_eq!(
        parse_header("X-SAPI-USED-UID-WEIGHT-1M", "1")
            .unwrap()
            .unwrap()
            .kind,
        RateLimitType::SapiUidWeight
    );
    for ignored in [
        "Content-Type",
        "X-MBX-USED-WEIGHT",
        "X-MBX-UUID",
        "Retry-After",
    ] {
        assert_eq!(
            parse_header(ignored, "whatever").unwrap(),
            None,
            "{ignored}"
        );
    }
    for (name, value) in [
        ("X-MBX-USED-WEIGHT-1M", ""),
        ("X-MBX-USED-WEIGHT-1M", "-1"),
        ("X-MBX-USED-WEIGHT-1M", "1.5"),
        ("X-MBX-USED-WEIGHT-1M", "99999999999999999999"),
        ("X-MBX-USED-WEIGHT-1M", "1e3"),
    ] {
        assert!(
            matches!(
                parse_header(name, value),
                Err(LimitsError::MalformedValue { .. })
            ),
            "{value:?}"
        );
    }
    for name in [
        "X-MBX-USED-WEIGHT-",
        "X-MBX-USED-WEIGHT-M",
        "X-MBX-USED-WEIGHT-0M",
        "X-MBX-USED-WEIGHT-1X",
        "X-MBX-ORDER-COUNT-1",
        "X-MBX-ORDER-COUNT-é",
    ] {
        assert!(
            matches!(
                parse_header(name, "1"),
                Err(LimitsError::MalformedInterval(_))
            ),
            "{name}"
        );
    }
}

#[test]
fn exchange_info_rate_limits() {
    let json = r#"{"timezone":"UTC","serverTime":1,"rateLimits":[
        {"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000},
        {"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100},
        {"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,"limit":200000},
        {"rateLimitType":"RAW_REQUESTS","interval":"MINUTE","intervalNum":5,"limit":61000}],"symbols":[]}"#;
    assert_eq!(parse_rate_limits(json).unwrap(), RateLimit::spot_defaults());
    assert!(parse_rate_limits("{}").is_err());
    assert!(
        parse_rate_limits(
            r#"[{"rateLimitType":"BOGUS","interval":"MINUTE","intervalNum":1,"limit":1}]"#
        )
        .is_err()
    );
}

proptest! {
    #[test]
    fn header_parsing_never_panics(name in ".{0,40}", value in ".{0,30}", suffix in "[0-9A-Za-z]{0,8}") {
        let _ = parse_header(&name, &value);
        let _ = parse_header(&format!("X-MBX-USED-WEIGHT-{suffix}"), &value);
        let g = Governor::new(RateLimit::spot_defaults());
        let _ = g.observe(T0, 429, [(name.as_str(), value.as_str())]);
        let _ = parse_rate_limits(&value);
    }
}

#[cfg(feature = "http")]
#[test]
fn observes_an_http_header_map() {
    let g = Governor::new(RateLimit::spot_defaults());
    let mut headers = http::HeaderMap::new();
    headers.insert("x-mbx-used-weight-1m", "5870".parse().unwrap());
    headers.insert("retry-after", "3".parse().unwrap());
    g.observe_http(T0, http::StatusCode::TOO_MANY_REQUESTS, &headers)
        .unwrap();
    assert_eq!(g.used(T0, RateLimitType::RequestWeight, 60_000), Some(5870));
    assert_eq!(
        g.acquire(T0 + 2_999, 1, false),
        Decision::Wait(Duration::from_millis(1))
    );
    assert_eq!(g.acquire(T0 + 3_000, 10, false), Decision::Send);
    assert!(
        matches!(g.acquire(T0 + 3_000, 1, false), Decision::Wait(_)),
        "5880 used of a 5880 budget"
    );
}

#[test]
fn small_limits_and_heavy_requests() {
    use binance_sign::limits::IntervalUnit;
    let g = Governor::new(vec![RateLimit::new(
        RateLimitType::RequestWeight,
        IntervalUnit::Minute,
        1,
        10,
    )]);
    // Heavier than the 2% headroom leaves (budget 9) but within the limit: only into an empty window.
    assert_eq!(g.acquire(T0, 10, false), Decision::Send);
    assert!(matches!(g.acquire(T0 + 1, 10, false), Decision::Wait(_)));
    assert!(matches!(g.acquire(T0, 11, false), Decision::TooHeavy { limit } if limit.limit == 10));
    let one = Governor::new(vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        1,
    )]);
    assert_eq!(
        one.acquire(T0, 1, true),
        Decision::Send,
        "a limit of 1 is not rounded to 0"
    );
    assert!(matches!(one.acquire(T0 + 1, 1, true), Decision::Wait(_)));
}
