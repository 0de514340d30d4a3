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

/// A governor with one request-weight and one order limit, and a permit for an order of
/// weight 10 at `now`.
fn ordered(
    config: binance_sign::limits::GovernorConfig,
) -> (Governor, ServerTime, binance_sign::limits::Permit) {
    let limits = vec![
        RateLimit::new(
            RateLimitType::RequestWeight,
            binance_sign::limits::IntervalUnit::Minute,
            1,
            6000,
        ),
        RateLimit::new(
            RateLimitType::Orders,
            binance_sign::limits::IntervalUnit::Second,
            10,
            100,
        ),
    ];
    let governor = Governor::with_config(limits, config);
    let now = ServerTime::from_millis(1_700_000_010_000).unwrap();
    let Admission::Send(permit) =
        ready(RateGate::acquire(&governor, now, Weight::order(10))).unwrap()
    else {
        panic!("sent")
    };
    (governor, now, permit)
}

fn used(governor: &Governor, now: ServerTime, kind: RateLimitType) -> Option<u64> {
    let window = match kind {
        RateLimitType::Orders => Duration::from_secs(10),
        _ => Duration::from_secs(60),
    };
    governor.used(now, kind, window)
}

fn response(now: ServerTime, status: u16) -> binance_sign::limits::GateResponse<'static> {
    binance_sign::limits::GateResponse {
        received: now,
        status,
        headers: &[],
        body: None,
    }
}

#[test]
fn a_successful_order_gives_its_request_weight_back_and_nothing_else_does() {
    use binance_sign::limits::GovernorConfig;
    // Success: the weight comes back; the order still counts as an order.
    let (governor, now, permit) = ordered(GovernorConfig::default());
    assert_eq!(used(&governor, now, RateLimitType::RequestWeight), Some(10));
    ready(governor.settle(permit, response(now, 200))).unwrap();
    assert_eq!(used(&governor, now, RateLimitType::RequestWeight), Some(0));
    assert_eq!(used(&governor, now, RateLimitType::Orders), Some(1));
    // Failure: charged.
    let (governor, now, permit) = ordered(GovernorConfig::default());
    ready(governor.settle(permit, response(now, 400))).unwrap();
    assert_eq!(used(&governor, now, RateLimitType::RequestWeight), Some(10));
    // A lost response (the permit is never settled): charged.
    let (governor, now, permit) = ordered(GovernorConfig::default());
    let _never_settled = permit;
    assert_eq!(used(&governor, now, RateLimitType::RequestWeight), Some(10));
    // Where the rule does not apply: charged.
    let (governor, now, permit) =
        ordered(GovernorConfig::default().with_refund_successful_orders(false));
    ready(governor.settle(permit, response(now, 200))).unwrap();
    assert_eq!(used(&governor, now, RateLimitType::RequestWeight), Some(10));
    // Never below what Binance reported for the window.
    let (governor, now, permit) = ordered(GovernorConfig::default());
    governor
        .observe(now, now, 200, [("X-MBX-USED-WEIGHT-1M", "4")])
        .unwrap();
    ready(governor.settle(permit, response(now, 200))).unwrap();
    assert_eq!(used(&governor, now, RateLimitType::RequestWeight), Some(4));
}

#[cfg(feature = "http")]
#[test]
fn an_order_cancelled_after_it_was_sent_keeps_its_weight() {
    use binance_sign::client::{Action, Exchange, Input, Settings};
    use std::sync::Arc;
    let governor = Arc::new(Governor::new(RateLimit::spot_defaults()));
    let clock = synced_clock();
    let settings = Settings::new(
        binance_sign::Signer::hmac("key", "secret").unwrap(),
        clock.clone(),
    )
    .governor(governor.clone());
    let mut exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::order(7), true);
    let mut input = Input::Start;
    loop {
        input = match exchange.step(input, clock.reading()) {
            Action::Gate(call) => call.run().now_or_never().unwrap(),
            Action::Sign(job) => job.run(),
            Action::Send(_) => break,
            other => panic!("{other:?}"),
        };
    }
    // The task is cancelled with the order on the wire: no response, no refund.
    drop(exchange);
    let now = clock.now().unwrap();
    assert_eq!(used(&governor, now, RateLimitType::RequestWeight), Some(7));
}
