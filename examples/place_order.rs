//! Place a spot order with `reqwest`: clock sync, signing, the `http` integration, and the
//! rate-limit governor.
//!
//! ```sh
//! export BINANCE_API_KEY=...            # a spot testnet key by default
//! export BINANCE_API_SECRET=...         # or BINANCE_KEY_FILE=ed25519.pem
//! cargo run --example place_order --features http
//! ```
//!
//! `BINANCE_BASE_URL` defaults to Binance's spot testnet (`https://testnet.binance.vision`). The
//! order goes to `/api/v3/order/test` (validated, not placed) unless `PLACE_REAL_ORDER=1`.

use std::time::Duration;

use binance_sign::limits::{Decision, Governor, RateLimit};
use binance_sign::{Params, Product, RecvWindow, Signer, SystemClock, TimeSync};

#[derive(serde::Deserialize)]
struct ServerTime {
    #[serde(rename = "serverTime")]
    server_time: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("BINANCE_BASE_URL")
        .unwrap_or_else(|_| "https://testnet.binance.vision".into());
    let api_key = std::env::var("BINANCE_API_KEY")?;
    let signer = match std::env::var("BINANCE_KEY_FILE") {
        Ok(path) => Signer::from_pem(&api_key, &std::fs::read_to_string(path)?, None)?,
        Err(_) => Signer::hmac(&api_key, std::env::var("BINANCE_API_SECRET")?)?,
    }
    .for_product(Product::Spot);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;

    // Clock: three probes of /api/v3/time.
    let clock = SystemClock::new();
    let mut sync = TimeSync::new();
    for _ in 0..3 {
        let sent = clock.now();
        let reply: ServerTime = client.get(format!("{base}/api/v3/time")).send()?.json()?;
        sync.observe(sent, reply.server_time, clock.now())?;
    }
    let server_now = |sync: &TimeSync| {
        sync.estimate(clock.now())
            .map_or(0, |e| e.server_micros / 1000)
    };

    // Rate limits: the governor holds the request if the order windows are full.
    let governor = Governor::new(RateLimit::spot_defaults());
    loop {
        match governor.acquire(server_now(&sync), 1, true) {
            Decision::Send => break,
            Decision::Wait(d) => std::thread::sleep(d),
            Decision::Banned {
                until_server_millis,
            } => {
                return Err(format!("IP banned until {until_server_millis}").into());
            }
            other => return Err(format!("cannot send: {other:?}").into()),
        }
    }

    let mut params = Params::new();
    params.push("symbol", "BTCUSDT")?;
    params.push("side", "BUY")?;
    params.push("type", "LIMIT")?;
    params.push("timeInForce", "GTC")?;
    params.push("quantity", "0.001")?;
    params.push("price", "20000")?;
    let timestamp = sync.timestamp(clock.now())?;
    let signed = signer.sign_body(&params, timestamp, Some(RecvWindow::from_millis(5000)?))?;

    let path = if std::env::var("PLACE_REAL_ORDER").as_deref() == Ok("1") {
        "/api/v3/order"
    } else {
        "/api/v3/order/test"
    };
    let request = signed.to_http(http::Method::POST, &base, path)?;
    let response = client.execute(reqwest::blocking::Request::try_from(request)?)?;
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_owned())))
        .collect();
    governor.observe(
        server_now(&sync),
        status,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    println!("{status} {}", response.text()?);
    Ok(())
}
