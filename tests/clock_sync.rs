//! Clock synchronization under simulated clocks: every timestamp `TimeSync` hands out is
//! accepted by Binance's rule; beyond the bound it refuses instead of guessing.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]

use std::time::Duration;

use binance_sign::{
    Error, LocalReading, Product, ProductError, RecvWindow, ServerClock, ServerTime, Signer,
    SyncError, TimeError, TimeSync, Timestamp, WindowVerdict, check_window,
};
use proptest::prelude::*;

/// The default `max_delay`: a request reaches Binance within this long.
const MAX_DELAY: i64 = 1_000_000;
const RECV_WINDOW_MS: i64 = 5000;

/// The simulated world. True time `t` (µs) is the server's clock. The local monotonic clock
/// runs at `1 + drift` of it and stops while the machine sleeps; the wall clock follows the
/// monotonic clock from an offset, and may step.
#[derive(Debug, Clone)]
struct World {
    t0: i64,
    /// `server − wall` at t0, µs.
    offset: i64,
    drift_ppm: f64,
    /// Wall-clock steps so far, µs.
    stepped: i64,
    /// Time the machine slept so far (the monotonic clock stood still), µs.
    slept: i64,
}

impl World {
    fn new(t0: i64, offset: i64, drift_ppm: f64) -> Self {
        Self {
            t0,
            offset,
            drift_ppm,
            stepped: 0,
            slept: 0,
        }
    }

    fn reading(&self, t: i64) -> LocalReading {
        let awake = (t - self.t0 - self.slept) as f64 * (1.0 + self.drift_ppm / 1e6);
        let mono = 5_000_000 + awake as u64;
        // After a sleep the wall clock is set right again (from the hardware clock).
        let wall = self.t0 - self.offset + awake as i64 + self.slept + self.stepped;
        LocalReading::from_micros(wall as u64, mono)
    }

    /// Runs a probe sent at true time `t` with one-way delays `d1`, `d2`; returns its end.
    fn probe(&self, sync: &mut TimeSync, t: i64, d1: i64, d2: i64) -> (i64, Result<(), SyncError>) {
        let sent = self.reading(t);
        let server = ServerTime::from_millis(((t + d1) / 1000) as u64).unwrap();
        let received = self.reading(t + d1 + d2);
        (t + d1 + d2, sync.observe(sent, server, received).map(drop))
    }
}

fn accepted(ts: Timestamp, arrival_true_micros: i64) -> bool {
    let server_ms = arrival_true_micros / 1000;
    let ts = ts.as_millis() as i64;
    ts < server_ms + 1000 && server_ms - ts <= RECV_WINDOW_MS
}

#[derive(Debug, Clone)]
struct Probe {
    gap: i64,
    d1: i64,
    d2: i64,
    step: i64,
}

fn probe(max_delay: i64, max_gap: i64) -> impl Strategy<Value = Probe> {
    (
        0..max_gap,
        0..=max_delay,
        0..=max_delay,
        prop_oneof![3 => Just(0i64), 1 => -3_600_000_000..3_600_000_000i64],
    )
        .prop_map(|(gap, d1, d2, step)| Probe { gap, d1, d2, step })
}

fn world() -> impl Strategy<Value = World> {
    (
        1_600_000_000_000_000..1_900_000_000_000_000i64,
        -86_400_000_000..=86_400_000_000i64,
        -500.0..=500.0f64,
    )
        .prop_map(|(t0, offset, drift_ppm)| World::new(t0, offset, drift_ppm))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the probes (slow, asymmetric, hours apart, across wall-clock steps) and however
    /// long after them a timestamp is asked for: when one is handed out, Binance accepts it.
    #[test]
    fn every_timestamp_handed_out_is_accepted(
        mut world in world(),
        probes in proptest::collection::vec(probe(4_500_000, 1_200_000_000), 1..8),
        request_gap in prop_oneof![0..600_000_000i64, 0..21_600_000_000i64],
        arrival in 0..=MAX_DELAY,
    ) {
        let mut sync = TimeSync::new();
        let mut t = world.t0;
        for p in &probes {
            world.stepped += p.step;
            t += p.gap;
            let (end, result) = world.probe(&mut sync, t, p.d1, p.d2);
            prop_assert!(result.is_ok(), "probe refused: {:?}", result);
            t = end;
        }
        let t_req = t + request_gap;
        match sync.timestamp(world.reading(t_req)) {
            Ok(ts) => {
                prop_assert!(accepted(ts, t_req + arrival), "ts {} vs server {} ms", ts, (t_req + arrival) / 1000);
                let server = ServerTime::from_millis(((t_req + arrival) / 1000) as u64).unwrap();
                prop_assert!(check_window(ts, None, server, Duration::ZERO).is_accepted());
            }
            Err(SyncError::ResyncNeeded { .. } | SyncError::ClockJump { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }

    /// Within the bound it is usable: a probe with one-way delays of at most 1000 ms, at most
    /// 30 minutes old, drift within 500 ppm, always gives a timestamp.
    #[test]
    fn a_good_sample_gives_timestamps_for_thirty_minutes(
        world in world(),
        good in probe(1_000_000, 1),
        request_gap in 0..1_800_000_000i64,
    ) {
        let mut sync = TimeSync::new();
        let (end, result) = world.probe(&mut sync, world.t0, good.d1, good.d2);
        prop_assert!(result.is_ok());
        let ts = sync.timestamp(world.reading(end + request_gap));
        prop_assert!(ts.is_ok(), "{:?}", ts);
    }

    /// Timestamps never go backwards, whatever the wall clock does.
    #[test]
    fn timestamps_never_go_backwards(
        mut world in world(),
        probes in proptest::collection::vec(probe(1_000_000, 300_000_000), 1..6),
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
            let stamps = [sync.timestamp(reading), sync.timestamp_micros(reading)];
            for ts in stamps.into_iter().flatten() {
                prop_assert!(ts.as_micros() >= last);
                last = ts.as_micros();
            }
        }
    }
}

/// A day with a probe every minute and a request every few seconds: with a 500 ppm drift
/// (five times the old assumption) no timestamp is rejected and none is refused, and the drift
/// is learned.
#[test]
fn drift_of_500_ppm_is_learned_with_periodic_samples() {
    for drift_ppm in [-500.0, -120.0, 0.0, 250.0, 500.0] {
        let world = World::new(1_700_000_000_000_000, 2_500_000, drift_ppm);
        let mut sync = TimeSync::new();
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |lo: i64, hi: i64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            lo + (rng % (hi - lo) as u64) as i64
        };
        let mut t = world.t0;
        let (mut requests, mut rejected) = (0, 0);
        for _minute in 0..24 * 60 {
            let (end, result) =
                world.probe(&mut sync, t, next(5_000, 150_000), next(5_000, 150_000));
            result.unwrap();
            t = end;
            let minute_end = t + 60_000_000;
            while t < minute_end {
                t += next(500_000, 8_000_000);
                let ts = sync
                    .timestamp(world.reading(t))
                    .unwrap_or_else(|e| panic!("{drift_ppm} ppm: refused: {e}"));
                requests += 1;
                if !accepted(ts, t + next(0, MAX_DELAY)) {
                    rejected += 1;
                }
            }
        }
        assert_eq!(
            rejected, 0,
            "{drift_ppm} ppm: {rejected} of {requests} rejected"
        );
        let learned = sync.estimate(world.reading(t)).unwrap().drift_ppb as f64 / 1000.0;
        // The monotonic clock runs at 1 + drift, so the server runs at 1 / (1 + drift) of it.
        let expected = -drift_ppm / (1.0 + drift_ppm / 1e6);
        assert!(
            (learned - expected).abs() < 10.0,
            "{drift_ppm} ppm: learned {learned}"
        );
    }
}

/// The machine sleeps for 10 s or 60 s: the monotonic clock stands still, the estimate would
/// lag by the whole sleep. Without a boot-time clock (these readings have none) the sleep shows
/// as a probe that disagrees with the estimate: it is held, and a second probe confirms it. No
/// timestamp is handed out until then, and after it they are accepted again.
#[test]
fn a_suspend_asks_for_a_resync_instead_of_handing_out_expired_timestamps() {
    for sleep in [10_000_000, 60_000_000] {
        let mut world = World::new(1_700_000_000_000_000, -40_000, 80.0);
        let mut sync = TimeSync::new();
        let mut t = world.t0;
        for _ in 0..5 {
            t = world.probe(&mut sync, t, 30_000, 40_000).0 + 60_000_000;
        }
        assert!(sync.timestamp(world.reading(t)).is_ok());
        world.slept += sleep;
        t += sleep + 1_000;
        assert!(
            matches!(
                sync.timestamp(world.reading(t)),
                Err(SyncError::ClockJump { .. })
            ),
            "after {sleep} µs asleep"
        );
        assert!(sync.needs_resync(world.reading(t)));
        let (end, result) = world.probe(&mut sync, t, 30_000, 40_000);
        result.unwrap();
        assert!(sync.holds_sample());
        assert!(sync.timestamp(world.reading(end)).is_err());
        let (end, result) = world.probe(&mut sync, end + 5_000, 30_000, 40_000);
        result.unwrap();
        assert!(!sync.holds_sample());
        let ts = sync.timestamp(world.reading(end)).unwrap();
        assert!(accepted(ts, end + 500_000));
    }
}

#[test]
fn a_six_hour_old_sample_is_refused_not_rejected() {
    let world = World::new(1_700_000_000_000_000, 1_000_000, 100.0);
    let mut sync = TimeSync::new();
    let (end, result) = world.probe(&mut sync, world.t0, 40_000, 40_000);
    result.unwrap();
    let later = end + 6 * 3_600_000_000;
    assert!(sync.needs_resync(world.reading(later)));
    match sync.timestamp(world.reading(later)) {
        Err(SyncError::ResyncNeeded {
            verdict,
            uncertainty,
        }) => {
            assert!(!verdict.is_accepted());
            assert!(uncertainty > Duration::from_secs(10), "{uncertainty:?}");
        }
        other => panic!("{other:?}"),
    }
}

/// A peer-style estimator: one sample, server time at receipt assumed to be `serverTime + RTT/2`.
fn single_sample_rtt2(
    sent: LocalReading,
    server: ServerTime,
    received: LocalReading,
    now: LocalReading,
) -> u64 {
    let rtt_ms = (received.wall_micros() - sent.wall_micros()) / 1000;
    let offset_ms =
        server.as_millis() as i64 + rtt_ms as i64 / 2 - (received.wall_micros() / 1000) as i64;
    ((now.wall_micros() / 1000) as i64 + offset_ms) as u64
}

#[test]
fn rtt_half_overcorrection_fails_where_time_sync_does_not() {
    // The request to /time crawls (3000 ms), the answer is fast (10 ms): the server stamped its
    // time late in the round trip, and "add RTT/2" overshoots by ~1.5 s.
    let world = World::new(1_700_000_000_000_000, -250_000, 0.0);
    let t = world.t0;
    let (d1, d2) = (3_000_000, 10_000);
    let sent = world.reading(t);
    let server = ServerTime::from_millis(((t + d1) / 1000) as u64).unwrap();
    let received = world.reading(t + d1 + d2);
    let t_req = t + d1 + d2 + 50_000;
    let arrival = t_req + 20_000;
    let arrival_time = ServerTime::from_millis((arrival / 1000) as u64).unwrap();

    let naive = Timestamp::from_millis(single_sample_rtt2(
        sent,
        server,
        received,
        world.reading(t_req),
    ))
    .unwrap();
    assert!(
        !accepted(naive, arrival),
        "the peer estimator should land ahead"
    );
    assert!(matches!(
        check_window(naive, None, arrival_time, Duration::ZERO),
        WindowVerdict::TooFarAhead { .. }
    ));

    let mut sync = TimeSync::new();
    sync.observe(sent, server, received).unwrap();
    let ts = sync.timestamp(world.reading(t_req)).unwrap();
    assert!(accepted(ts, arrival), "{ts} vs {}", arrival / 1000);
}

#[test]
fn sample_refusals_leave_the_estimate_alone() {
    let mut sync = TimeSync::new();
    let ms = |v: u64| ServerTime::from_millis(v).unwrap();
    let a = LocalReading::from_millis(1_700_000_000_000, 1_000);
    let b = LocalReading::from_millis(1_700_000_000_100, 1_100);
    sync.observe(a, ms(1_700_000_000_050), b).unwrap();
    let before = sync.estimate(b).unwrap();

    assert_eq!(
        sync.observe(b, ms(1_700_000_000_050), a),
        Err(SyncError::NegativeRoundTrip {
            by: Duration::from_millis(100)
        })
    );
    let slow = LocalReading::from_millis(1_700_000_020_100, 21_100);
    assert!(matches!(
        sync.observe(b, ms(1_700_000_000_050), slow),
        Err(SyncError::RoundTripTooLong { .. })
    ));
    assert!(matches!(
        sync.observe(a, ms(1_700_000_000_000 + 30 * 86_400_000), b),
        Err(SyncError::OffsetTooLarge { .. })
    ));
    let stepped = LocalReading::from_millis(1_700_000_100_000, 1_100);
    assert!(matches!(
        sync.observe(a, ms(1_700_000_000_050), stepped),
        Err(SyncError::WallClockSteppedDuringProbe { .. })
    ));
    assert_eq!(sync.estimate(b).unwrap(), before);
    // Implausible server times cannot even be written.
    assert!(ServerTime::from_millis(1_000).is_err());
}

#[test]
fn no_estimate_and_resync() {
    let mut sync = TimeSync::new();
    let now = LocalReading::from_millis(1_700_000_000_000, 0);
    assert_eq!(sync.timestamp(now), Err(SyncError::NoEstimate));
    assert_eq!(sync.estimate(now), Err(SyncError::NoEstimate));
    assert!(sync.needs_resync(now));
    sync.observe(
        now,
        ServerTime::from_millis(1_700_000_000_010).unwrap(),
        LocalReading::from_millis(1_700_000_000_020, 20),
    )
    .unwrap();
    assert!(!sync.needs_resync(LocalReading::from_millis(1_700_000_030_000, 30_000)));
    // Past `resync_after` (5 minutes).
    assert!(sync.needs_resync(LocalReading::from_millis(1_700_000_301_000, 301_000)));
    assert_eq!(sync.estimate(now).unwrap().offset_micros / 1000, 0);
}

#[test]
fn wall_steps_are_reported_and_do_not_move_the_estimate() {
    let mut sync = TimeSync::new();
    let first = sync
        .observe(
            LocalReading::from_millis(1_700_000_000_000, 0),
            ServerTime::from_millis(1_700_000_000_010).unwrap(),
            LocalReading::from_millis(1_700_000_000_020, 20),
        )
        .unwrap();
    assert_eq!(first.wall_step_micros, None);
    // One minute later on the monotonic clock, but the wall clock jumped back an hour.
    let second = sync
        .observe(
            LocalReading::from_millis(1_699_996_460_000, 60_000),
            ServerTime::from_millis(1_700_000_060_010).unwrap(),
            LocalReading::from_millis(1_699_996_460_020, 60_020),
        )
        .unwrap();
    let step = second.wall_step_micros.unwrap();
    assert!((step + 3_600_000_000).abs() < 1_000, "{step}");
    assert!((second.offset_micros - 3_600_000_000).abs() < 1_000);
    assert!(!second.reset, "the server and monotonic clocks agree");
}

#[test]
fn a_confirmed_server_clock_step_resets_the_samples() {
    let mut sync = TimeSync::new();
    let at = |ms: u64| ServerTime::from_millis(ms).unwrap();
    sync.observe(
        LocalReading::from_millis(1_700_000_000_000, 0),
        at(1_700_000_000_010),
        LocalReading::from_millis(1_700_000_000_020, 20),
    )
    .unwrap();
    // 60 s later, the server says 65 s passed: no drift within 500 ppm explains it. One such
    // sample is held, not followed.
    let obs = sync
        .observe(
            LocalReading::from_millis(1_700_000_060_000, 60_000),
            at(1_700_000_065_010),
            LocalReading::from_millis(1_700_000_060_020, 60_020),
        )
        .unwrap();
    assert!(obs.held && !obs.reset);
    let now = LocalReading::from_millis(1_700_000_061_000, 61_000);
    assert!(sync.estimate(now).unwrap().server.as_millis() < 1_700_000_062_000);
    // A later probe agrees with it: the server clock stepped, and the clock follows.
    let obs = sync
        .observe(
            LocalReading::from_millis(1_700_000_070_000, 70_000),
            at(1_700_000_075_010),
            LocalReading::from_millis(1_700_000_070_020, 70_020),
        )
        .unwrap();
    assert!(obs.reset && !obs.held);
    let now = LocalReading::from_millis(1_700_000_071_000, 71_000);
    assert!(sync.estimate(now).unwrap().server.as_millis() > 1_700_000_075_500);
}

#[test]
fn the_shared_clock_is_shared() {
    fn send_sync_clone<T: Send + Sync + Clone>() {}
    send_sync_clone::<ServerClock>();
    let clock = ServerClock::new();
    assert_eq!(clock.now(), Err(SyncError::NoEstimate));
    assert_eq!(clock.timestamp(), Err(SyncError::NoEstimate));
    assert!(clock.needs_resync());
    let other = clock.clone();
    std::thread::spawn(move || {
        let sent = other.reading();
        let body = format!(r#"{{"serverTime":{}}}"#, sent.wall_micros() / 1000 + 1_234);
        other.observe_json(sent, &body).unwrap();
    })
    .join()
    .unwrap();
    let estimate = clock.estimate().unwrap();
    assert!(
        (estimate.offset_micros - 1_234_500).abs() < 100_000,
        "{estimate:?}"
    );
    let stamps: Vec<u64> = (0..4)
        .map(|_| {
            let clock = clock.clone();
            std::thread::spawn(move || clock.timestamp().unwrap().as_millis())
        })
        .map(|h| h.join().unwrap())
        .collect();
    let now = clock.now().unwrap().as_millis();
    assert!(
        stamps.iter().all(|ts| *ts <= now && now - ts < 1_000),
        "{stamps:?} vs {now}"
    );
    assert!(matches!(
        clock.observe_json(clock.reading(), "<html>"),
        Err(SyncError::BadResponse { .. })
    ));
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
            matches!(bound.sign_query(&params, us, None), Err(Error::Product(ProductError::ProductRule { product: p, .. })) if p == product),
            "{product}"
        );
        assert!(
            matches!(
                bound.sign_body(&params, ms, frac),
                Err(Error::Product(ProductError::ProductRule { .. }))
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
            Err(Error::Product(ProductError::ProductRule { .. }))
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
        Err(TimeError::RecvWindowInvalid { .. })
    ));
    assert!(matches!(
        Timestamp::from_millis(1_483_228_799_999),
        Err(TimeError::TimestampOutOfRange { .. })
    ));
}
