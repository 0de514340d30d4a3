//! Signing for a hand-rolled HTTP client with `sign_encoded`: the query is built by another
//! encoder (`form_urlencoded`, which writes spaces as `+`), checked, signed exactly as it is,
//! and written into a raw HTTP/1.1 request.
//!
//! ```sh
//! BINANCE_API_KEY=... BINANCE_API_SECRET=... cargo run --example custom_client
//! ```
//!
//! It prints the request rather than sending it; write those bytes to a TLS stream to send.

use binance_sign::{API_KEY_HEADER, Signer, Timestamp};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api_key = std::env::var("BINANCE_API_KEY").unwrap_or_else(|_| "demo-api-key".into());
    let secret = std::env::var("BINANCE_API_SECRET").unwrap_or_else(|_| "demo-secret".into());
    let signer = Signer::hmac(&api_key, &secret)?;

    // Your own encoder, your own order of parameters.
    let timestamp = Timestamp::now_millis()?;
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("symbol", "BTCUSDT")
        .append_pair("side", "SELL")
        .append_pair("type", "MARKET")
        .append_pair("quantity", "0.001")
        .append_pair("newClientOrderId", "my bot*1")
        .append_pair("timestamp", &timestamp.to_string())
        .finish();

    // Refused with a reason if the string is malformed, lacks a timestamp, repeats a key, or
    // holds a byte an HTTP client might re-encode; otherwise signed as it is.
    let signed = signer.sign_encoded("", &body)?;

    let request = format!(
        "POST /api/v3/order HTTP/1.1\r\nHost: api.binance.com\r\n{API_KEY_HEADER}: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
        signed.api_key().unwrap_or_default(),
        signed.body().len(),
        signed.body()
    );
    println!("{request}");
    signer.verify(signed.query(), signed.body())?;
    Ok(())
}
