//! An async bot: tokio, reqwest, the `reqwest-middleware` signing middleware, the rate-limit
//! governor and the shared server clock, placing a test order (validated, never executed).
//!
//! ```sh
//! export BINANCE_API_KEY=...      # a spot testnet key by default
//! export BINANCE_API_SECRET=...   # or BINANCE_KEY_FILE=ed25519.pem
//! cargo run --example async_bot --features reqwest-middleware
//! ```
//!
//! `BINANCE_BASE_URL` defaults to Binance's spot testnet (`https://testnet.binance.vision`).
//! `tests/clients.rs` runs the same `bot` function against a local Binance-rules server.

use std::sync::Arc;

use binance_sign::client::{Settings, Sign, SigningMiddleware};
use binance_sign::limits::Weight;
use binance_sign::limits::{Governor, RateLimit};
use binance_sign::{ServerClock, Signer};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

/// A client that signs `/api/v3/order*` and `/api/v3/account`, keeps `clock` and obeys
/// `governor`.
pub fn client(signer: Signer, clock: ServerClock, governor: Arc<Governor>) -> ClientWithMiddleware {
    let settings = Settings::new(signer, clock)
        .governor(governor)
        .sign_paths(["/api/v3/order", "/api/v3/account"]);
    ClientBuilder::new(reqwest::Client::new())
        .with(SigningMiddleware::new(settings))
        .build()
}

/// Places a LIMIT test order at `base`: the status and the body of the answer.
///
/// # Errors
///
/// The middleware's or the client's error when the order could not be sent.
pub async fn bot(
    client: &ClientWithMiddleware,
    base: &str,
) -> Result<(u16, String), Box<dyn std::error::Error>> {
    let order = [
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.001"),
        ("price", "20000"),
    ];
    let response = client
        .post(format!("{base}/api/v3/order/test"))
        .form(&order)
        .with_extension(Sign)
        .with_extension(Weight::order(1))
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.text().await?))
}

#[allow(dead_code)] // the test module uses only `client` and `bot`
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("BINANCE_BASE_URL")
        .unwrap_or_else(|_| "https://testnet.binance.vision".into());
    let api_key = std::env::var("BINANCE_API_KEY")?;
    let signer = match std::env::var("BINANCE_KEY_FILE") {
        Ok(path) => Signer::from_pem(&api_key, &std::fs::read_to_string(path)?, None)?,
        Err(_) => Signer::hmac(&api_key, std::env::var("BINANCE_API_SECRET")?)?,
    };
    let governor = Arc::new(Governor::new(RateLimit::spot_defaults()));
    let client = client(signer, ServerClock::new(), governor);
    let (status, body) = bot(&client, &base).await?;
    println!("{status} {body}");
    Ok(())
}
