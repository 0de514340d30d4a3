//! The client engine on its own: scripted responses and a fake clock, no I/O, no runtime.
#![cfg(feature = "http")]

use std::sync::Arc;

use binance_sign::client::{Action, Exchange, Input, ProbeOutcome, ProbeReply, Settings};
use binance_sign::limits::{Governor, RateLimit, Weight};
use binance_sign::{LocalReading, ServerClock, Signer};
use futures_util::FutureExt as _;
use proptest::prelude::*;

/// Server time is local wall time plus this (ms).
const OFFSET_MS: u64 = 3;

/// Local wall (and monotonic) time at the start, ms.
const START_MS: u64 = 1_700_000_000_000;

/// A fake world: local time in ms, a server whose answers are scripted per request.
struct World {
    now_ms: u64,
    probes: usize,
    sends: usize,
}

impl World {
    fn reading(&self) -> LocalReading {
        LocalReading::from_millis(self.now_ms, self.now_ms)
    }

    /// Runs one exchange; `answer(n)` is the (status, body) of its n-th send. The actions
    /// seen, and how it ended.
    fn run(
        &mut self,
        mut exchange: Exchange,
        answer: &mut dyn FnMut(usize) -> (u16, String),
    ) -> (Vec<&'static str>, Result<u16, String>) {
        let mut seen = Vec::new();
        let mut input = Input::Start;
        let mut last = 0;
        let mut sends_here = 0;
        for _ in 0..200 {
            let action = exchange.step(input, self.reading());
            input = match action {
                Action::Sleep(d) => {
                    seen.push("sleep");
                    self.now_ms += u64::try_from(d.as_millis()).unwrap().max(1);
                    Input::Slept
                }
                Action::Gate(call) => {
                    seen.push("gate");
                    call.run()
                        .now_or_never()
                        .expect("a local governor answers at once")
                }
                Action::Probe { .. } => {
                    seen.push("probe");
                    self.probes += 1;
                    let sent = self.reading();
                    self.now_ms += 20;
                    let body = format!(r#"{{"serverTime":{}}}"#, self.now_ms - 10 + OFFSET_MS);
                    Input::Probed(ProbeOutcome {
                        url: "http://binance.test/api/v3/time".into(),
                        sent,
                        received: self.reading(),
                        reply: Ok(ProbeReply {
                            status: 200,
                            headers: vec![],
                            body: body.into_bytes(),
                        }),
                    })
                }
                Action::Sign(job) => {
                    seen.push("sign");
                    job.run()
                }
                Action::Send(_) => {
                    seen.push("send");
                    self.sends += 1;
                    sends_here += 1;
                    self.now_ms += 5;
                    let (status, _) = answer(sends_here);
                    last = status;
                    let headers = match status {
                        429 | 418 => vec![("Retry-After".to_owned(), "2".to_owned())],
                        _ => vec![],
                    };
                    Input::Response { status, headers }
                }
                Action::ReadBody { cap } => {
                    seen.push("read");
                    let (_, body) = answer(sends_here);
                    assert!(cap >= body.len());
                    Input::Body(body.into_bytes())
                }
                Action::Return => return (seen, Ok(last)),
                Action::Fail(e) => return (seen, Err(e.to_string())),
                _ => unreachable!(),
            };
        }
        panic!("the exchange did not end in 200 steps: {seen:?}");
    }
}

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
    let mut world = World {
        now_ms: START_MS,
        probes: 0,
        sends: 0,
    };
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
    let mut world = World {
        now_ms: START_MS,
        probes: 0,
        sends: 0,
    };
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
        let mut world = World { now_ms: START_MS, probes: 0, sends: 0 };
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

/// The engine's events name what happened, never a key, a signature or a secret.
#[cfg(feature = "tracing")]
#[test]
fn events_tell_retries_and_bans_without_secrets() {
    use std::io::Write;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);
    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let settings = Settings::new(
        Signer::hmac("api-key-XYZ", "s3cr3t-XYZ").unwrap(),
        ServerClock::new(),
    );
    tracing::subscriber::with_default(subscriber, || {
        let mut world = World {
            now_ms: START_MS,
            probes: 0,
            sends: 0,
        };
        let clock_moved = (400, r#"{"code":-1021}"#.to_owned());
        let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
        assert_eq!(world.run(exchange, &mut |_| clock_moved.clone()).1, Ok(400));
        let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
        let banned = world.run(exchange, &mut |_| (418, r#"{"code":-1003}"#.to_owned()));
        assert_eq!(banned.1, Ok(418));
    });
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for wanted in ["probing the server time", "retrying once", "IP banned"] {
        assert!(text.contains(wanted), "{wanted:?} missing from:\n{text}");
    }
    for secret in ["api-key-XYZ", "s3cr3t-XYZ", "signature", "symbol=BTCUSDT"] {
        assert!(!text.contains(secret), "{secret:?} in:\n{text}");
    }
}
