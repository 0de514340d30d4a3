//! Clock synchronization under simulated clocks: the timestamps `TimeSync` hands out are
//! accepted by Binance's rule whenever its documented bound holds.

use std::time::Duration;

use binance_sign::{
    Error, LocalReading, Product, RecvWindow, Signer, SyncError, TimeSync, Timestamp,
    WindowVerdict, check_window,
};
use proptest::prelude::*;

/// One-way delay bound of the documented guarantee, µs.
const BOUND: i64 = 1_000_000;
const RECV_WINDOW_MS: i64 = 5000;

/// The simulated world: true time is the server's clock; the local clocks drift and the wall
/// clock is offset and may step.
#[derive(Debug, Clone)]
struct World {
    t0: i64,
    /// `server − wall` at t0, µs.
    offset: i64,
    drift_ppm: f64,
    /// Accumulated wall-clock steps so far, µs.
    stepped: i64,
}

impl World {
    fn reading(&self, t: i64) -> LocalReading {
        let elapsed = (t - self.t0) as f64 * (1.0 + self.drift_ppm / 1e6);
        let mono = 5_000_000 + elapsed as u64;
        let wall = self.t0 - self.offset + elapsed as i64 + self.stepped;
        LocalReading::from_micros(wall, mono)
    }

    /// Runs a probe sent at true time `t` with one-way delays `d1`, `d2`; returns its end.
    fn probe(&self, sync: &mut TimeSync, t: i64, d1: i64, d2: i64) -> (i64, Result<(), SyncError>) {
        let sent = self.reading(t);
        let server_ms = ((t + d1) / 1000) as u64;
        let received = self.reading(t + d1 + d2);
        (
            t + d1 + d2,
            sync.observe(sent, server_ms, received).map(drop),
        )
    }
}

fn accepted(ts: Timestamp, arrival_true_micros: i64, recv_window_ms: i64) -> bool {
    let server_ms = arrival_true_micros / 1000;
    let ts = ts.as_millis() as i64;
    ts < server_ms + 1000 && server_ms - ts <= recv_window_ms
}

#[derive(Debug, Clone)]
struct Probe {
    gap: i64,
    d1: i64,
    d2: i64,
    step: i64,
}

fn probe(good: bool) -> impl Strategy<Value = Probe> {
    let delay = if good { 0..=BOUND } else { 0..=4_500_000i64 };
    (
        0..300_000_000i64,
        delay.clone(),
        delay,
        prop_oneof![3 => Just(0i64), 1 => -3_600_000_000..3_600_000_000i64],
    )
        .prop_map(|(gap, d1, d2, step)| Probe { gap, d1, d2, step })
}

fn world() -> impl Strategy<Value = World> {
    (
        1_600_000_000_000_000..1_900_000_000_000_000i64,
        -86_400_000_000..=86_400_000_000i64,
        -100.0..=100.0f64,
    )
        .prop_map(|(t0, offset, drift_ppm)| World {
            t0,
            offset,
            drift_ppm,
            stepped: 0,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The documented bound: a sample with both one-way delays within 1000 ms, at most one hour
    /// old, drift within 100 ppm, recvWindow 5000 ms, a request that arrives within 1000 ms.
    #[test]
    fn timestamps_are_accepted_within_the_bound(
        mut world in world(),
        before in proptest::collection::vec(probe(false), 0..4),
        good in probe(true),
        after in proptest::collection::vec(probe(false), 0..4),
        request_gap in 0..1_200_000_000i64,
        arrival in 0..=BOUND,
    ) {
        let mut sync = TimeSync::new();
        let mut t = world.t0;
        let mut good_end = 0;
        let n_before = before.len();
        for (i, p) in before.iter().chain([&good]).chain(after.iter()).enumerate() {
            world.stepped += p.step;
            t += p.gap;
            let (end, result) = world.probe(&mut sync, t, p.d1, p.d2);
            prop_assert!(result.is_ok(), "probe refused: {:?}", result);
            if i == n_before { good_end = end; }
            t = end;
        }
        let t_req = t + request_gap;
        prop_assume!(t_req - good_end <= 3_600_000_000);
        let ts = sync.timestamp(world.reading(t_req)).unwrap();
        prop_assert!(
            accepted(ts, t_req + arrival, RECV_WINDOW_MS),
            "ts {} vs server {} ms", ts, (t_req + arrival) / 1000
        );
        // The window check agrees, given the true server time at arrival.
        let verdict = check_window(ts, None, (t_req + arrival) / 1000 * 1000, 0);
        prop_assert!(matches!(verdict, WindowVerdict::Accepted { .. }), "{:?}", verdict);
    }

    /// Timestamps never go backwards, whatever the wall clock does.
    #[test]
    fn timestamps_never_go_backwards(
        mut world in world(),
        probes in proptest::collection::vec(probe(false), 1..6),
        steps in proptest::collection::vec((-86_400_000_000..86_400_000_000i64, 0..60_000_000i64), 1..20),
    ) {
        let mut sync = TimeSync::new();
        let mut t = world.t0;
        for p in &probes {
            t += p.gap;
            t = world.probe(&mut sync, t, p.d1, p.d2).0;
        }
        let mut last = 0;
        for (step, gap) in steps {
            world.stepped += step;
            t += gap;
            let reading = world.reading(t);
            let ms = sync.timestamp(reading).unwrap().as_micros();
            prop_assert!(ms >= last);
            last = ms;
            let us = sync.timestamp_micros(reading).unwrap().as_micros();
            prop_assert!(us >= last);
            last = us;
        }
    }
}

/// A peer-style estimator: one sample, server time at receipt assumed to be `serverTime + RTT/2`.
fn single_sample_rtt2(
    sent: LocalReading,
    server_ms: u64,
    received: LocalReading,
    now: LocalReading,
) -> u64 {
    let rtt_ms = (received.wall_micros() - sent.wall_micros()) / 1000;
    let offset_ms = server_ms as i64 + rtt_ms / 2 - received.wall_micros() / 1000;
    (now.wall_micros() / 1000 + offset_ms) as u64
}

#[test]
fn rtt_half_overcorrection_fails_where_time_sync_does_not() {
    // The request to /time crawls (3000 ms), the answer is fast (10 ms): the server stamped its
    // time late in the round trip, and "add RTT/2" overshoots by ~1.5 s.
    let world = World {
        t0: 1_700_000_000_000_000,
        offset: -250_000,
        drift_ppm: 0.0,
        stepped: 0,
    };
    let t = world.t0;
    let (d1, d2) = (3_000_000, 10_000);
    let sent = world.reading(t);
    let server_ms = ((t + d1) / 1000) as u64;
    let received = world.reading(t + d1 + d2);
    let t_req = t + d1 + d2 + 50_000;
    let arrival = t_req + 20_000;

    let naive = Timestamp::from_millis(single_sample_rtt2(
        sent,
        server_ms,
        received,
        world.reading(t_req),
    ))
    .unwrap();
    assert!(
        !accepted(naive, arrival, RECV_WINDOW_MS),
        "the peer estimator should land ahead"
    );
    assert!(matches!(
        check_window(naive, None, arrival / 1000 * 1000, 0),
        WindowVerdict::TooFarAhead { .. }
    ));

    let mut sync = TimeSync::new();
    sync.observe(sent, server_ms, received).unwrap();
    let ts = sync.timestamp(world.reading(t_req)).unwrap();
    assert!(
        accepted(ts, arrival, RECV_WINDOW_MS),
        "{ts} vs {}",
        arrival / 1000
    );
}

#[test]
fn sample_refusals_leave_the_estimate_alone() {
    let mut sync = TimeSync::new();
    let a = LocalReading::from_millis(1_700_000_000_000, 1_000);
    let b = LocalReading::from_millis(1_700_000_000_100, 1_100);
    sync.observe(a, 1_700_000_000_050, b).unwrap();
    let before = sync.estimate(b).unwrap();

    assert!(matches!(
        sync.observe(b, 1_700_000_000_050, a),
        Err(SyncError::NegativeRoundTrip(100_000))
    ));
    let slow = LocalReading::from_millis(1_700_000_020_100, 21_100);
    assert!(matches!(
        sync.observe(b, 1_700_000_000_050, slow),
        Err(SyncError::RoundTripTooLong { .. })
    ));
    assert!(matches!(
        sync.observe(a, 1_700_000_000_000 + 30 * 86_400_000, b),
        Err(SyncError::OffsetTooLarge { .. })
    ));
    assert!(matches!(
        sync.observe(a, 1_000, b),
        Err(SyncError::ImplausibleServerTime(1_000))
    ));
    let stepped = LocalReading::from_millis(1_700_000_100_000, 1_100);
    assert!(matches!(
        sync.observe(a, 1_700_000_000_050, stepped),
        Err(SyncError::WallClockSteppedDuringProbe(_))
    ));
    assert_eq!(sync.estimate(b).unwrap(), before);
}

#[test]
fn no_estimate_and_resync() {
    let mut sync = TimeSync::new();
    let now = LocalReading::from_millis(1_700_000_000_000, 0);
    assert_eq!(sync.timestamp(now), Err(SyncError::NoEstimate));
    assert!(sync.needs_resync(now, Duration::from_secs(60)));
    sync.observe(
        now,
        1_700_000_000_010,
        LocalReading::from_millis(1_700_000_000_020, 20),
    )
    .unwrap();
    assert!(!sync.needs_resync(
        LocalReading::from_millis(1_700_000_030_000, 30_000),
        Duration::from_secs(60)
    ));
    assert!(sync.needs_resync(
        LocalReading::from_millis(1_700_000_090_000, 90_000),
        Duration::from_secs(60)
    ));
    assert_eq!(sync.offset_micros(now).map(|o| o / 1000), Some(0));
}

#[test]
fn wall_steps_are_reported_and_do_not_move_the_estimate() {
    let mut sync = TimeSync::new();
    let first = sync
        .observe(
            LocalReading::from_millis(1_700_000_000_000, 0),
            1_700_000_000_010,
            LocalReading::from_millis(1_700_000_000_020, 20),
        )
        .unwrap();
    assert_eq!(first.wall_step_micros, None);
    // One minute later on the monotonic clock, but the wall clock jumped back an hour.
    let second = sync
        .observe(
            LocalReading::from_millis(1_699_996_460_000, 60_000),
            1_700_000_060_010,
            LocalReading::from_millis(1_699_996_460_020, 60_020),
        )
        .unwrap();
    let step = second.wall_step_micros.unwrap();
    assert!((step + 3_600_000_000).abs() < 1_000, "{step}");
    assert!((second.offset_micros - 3_600_000_000).abs() < 1_000);
}

#[test]
fn product_rules_are_typed_errors() {
    let signer = Signer::hmac("key", "secret").unwrap();
    let params = binance_sign::Params::new();
    let us = Timestamp::from_micros(1_700_000_000_000_000).unwrap();
    let ms = Timestamp::from_millis(1_700_000_000_000).unwrap();
    let frac = Some("6000.5".parse::<RecvWindow>().unwrap());
    for product in [
        Product::UsdMFutures,
        Product::CoinMFutures,
        Product::Options,
        Product::PortfolioMargin,
        Product::Sapi,
    ] {
        let bound = signer.clone().for_product(product);
        assert!(
            matches!(
                bound.sign_query(&params, us, None),
                Err(Error::ProductRule { .. })
            ),
            "{product}"
        );
        assert!(
            matches!(
                bound.sign_body(&params, ms, frac),
                Err(Error::ProductRule { .. })
            ),
            "{product}"
        );
        assert!(
            bound
                .sign_query(&params, ms, Some(RecvWindow::from_millis(60_000).unwrap()))
                .is_ok()
        );
        assert!(matches!(
            bound.sign_encoded("timestamp=1700000000000000", ""),
            Err(Error::ProductRule { .. })
        ));
    }
    let spot = signer.for_product(Product::Spot);
    let req = spot.sign_query(&params, us, frac).unwrap();
    assert!(
        req.query()
            .starts_with("recvWindow=6000.5&timestamp=1700000000000000&signature=")
    );
    assert!(matches!(
        RecvWindow::from_millis(60_001),
        Err(Error::RecvWindowInvalid { .. })
    ));
    assert!(matches!(
        Timestamp::from_millis(1_483_228_799_999),
        Err(Error::TimestampOutOfRange { .. })
    ));
}
