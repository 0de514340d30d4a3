//! A signing scheme of another venue, built on the public crypto layer alone.
//!
//! Many exchanges sign `timestamp + method + path + body` with HMAC-SHA256 and send the tag in
//! base64 in a header. Nothing of that is Binance's REST form, so it does not go through
//! `Signer`: it is one small module over `SigningKey`, which signs bytes and hands back a
//! `Signature` in hex or base64. ARCHITECTURE.md says where such a module goes in the crate.
//!
//! ```text
//! cargo run --example other_venue
//! ```

use binance_sign::{Signature, SigningKey};

/// The headers a toy venue wants on a signed request.
struct ToyHeaders {
    timestamp: String,
    signature: String,
}

/// The toy venue's scheme: HMAC-SHA256 over `timestamp ‖ METHOD ‖ path ‖ body`, base64.
fn sign_toy(
    key: &SigningKey,
    timestamp_ms: u64,
    method: &str,
    path: &str,
    body: &str,
) -> Result<ToyHeaders, binance_sign::Error> {
    let timestamp = timestamp_ms.to_string();
    let method = method.to_ascii_uppercase();
    // The parts are fed to the key one after the other: nothing is concatenated.
    let signature: Signature = key.sign_parts(&[
        timestamp.as_bytes(),
        method.as_bytes(),
        path.as_bytes(),
        body.as_bytes(),
    ])?;
    Ok(ToyHeaders {
        timestamp,
        signature: signature.to_base64(),
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A toy venue's secret is not a Binance secret: any bytes make an HMAC key.
    let key = SigningKey::hmac_bytes(b"toy-secret");
    let body = r#"{"symbol":"BTC-USDT","size":"0.01"}"#;
    let headers = sign_toy(&key, 1_700_000_000_000, "post", "/api/v1/orders", body)?;
    println!("TOY-TIMESTAMP: {}", headers.timestamp);
    println!("TOY-SIGNATURE: {}", headers.signature);
    // The same tag as Python's `base64.b64encode(hmac.new(b"toy-secret", msg, sha256).digest())`.
    assert_eq!(
        headers.signature,
        "sGOSprHqx3yILrjM4t+/rlFW2JfESgimzUaaFwhHgvw="
    );
    // The venue's server side: read the header back and verify it over the same parts.
    let received = Signature::from_base64(key.kind(), &headers.signature)?;
    let message = format!("{}POST/api/v1/orders{body}", headers.timestamp);
    key.verify(message.as_bytes(), &received)?;
    Ok(())
}
