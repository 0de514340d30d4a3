//! Feeding the shared `ServerClock` from real `GET /api/v3/time` calls, then signing with its
//! timestamps.
//!
//! ```sh
//! cargo run --example time_sync                       # api.binance.com
//! BINANCE_BASE_URL=https://testnet.binance.vision cargo run --example time_sync
//! ```
//!
//! Needs network access; the crate's tests only compile it.

use std::time::Duration;

use binance_sign::{Product, ServerClock};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base =
        std::env::var("BINANCE_BASE_URL").unwrap_or_else(|_| "https://api.binance.com".into());
    let url = format!("{base}{}", Product::Spot.server_time_path());
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let clock = ServerClock::new();

    // A few probes: the one with the shortest round trip sets the estimate; two or more
    // measure the drift.
    for _ in 0..4 {
        let sent = clock.reading();
        let body = client.get(&url).send()?.error_for_status()?.text()?;
        match clock.observe_json(sent, &body) {
            Ok(obs) => println!(
                "sample: offset {:+} µs ± {:?}",
                obs.offset_micros, obs.uncertainty
            ),
            Err(e) => println!("sample refused: {e}"),
        }
    }

    let estimate = clock.estimate()?;
    println!(
        "estimate: server time {} ms, local clock {:+} µs off Binance's, ± {:?}",
        estimate.server, -estimate.offset_micros, estimate.uncertainty
    );
    println!("timestamp to sign with: {}", clock.timestamp()?);
    if clock.needs_resync() {
        println!("probe again before the next request");
    }
    Ok(())
}
