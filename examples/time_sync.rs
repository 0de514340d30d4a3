//! Feeding `TimeSync` from real `GET /api/v3/time` calls, then signing with its timestamps.
//!
//! ```sh
//! cargo run --example time_sync                       # api.binance.com
//! BINANCE_BASE_URL=https://testnet.binance.vision cargo run --example time_sync
//! ```
//!
//! Needs network access; the crate's tests only compile it.

use std::time::Duration;

use binance_sign::{Product, SystemClock, TimeSync};

#[derive(serde::Deserialize)]
struct ServerTime {
    #[serde(rename = "serverTime")]
    server_time: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base =
        std::env::var("BINANCE_BASE_URL").unwrap_or_else(|_| "https://api.binance.com".into());
    let url = format!("{base}{}", Product::Spot.server_time_path());
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let clock = SystemClock::new();
    let mut sync = TimeSync::new();

    // A few probes: the one with the shortest round trip sets the estimate.
    for _ in 0..4 {
        let sent = clock.now();
        let reply: ServerTime = client.get(&url).send()?.error_for_status()?.json()?;
        let received = clock.now();
        match sync.observe(sent, reply.server_time, received) {
            Ok(obs) => println!(
                "sample: offset {:+.3} ms ± {:.3} ms",
                obs.offset_micros as f64 / 1000.0,
                obs.uncertainty_micros as f64 / 1000.0
            ),
            Err(e) => println!("sample refused: {e}"),
        }
    }

    let now = clock.now();
    if let Some(estimate) = sync.estimate(now) {
        println!(
            "estimate: local clock is {:+.3} ms off Binance's, ± {:.3} ms",
            -(estimate.offset_micros as f64) / 1000.0,
            estimate.uncertainty_micros as f64 / 1000.0
        );
    }
    println!("timestamp to sign with: {}", sync.timestamp(now)?);
    if sync.needs_resync(clock.now(), Duration::from_secs(300)) {
        println!("probe again before the next request");
    }
    Ok(())
}
