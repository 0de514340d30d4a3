//! The client engine's `tracing` events, alone in their test binary (a thread-local
//! subscriber and tests on other threads share tracing's callsite cache).
#![cfg(feature = "tracing")]

use std::sync::Arc;

use binance_sign::client::{Exchange, Settings};
use binance_sign::limits::Weight;
use binance_sign::{ServerClock, Signer};

mod engine_world;
use engine_world::World;

/// The engine's events name what happened, never a key, a signature or a secret.
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
    // The global default: events on any thread reach it.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let settings = Settings::new(
        Signer::hmac("api-key-XYZ", "s3cr3t-XYZ").unwrap(),
        ServerClock::new(),
    );
    let mut world = World::new();
    let clock_moved = (400, r#"{"code":-1021}"#.to_owned());
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    assert_eq!(world.run(exchange, &mut |_| clock_moved.clone()).1, Ok(400));
    let exchange = Exchange::new(&settings, "symbol=BTCUSDT", b"", Weight::of(1), true);
    let banned = world.run(exchange, &mut |_| (418, r#"{"code":-1003}"#.to_owned()));
    assert_eq!(banned.1, Ok(418));
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for wanted in ["probing the server time", "retrying once", "IP banned"] {
        assert!(text.contains(wanted), "{wanted:?} missing from:\n{text}");
    }
    for secret in ["api-key-XYZ", "s3cr3t-XYZ", "signature", "symbol=BTCUSDT"] {
        assert!(!text.contains(secret), "{secret:?} in:\n{text}");
    }
}
