//! The rate-limit governor against a scripted Binance: a simulated day of many concurrent
//! request streams with clock offsets, at the maximum allowed throughput; bursts around skipped
//! windows; and a governor that fails closed on any response.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

use binance_sign::ServerTime;
use binance_sign::advanced::parse_header;
use binance_sign::limits::{
    Decision, Governor, GovernorConfig, IntervalUnit, LimitsError, RateLimit, RateLimitType,
    parse_rate_limits,
};
use proptest::prelude::*;

mod support;
use support::scripted::{Binance, Event, Rng, T0};

/// A server time in ms.
fn at(ms: i64) -> ServerTime {
    ServerTime::from_millis(ms as u64).unwrap()
}

const DAY: i64 = 86_400_000;

/// A run: how long, which streams, how far each stream's server-time estimate is off, and
/// whether responses are fed back to the governor.
struct Run {
    duration: i64,
    order_streams: usize,
    data_streams: usize,
    data_weight: u64,
    /// Clock error of stream `i`: `errors[i % errors.len()]` ms (estimate − true).
    errors: Vec<i64>,
    observe: bool,
    /// How long each stream pauses after a response before its next request, ms.
    pace: i64,
    config: GovernorConfig,
}

impl Run {
    fn new(
        duration: i64,
        offset: i64,
        order_streams: usize,
        data_streams: usize,
        data_weight: u64,
    ) -> Self {
        Self {
            duration,
            order_streams,
            data_streams,
            data_weight,
            errors: vec![offset],
            observe: true,
            pace: 0,
            config: GovernorConfig::default(),
        }
    }

    fn simulate(&self) -> Binance {
        self.simulate_with_margin().0
    }

    /// The run, and the boundary margin the governor ended with.
    fn simulate_with_margin(&self) -> (Binance, Duration) {
        let limits = RateLimit::spot_defaults();
        let governor = Governor::with_config(limits.clone(), self.config);
        let mut binance = Binance::new(limits);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ self.errors[0] as u64);
        let mut queue = EventQueue::default();
        let streams = self.order_streams + self.data_streams;
        for s in 0..streams {
            queue.push(T0 + s as i64, s, Event::Attempt);
        }
        while let Some((t, s, event)) = queue.pop() {
            if t >= T0 + self.duration {
                break;
            }
            let error = self.errors[s % self.errors.len()];
            let is_order = s < self.order_streams;
            let weight = if is_order { 1 } else { self.data_weight };
            match event {
                Event::Attempt => match governor.acquire(at(t + error), weight as u32, is_order) {
                    Decision::Send => {
                        let up = rng.next(3, 80);
                        queue.push(t + up, s, Event::Arrive(t + error));
                    }
                    Decision::Wait(d) => queue.push(t + d.as_millis() as i64, s, Event::Attempt),
                    Decision::Banned { until } => {
                        queue.push(until.as_millis() as i64 - error, s, Event::Attempt)
                    }
                    other => panic!("{other:?}"),
                },
                Event::Arrive(sent) => {
                    let (status, headers) = binance.handle(t, weight, is_order);
                    let down = rng.next(3, 80);
                    queue.push(t + down, s, Event::Response(status, headers, sent));
                }
                Event::Response(status, headers, sent) => {
                    let headers = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                    if self.observe {
                        governor
                            .observe(at(sent), at(t + error), status, headers)
                            .unwrap();
                    } else {
                        // Only the status: a bot that reads no counts still honours 429/418.
                        governor
                            .observe(
                                at(sent),
                                at(t + error),
                                status,
                                headers.filter(|(k, _)| k.eq_ignore_ascii_case("retry-after")),
                            )
                            .unwrap();
                    }
                    queue.push(t + self.pace, s, Event::Attempt);
                }
            }
        }
        (binance, governor.boundary_margin())
    }
}

fn simulate(
    duration: i64,
    offset: i64,
    order_streams: usize,
    data_streams: usize,
    data_weight: u64,
) -> Binance {
    Run::new(duration, offset, order_streams, data_streams, data_weight).simulate()
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

/// An hour of orders with the estimate 400 ms off (twice the default boundary margin) and
/// Binance's counts observed. A count reported for the window a request was counted in must not
/// be taken for the next window's (throughput halved before the fix), and the counts show the
/// governor how far off the estimate is: after a 429 or two at the first boundaries it widens
/// its margin and runs clean. With the margin configured to cover the error, no 429 at all.
#[test]
fn reported_counts_go_to_their_window_at_400_ms_clock_error() {
    for error in [-400, 400] {
        for configured in [200, 450] {
            // Paced streams offering a little under the limit: requests are in flight at every
            // boundary.
            let mut run = Run::new(3_600_000, error, 12, 0, 1);
            run.pace = 1_160;
            run.config.boundary_margin = Duration::from_millis(configured);
            let (b, margin) = run.simulate_with_margin();
            let per_window = b.orders as f64 / 360.0;
            assert!(
                (95.0..=100.0).contains(&per_window),
                "error {error} ms, margin {configured} ms: orders per 10 s: {per_window}"
            );
            assert_eq!(b.n418, 0);
            if configured > 400 {
                assert_eq!(b.n429, 0, "error {error} ms, margin {configured} ms");
            } else {
                assert!(b.n429 <= 3, "error {error} ms: {} 429s", b.n429);
                if error > 0 {
                    assert!(
                        margin >= Duration::from_millis(400),
                        "learned margin {margin:?}"
                    );
                }
            }
        }
    }
}

/// A burst at the end of a window, a silent window, a burst at the start of the next: with the
/// first burst's clock 150 ms slow and the second's 150 ms fast, both can land in the silent
/// window on Binance's clock. Orders of 10-s windows, with clock errors that differ between the
/// bursts and between clients (request `k` of a burst comes from client `k % n`, each with its
/// own error, fixed or drawn from ±150 ms), with and without observed counts: no window ever
/// holds more than its limit.
#[test]
fn bursts_around_a_silent_window_never_exceed_the_limit() {
    let limits = vec![
        RateLimit::new(RateLimitType::Orders, IntervalUnit::Second, 10, 100),
        RateLimit::new(RateLimitType::RequestWeight, IntervalUnit::Minute, 1, 6000),
    ];
    let cases = burst_cases();
    for observe in [false, true] {
        for (first, second) in &cases {
            for weight in [1u32, 30] {
                let governor = Governor::new(limits.clone());
                let mut binance = Binance::new(limits.clone());
                // Window starts: W0 at T0 (a whole minute), the silent W1, W2.
                let w0 = T0;
                let mut responses = Vec::new();
                // The first client of the first burst estimates 130 ms before the end of W0;
                // the first of the second burst 50 ms into W2.
                let first_sent = burst(
                    &governor,
                    weight,
                    w0 + 9_870 - first[0],
                    first,
                    100,
                    &mut binance,
                    &mut responses,
                );
                assert!(first_sent > 0);
                if observe {
                    for (sent, status, headers) in responses.drain(..) {
                        governor
                            .observe(
                                at(sent),
                                at(sent + 30),
                                status,
                                headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                            )
                            .unwrap();
                    }
                }
                let second_sent = burst(
                    &governor,
                    weight,
                    w0 + 20_050 - second[0],
                    second,
                    2_000,
                    &mut binance,
                    &mut responses,
                );
                assert_eq!(
                    second_sent, 98,
                    "the second burst goes out, after a wait at most"
                );
                assert_eq!(
                    (binance.n429, binance.n418),
                    (0, 0),
                    "errors {first:?}/{second:?} ms, weight {weight}, observe {observe}"
                );
            }
        }
    }
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
    assert_eq!(g.acquire(at(T0), 1, false), Decision::Send);
    g.observe(at(T0), at(T0), 429, [("Retry-After", "7")])
        .unwrap();
    assert_eq!(
        g.acquire(at(T0 + 1), 1, false),
        Decision::Wait(Duration::from_millis(6_999))
    );
    assert!(matches!(
        g.acquire(at(T0 + 6_999), 1, true),
        Decision::Wait(_)
    ));
    assert_eq!(g.acquire(at(T0 + 7_000), 1, false), Decision::Send);
    // No Retry-After: the configured default (60 s).
    g.observe(at(T0 + 8_000), at(T0 + 8_000), 429, []).unwrap();
    assert!(matches!(
        g.acquire(at(T0 + 67_999), 1, false),
        Decision::Wait(_)
    ));
    assert_eq!(g.acquire(at(T0 + 68_000), 1, false), Decision::Send);
    // An HTTP date.
    let date = httpdate::fmt_http_date(
        std::time::UNIX_EPOCH + Duration::from_millis((T0 + 100_000) as u64),
    );
    g.observe(
        at(T0 + 90_000),
        at(T0 + 90_000),
        429,
        [("retry-after", date.as_str())],
    )
    .unwrap();
    assert!(matches!(
        g.acquire(at(T0 + 99_999), 1, false),
        Decision::Wait(_)
    ));
    assert_eq!(g.acquire(at(T0 + 100_000), 1, false), Decision::Send);
}

/// A malformed header, a proxy's `Retry-After`, an unreadable count: the 429 or 418 is still
/// recorded before the error is reported.
#[test]
fn holds_are_recorded_whatever_else_is_malformed() {
    for (status, headers) in [
        (
            429,
            vec![("Retry-After", "soon"), ("X-MBX-USED-WEIGHT-1M", "lots")],
        ),
        (
            429,
            vec![("X-MBX-USED-WEIGHT-1M", "lots"), ("Retry-After", "30")],
        ),
        (418, vec![("X-MBX-ORDER-COUNT-0S", "1")]),
        (418, vec![("Retry-After", "-5")]),
    ] {
        let g = Governor::new(RateLimit::spot_defaults());
        assert!(
            g.observe(at(T0), at(T0), status, headers.clone()).is_err(),
            "{headers:?}"
        );
        let decision = g.acquire(at(T0 + 1_000), 1, false);
        match status {
            429 => assert!(
                matches!(decision, Decision::Wait(d) if d >= Duration::from_secs(29)),
                "{decision:?}"
            ),
            _ => assert!(
                matches!(decision, Decision::Banned { until } if until >= at(T0 + 120_000)),
                "{decision:?}"
            ),
        }
    }
}

#[test]
fn a_ban_refuses_until_it_ends() {
    let g = Governor::new(RateLimit::spot_defaults());
    g.observe(at(T0), at(T0), 418, [("retry-after", "120")])
        .unwrap();
    for t in [T0, T0 + 60_000, T0 + 119_999] {
        assert_eq!(
            g.acquire(at(t), 1, false),
            Decision::Banned {
                until: at(T0 + 120_000)
            }
        );
    }
    assert_eq!(g.acquire(at(T0 + 120_000), 1, false), Decision::Send);
    // The -1003 message names a longer ban.
    let body = format!(
        r#"{{"code":-1003,"msg":"Way too much request weight used; IP banned until {}. Please use WebSocket Streams for live updates to avoid bans."}}"#,
        T0 + 3_600_000
    );
    assert!(g.observe_body(&body));
    assert!(!g.observe_body(
        r#"{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}"#
    ));
    assert_eq!(
        g.acquire(at(T0 + 200_000), 1, false),
        Decision::Banned {
            until: at(T0 + 3_600_000)
        }
    );
    // The WebSocket form: status, error.data.retryAfter.
    let g = Governor::new(RateLimit::spot_defaults());
    let ws = serde_json::json!({"id":"1","status":418,"error":{"code":-1003,"msg":"banned","data":{"serverTime":T0,"retryAfter":T0 + 600_000}}});
    g.observe_ws(at(T0), at(T0), &ws).unwrap();
    assert_eq!(
        g.acquire(at(T0 + 599_999), 1, false),
        Decision::Banned {
            until: at(T0 + 600_000)
        }
    );
}

#[test]
fn reported_counts_are_learned() {
    let g = Governor::new(RateLimit::spot_defaults());
    // Another process on the same IP used 5800 weight: with 2% headroom (budget 5880), a
    // request of weight 100 must wait for the next minute; one of weight 10 fits.
    g.observe(
        at(T0 + 1_000),
        at(T0 + 1_000),
        200,
        [("X-MBX-USED-WEIGHT-1M", "5800"), ("Content-Type", "x")],
    )
    .unwrap();
    assert_eq!(
        g.used(
            at(T0 + 1_000),
            RateLimitType::RequestWeight,
            Duration::from_secs(60)
        ),
        Some(5800)
    );
    assert!(
        matches!(g.acquire(at(T0 + 2_000), 100, false), Decision::Wait(d) if d == Duration::from_millis(58_200))
    );
    assert_eq!(g.acquire(at(T0 + 2_000), 10, false), Decision::Send);
    // WebSocket rateLimits.
    let ws = serde_json::json!({"id":"1","status":200,"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100,"count":99}]});
    g.observe_ws(at(T0 + 3_000), at(T0 + 3_000), &ws).unwrap();
    assert!(matches!(
        g.acquire(at(T0 + 3_000), 1, true),
        Decision::Wait(_)
    ));
    assert!(
        g.observe(at(T0), at(T0), 200, [("X-MBX-USED-WEIGHT-1M", "lots")])
            .is_err()
    );
    // A count for a request sent in the previous window is that window's, not this one's.
    let g = Governor::new(RateLimit::spot_defaults());
    g.observe(
        at(T0 + 59_990),
        at(T0 + 60_040),
        200,
        [("X-MBX-USED-WEIGHT-1M", "5870")],
    )
    .unwrap();
    assert_eq!(g.acquire(at(T0 + 60_300), 1000, false), Decision::Send);
}

#[test]
fn shared_between_threads() {
    let g = std::sync::Arc::new(Governor::new(vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        100,
    )]));
    let sent: usize = (0..8)
        .map(|_| {
            let g = g.clone();
            std::thread::spawn(move || {
                (0..50)
                    .filter(|_| g.acquire(at(T0 + 5_000), 1, true) == Decision::Send)
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
        assert_eq!(
            (r.window, r.count),
            (Duration::from_millis(window), 42),
            "{name}"
        );
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
        {"rateLimitType":"RAW_REQUESTS","interval":"MINUTE","intervalNum":5,"limit":300000}],"symbols":[]}"#;
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
        let _ = parse_rate_limits(&value);
    }

    /// Any status, any header bytes, any times: `observe` never panics, and after a 429 or 418
    /// nothing is sent before the hold ends.
    #[test]
    fn observe_fails_closed_on_any_response(
        status in prop_oneof![Just(429u16), Just(418u16), 100u16..600],
        headers in proptest::collection::vec(
            (prop_oneof![Just("Retry-After".to_owned()), Just("X-MBX-USED-WEIGHT-1M".to_owned()), Just("x-mbx-order-count-10s".to_owned()), ".{0,30}"],
             prop_oneof![".{0,20}", any::<u64>().prop_map(|v| v.to_string()), "[0-9]{1,25}"]),
            0..6),
        sent in 0u64..1_000_000,
        received in 0u64..1_000_000,
        later in 0u64..200_000,
    ) {
        let g = Governor::new(RateLimit::spot_defaults());
        let base = T0 as u64;
        let received = at((base + received) as i64);
        let _ = g.observe(at((base + sent) as i64), received, status, headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let readable = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("retry-after") && binance_sign::advanced::parse_retry_after(v, received).is_ok());
        let decision = g.acquire(received.saturating_add(Duration::from_millis(later)), 1, true);
        if (status == 429 || status == 418) && !readable && later < 60_000 {
            prop_assert!(decision != Decision::Send, "{decision:?}");
        }
        if status == 418 && !readable && later < 120_000 {
            prop_assert!(matches!(decision, Decision::Banned { .. }), "{decision:?}");
        }
    }

    /// A readable `Retry-After`, in seconds or as an HTTP date: nothing is sent before it.
    #[test]
    fn nothing_is_sent_before_retry_after(
        status in prop_oneof![Just(429u16), Just(418u16)],
        secs in 1u64..100_000,
        as_date in any::<bool>(),
        early in 0u64..1_000,
        noise in proptest::collection::vec((".{0,20}", ".{0,20}"), 0..3),
    ) {
        let g = Governor::new(RateLimit::spot_defaults());
        let received = at(T0 + 1234);
        let until = received.saturating_add(Duration::from_secs(secs));
        let value = if as_date {
            httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_micros(until.as_micros()))
        } else {
            secs.to_string()
        };
        let mut headers: Vec<(String, String)> = noise;
        headers.push(("Retry-After".into(), value));
        let _ = g.observe(received, received, status, headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        // An HTTP date has whole seconds: the hold ends at most a second earlier.
        let end = if as_date { until.saturating_sub(Duration::from_secs(1)) } else { until };
        let probe = end.saturating_sub(Duration::from_millis(early + 1));
        if probe > received {
            let decision = g.acquire(probe, 1, true);
            prop_assert!(decision != Decision::Send, "{decision:?} at {probe} before {until}");
        }
        prop_assert!(g.acquire(until.saturating_add(Duration::from_secs(1)), 1, true) == Decision::Send);
    }

    /// Counts and times at the edges of their types neither panic nor wrap around to `Send`.
    #[test]
    fn extreme_counts_and_times(count in prop_oneof![Just(u64::MAX), any::<u64>()], weight in any::<u32>(), edge in prop_oneof![Just(ServerTime::MIN), Just(ServerTime::MAX)]) {
        let g = Governor::new(RateLimit::spot_defaults());
        let ws = serde_json::json!({"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100,"count":count},{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000,"count":count}]});
        g.observe_ws(edge, edge, &ws).unwrap();
        let decision = g.acquire(edge, weight, true);
        if count > 100 {
            prop_assert!(decision != Decision::Send, "{decision:?}");
        }
        let _ = g.observe(edge, edge, 429, [("Retry-After", "18446744073709551615")]);
        prop_assert!(g.acquire(edge, 1, false) != Decision::Send);
    }
}

#[cfg(feature = "http")]
#[test]
fn observes_an_http_header_map() {
    let g = Governor::new(RateLimit::spot_defaults());
    let mut headers = http::HeaderMap::new();
    headers.insert("x-mbx-used-weight-1m", "5870".parse().unwrap());
    headers.insert("retry-after", "3".parse().unwrap());
    g.observe_http(
        at(T0 + 1_000),
        at(T0 + 1_000),
        http::StatusCode::TOO_MANY_REQUESTS,
        &headers,
    )
    .unwrap();
    assert_eq!(
        g.used(
            at(T0 + 1_000),
            RateLimitType::RequestWeight,
            Duration::from_secs(60)
        ),
        Some(5870)
    );
    assert_eq!(
        g.acquire(at(T0 + 3_999), 1, false),
        Decision::Wait(Duration::from_millis(1))
    );
    assert_eq!(g.acquire(at(T0 + 4_000), 10, false), Decision::Send);
    assert!(
        matches!(g.acquire(at(T0 + 4_000), 1, false), Decision::Wait(_)),
        "5880 used of a 5880 budget"
    );
}

#[test]
fn small_limits_and_heavy_requests() {
    let g = Governor::new(vec![RateLimit::new(
        RateLimitType::RequestWeight,
        IntervalUnit::Minute,
        1,
        10,
    )]);
    // Heavier than the 2% headroom leaves (budget 9) but within the limit: only into an empty window.
    assert_eq!(g.acquire(at(T0), 10, false), Decision::Send);
    assert!(matches!(
        g.acquire(at(T0 + 1), 10, false),
        Decision::Wait(_)
    ));
    assert!(
        matches!(g.acquire(at(T0), 11, false), Decision::TooHeavy { limit } if limit.limit == 10)
    );
    let one = Governor::new(vec![RateLimit::new(
        RateLimitType::Orders,
        IntervalUnit::Second,
        10,
        1,
    )]);
    assert_eq!(
        one.acquire(at(T0), 1, true),
        Decision::Send,
        "a limit of 1 is not rounded to 0"
    );
    assert!(matches!(
        one.acquire(at(T0 + 1), 1, true),
        Decision::Wait(_)
    ));
}

/// A `Retry-After` longer than Binance ever bans (3 days) is held for `MAX_HOLD` and reported,
/// never adopted as years; of several `Retry-After` values the largest counts.
#[test]
fn retry_after_is_capped_and_the_largest_counts() {
    use binance_sign::limits::{LimitsError, MAX_HOLD};
    let now = ServerTime::from_millis(1_700_000_000_000).unwrap();
    let g = Governor::new(RateLimit::spot_defaults());
    let err = g
        .observe(now, now, 429, [("Retry-After", "1000000000000")])
        .unwrap_err();
    // (The asked end saturates at the latest server time the crate represents.)
    assert!(matches!(err, LimitsError::HoldTooLong { asked } if asked > MAX_HOLD * 1000));
    match g.acquire(now, 1, false) {
        Decision::Wait(d) => assert_eq!(d, MAX_HOLD),
        other => panic!("{other:?}"),
    }
    let g = Governor::new(RateLimit::spot_defaults());
    g.observe(now, now, 429, [("Retry-After", "30"), ("Retry-After", "5")])
        .unwrap();
    assert!(matches!(g.acquire(now, 1, false), Decision::Wait(d) if d.as_secs() == 30));
}

/// Events in time order (ties by stream, then by when they were queued).
#[derive(Default)]
struct EventQueue {
    queue: BinaryHeap<Reverse<(i64, usize, u64)>>,
    events: HashMap<u64, Event>,
    seq: u64,
}

impl EventQueue {
    fn push(&mut self, t: i64, stream: usize, event: Event) {
        self.seq += 1;
        self.events.insert(self.seq, event);
        self.queue.push(Reverse((t, stream, self.seq)));
    }

    fn pop(&mut self) -> Option<(i64, usize, Event)> {
        let Reverse((t, stream, id)) = self.queue.pop()?;
        Some((t, stream, self.events.remove(&id)?))
    }
}

/// Clock errors of the clients of the first and the second burst: fixed cases, then drawn.
fn burst_cases() -> Vec<(Vec<i64>, Vec<i64>)> {
    let mut rng = Rng(0x5DEE_CE66_D1A4_F87B);
    let mut cases: Vec<(Vec<i64>, Vec<i64>)> = [
        (-150, 150),
        (-150, -150),
        (150, 150),
        (150, -150),
        (-20, 20),
        (20, -20),
        (-90, 140),
    ]
    .iter()
    .map(|&(a, b)| (vec![a], vec![b]))
    .collect();
    cases.push((vec![-150, 0, 150], vec![150, -150, 60, -10]));
    for _ in 0..12 {
        let clients = |rng: &mut Rng| (0..rng.next(1, 6)).map(|_| rng.next(-150, 151)).collect();
        cases.push((clients(&mut rng), clients(&mut rng)));
    }
    cases
}

/// A response as the bot saw it: when (on its clock), the status, the headers.
type Response = (i64, u16, Vec<(String, String)>);

/// Sends up to 98 orders of `weight` from the true time `start`, request `k` from the client
/// whose estimate is off by `errors[k % n]`, following waits for at most `patience` ms; how
/// many went out.
fn burst(
    governor: &Governor,
    weight: u32,
    start: i64,
    errors: &[i64],
    patience: i64,
    binance: &mut Binance,
    responses: &mut Vec<Response>,
) -> usize {
    let mut t = start;
    let mut sent = 0;
    let mut k = 0;
    while sent < 98 {
        let error = errors[k % errors.len()];
        match governor.acquire(at(t + error), weight, true) {
            Decision::Send => {
                let (status, headers) = binance.handle(t, u64::from(weight), true);
                responses.push((t + error, status, headers));
                sent += 1;
                k += 1;
            }
            Decision::Wait(d) if t + (d.as_millis() as i64) < start + patience => {
                t += d.as_millis() as i64;
            }
            Decision::Wait(_) => break,
            other => panic!("{other:?}"),
        }
    }
    sent
}
