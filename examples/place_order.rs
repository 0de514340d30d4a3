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
use binance_sign::{Params, Product, ServerClock, Signer};

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
    let clock = ServerClock::new();
    for _ in 0..3 {
        let sent = clock.reading();
        let body = client.get(format!("{base}/api/v3/time")).send()?.text()?;
        clock.observe_json(sent, &body)?;
    }

    // Rate limits: the governor holds the request if the order windows are full.
    let governor = Governor::new(RateLimit::spot_defaults());
    let sent = loop {
        let now = clock.now()?;
        match governor.acquire(now, 1, true) {
            Decision::Send => break now,
            Decision::Wait(d) => std::thread::sleep(d),
            Decision::Banned { until } => return Err(format!("IP banned until {until}").into()),
            other => return Err(format!("cannot send: {other:?}").into()),
        }
    };

    let mut params = Params::new();
    params.push("symbol", "BTCUSDT")?;
    params.push("side", "BUY")?;
    params.push("type", "LIMIT")?;
    params.push("timeInForce", "GTC")?;
    params.push("quantity", "0.001")?;
    params.push("price", "20000")?;
    let timestamp = clock.timestamp()?;
    let signed = signer.sign_body(&params, timestamp, Some(clock.config().recv_window))?;

    let path = if std::env::var("PLACE_REAL_ORDER").as_deref() == Ok("1") {
        "/api/v3/order"
    } else {
        "/api/v3/order/test"
    };
    let request = signed.to_http(binance_sign::http::Method::POST, &base, path)?;
    let response = client.execute(reqwest::blocking::Request::try_from(request)?)?;
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_owned())))
        .collect();
    governor.observe(
        sent,
        clock.now()?,
        status,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    let body = response.text()?;
    governor.observe_body(&body);
    println!("{status} {body}");
    Ok(())
}
