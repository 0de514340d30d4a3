//! The rate gate the client engine asks: `Governor` through `RateGate`, waiting callers
//! (`acquire_wait` on Tokio, `acquire_blocking` on a thread), and what binds a wait.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use binance_sign::limits::{
    Admission, Binding, GateError, Governor, RateGate, RateLimit, RateLimitType, Weight,
};
use binance_sign::{ServerClock, ServerTime};
use futures_util::FutureExt as _;

/// A clock synchronized to the local wall clock.
fn synced_clock() -> ServerClock {
    let clock = ServerClock::new();
    let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let now = ServerTime::from_millis(u64::try_from(wall.as_millis()).unwrap()).unwrap();
    clock.observe(clock.reading(), now).unwrap();
    clock
}

fn ready<T>(future: binance_sign::limits::GateFuture<'_, T>) -> T {
    future
        .now_or_never()
        .expect("the local governor answers at once")
}

#[test]
fn a_wait_names_the_limit_that_binds_or_the_hold() {
    let orders = RateLimit::new(
        RateLimitType::Orders,
        binance_sign::limits::IntervalUnit::Second,
        10,
        50,
    );
    let governor = Governor::new(vec![orders]);
    let now = ServerTime::from_millis(1_700_000_001_000).unwrap();
    let mut sent = 0;
    let binding = loop {
        match ready(RateGate::acquire(&governor, now, Weight::order(1))).unwrap() {
            Admission::Send(permit) => {
                assert_eq!(permit.sent(), now);
                sent += 1;
            }
            Admission::Wait { binding, .. } => break binding,
            other => panic!("{other:?}"),
        }
        assert!(sent <= 50, "never held");
    };
    // The budget (50 less the 2% headroom) is spent: the orders limit binds.
    assert_eq!((sent, binding), (49, Binding::Limit(orders)));
    governor
        .observe(now, now, 429, [("Retry-After", "3")])
        .unwrap();
    match ready(RateGate::acquire(&governor, now, Weight::of(1))).unwrap() {
        Admission::Wait { wait, binding } => {
            assert_eq!((wait, binding), (Duration::from_secs(3), Binding::Hold));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn acquire_blocking_waits_out_a_hold_and_refuses_a_ban_or_no_time() {
    let governor = Governor::new(RateLimit::spot_defaults());
    assert!(matches!(
        governor.acquire_blocking(&ServerClock::new(), Weight::of(1)),
        Err(GateError::Clock(_))
    ));
    let clock = synced_clock();
    let now = clock.now().unwrap();
    governor
        .observe(now, now, 429, [("Retry-After", "1")])
        .unwrap();
    let started = Instant::now();
    let permit = governor.acquire_blocking(&clock, Weight::order(1)).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(permit.weight(), Weight::order(1));
    let now = clock.now().unwrap();
    governor
        .observe(now, now, 418, [("Retry-After", "120")])
        .unwrap();
    let error = governor
        .acquire_blocking(&clock, Weight::of(1))
        .unwrap_err();
    assert!(matches!(error, GateError::Banned { .. }), "{error}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn acquire_wait_sleeps_with_the_callers_runtime() {
    let governor = Governor::new(RateLimit::spot_defaults());
    let clock = synced_clock();
    let now = clock.now().unwrap();
    governor
        .observe(now, now, 429, [("Retry-After", "1")])
        .unwrap();
    let started = tokio::time::Instant::now();
    let sleep = |d| -> binance_sign::limits::SleepFuture { Box::pin(tokio::time::sleep(d)) };
    let permit = governor
        .acquire_wait(&clock, Weight::of(1), &sleep)
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(permit.weight(), Weight::of(1));
    let heavy = Weight::of(7_000);
    let error = governor
        .acquire_wait(&clock, heavy, &sleep)
        .await
        .unwrap_err();
    assert!(matches!(error, GateError::TooHeavy { .. }), "{error}");
    assert!(!error.is_retryable());
}
