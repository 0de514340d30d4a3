//! The client engine on its own: scripted responses and a fake clock, no I/O, no runtime.
#![cfg(feature = "http")]

use std::sync::Arc;

use binance_sign::client::{Action, Exchange, Input, Settings};
use binance_sign::limits::{Governor, RateLimit, Weight};
use binance_sign::{LocalReading, ServerClock, Signer};
use proptest::prelude::*;

mod engine_world;
use engine_world::{START_MS, World};

fn settings(governed: bool) -> Settings {
    let settings = Settings::new(Signer::hmac("key", "secret").unwrap(), ServerClock::new());
    if governed {
        settings.governor(Arc::new(Governor::new(RateLimit::spot_defaults())))
    } else {
        settings
    }
}

#[test]
fn a_minus_1021_is_retried_once_with_a_fresh_probe() {
    let settings = settings(false);
    let mut world = World::new();
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    let clock_moved = (
        400,
        r#"{"code":-1021,"msg":"outside of the recvWindow"}"#.to_owned(),
    );
    let (seen, end) = world.run(exchange, &mut |_| clock_moved.clone());
    assert_eq!(end, Ok(400), "{seen:?}");
    assert_eq!(world.sends, 2, "one retry, not more: {seen:?}");
    assert_eq!(world.probes, 2, "the first probe, and the resync: {seen:?}");
}

#[test]
fn a_ban_stops_every_later_request_before_any_probe_or_send() {
    let settings = settings(true);
    let mut world = World::new();
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::order(1), true);
    let (_, end) = world.run(exchange, &mut |_| (418, r#"{"code":-1003}"#.to_owned()));
    assert_eq!(end, Ok(418));
    let (probes, sends) = (world.probes, world.sends);
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    let (seen, end) = world.run(exchange, &mut |_| (200, "{}".to_owned()));
    assert!(end.unwrap_err().contains("banned"), "{seen:?}");
    assert_eq!((world.probes, world.sends), (probes, sends));
    // Once the ban is over (Retry-After: 2), requests go again.
    world.now_ms += 2_100;
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    assert_eq!(
        world.run(exchange, &mut |_| (200, "{}".to_owned())).1,
        Ok(200)
    );
}

#[test]
fn an_input_out_of_step_is_an_error_not_a_panic() {
    let settings = settings(false);
    let mut exchange = Exchange::new(&settings, "", b"", Weight::of(1), true);
    let now = LocalReading::from_millis(START_MS, START_MS);
    assert!(matches!(
        exchange.step(Input::Start, now),
        Action::Probe { .. }
    ));
    match exchange.step(Input::Slept, now) {
        Action::Fail(e) => assert!(e.to_string().contains("Slept"), "{e}"),
        other => panic!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever Binance answers, an exchange ends, sends at most twice (one `-1021` retry),
    /// and after a 418 nothing more is sent or probed until the ban is over.
    #[test]
    fn any_answers_end_safely(
        answers in proptest::collection::vec(prop_oneof![
            Just((200u16, "{}")),
            Just((400, r#"{"code":-1021}"#)),
            Just((400, r#"{"code":-1022}"#)),
            Just((429, r#"{"code":-1003}"#)),
            Just((418, r#"{"code":-1003}"#)),
            Just((503, "<html>")),
        ], 1..12),
        governed in any::<bool>(),
    ) {
        let settings = settings(governed);
        let mut world = World::new();
        let mut banned = false;
        for (i, &(status, body)) in answers.iter().enumerate() {
            let before = (world.probes, world.sends);
            let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
            let (seen, end) = world.run(exchange, &mut |_| (status, body.to_owned()));
            if banned {
                prop_assert!(end.as_ref().is_err_and(|e| e.contains("banned")), "#{i}: {seen:?}");
                prop_assert_eq!((world.probes, world.sends), before);
                world.now_ms += 2_100;
                banned = false;
                continue;
            }
            prop_assert!(world.sends > before.1, "#{}: sent nothing: {:?} {:?}", i, seen, end);
            prop_assert!(world.sends - before.1 <= 2, "#{}: {:?}", i, seen);
            banned = status == 418 && end == Ok(418);
        }
    }
}

#[test]
fn a_ban_counts_on_the_boot_clock_through_a_suspend() {
    let settings = settings(false);
    let mut world = World::new();
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    let banned = world.run(exchange, &mut |_| (418, r#"{"code":-1003}"#.to_owned()));
    assert_eq!(banned.1, Ok(418));
    // Suspended for 1 s of the 2 s ban (Retry-After: 2): the monotonic clock stood still, the
    // boot clock did not. Still banned, and no probe goes out to find out.
    let (probes, sends) = (world.probes, world.sends);
    world.suspend(1_000);
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    let (seen, end) = world.run(exchange, &mut |_| (200, "{}".to_owned()));
    assert!(end.unwrap_err().contains("banned"), "{seen:?}");
    assert_eq!((world.probes, world.sends), (probes, sends));
    // Another 1.5 s asleep: the ban is over by the boot clock, though not by the monotonic one.
    world.suspend(1_500);
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    assert_eq!(
        world.run(exchange, &mut |_| (200, "{}".to_owned())).1,
        Ok(200)
    );
}

#[test]
fn a_ban_the_gate_knew_still_holds_after_a_suspend_with_no_server_time() {
    let governor = Arc::new(Governor::new(RateLimit::spot_defaults()));
    let settings = Settings::new(Signer::hmac("key", "secret").unwrap(), ServerClock::new())
        .governor(governor.clone());
    let mut world = World::new();
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    assert_eq!(
        world.run(exchange, &mut |_| (200, "{}".to_owned())).1,
        Ok(200)
    );
    // Another part of the bot learned of a ban (its own request, the fleet's store).
    let now = settings.clock().now_at(world.reading()).unwrap();
    governor
        .observe(now, now, 418, [("Retry-After", "60")])
        .unwrap();
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    let (seen, end) = world.run(exchange, &mut |_| (200, "{}".to_owned()));
    assert!(end.unwrap_err().contains("banned"), "{seen:?}");
    // Asleep for 10 s: the clock has no time to ask the gate with, and no probe goes out.
    let (probes, sends) = (world.probes, world.sends);
    world.suspend(10_000);
    assert!(settings.clock().now_at(world.reading()).is_err());
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    let (seen, end) = world.run(exchange, &mut |_| (200, "{}".to_owned()));
    assert!(end.unwrap_err().contains("banned"), "{seen:?}");
    assert_eq!((world.probes, world.sends), (probes, sends));
}

#[test]
fn a_new_engine_on_a_banned_gate_sends_not_even_a_probe() {
    let governor = Arc::new(Governor::new(RateLimit::spot_defaults()));
    let first = Settings::new(Signer::hmac("key", "secret").unwrap(), ServerClock::new())
        .governor(governor.clone());
    let mut world = World::new();
    let exchange = Exchange::new(&first, "symbol=BTCUSDT", b"", Weight::of(1), true);
    let banned = world.run(exchange, &mut |_| (418, r#"{"code":-1003}"#.to_owned()));
    assert_eq!(banned.1, Ok(418));
    // Another client of the same governor, whose clock has never had a time.
    let second = Settings::new(Signer::hmac("key", "secret").unwrap(), ServerClock::new())
        .governor(governor);
    let (probes, sends) = (world.probes, world.sends);
    let exchange = Exchange::new(&second, "symbol=BTCUSDT", b"", Weight::of(1), true);
    let (seen, end) = world.run(exchange, &mut |_| (200, "{}".to_owned()));
    assert!(end.unwrap_err().contains("banned"), "{seen:?}");
    assert_eq!((world.probes, world.sends), (probes, sends));
}
