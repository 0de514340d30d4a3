//! The engine's events through `tracing` (feature `tracing`): probes, holds, bans, retries
//! and the gate's errors, under the target `binance_sign::client`. No field carries a key,
//! a signature, a query or a body: only paths, statuses, durations and error texts (which
//! never hold secrets).

use std::time::Duration;

#[cfg(feature = "tracing")]
macro_rules! event {
    ($level:ident, $($rest:tt)*) => {
        tracing::$level!(target: "binance_sign::client", $($rest)*)
    };
}

/// A clock probe goes out.
pub(super) fn probe(path: &str) {
    #[cfg(feature = "tracing")]
    event!(debug, path, "probing the server time");
    #[cfg(not(feature = "tracing"))]
    let _ = path;
}

/// A clock probe failed.
pub(super) fn probe_failed(error: &dyn std::error::Error) {
    #[cfg(feature = "tracing")]
    event!(warn, error = %error, "the server-time probe failed");
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

/// A 429 (or a gate) holds requests.
pub(super) fn held(status: u16, remaining: Duration) {
    #[cfg(feature = "tracing")]
    event!(
        warn,
        status,
        remaining_ms = millis(remaining),
        "requests held"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (status, remaining);
}

/// A 418 bans the IP.
pub(super) fn banned(remaining: Duration) {
    #[cfg(feature = "tracing")]
    event!(
        error,
        remaining_ms = millis(remaining),
        "IP banned (HTTP 418); nothing is sent"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = remaining;
}

/// A `Retry-After` (or ban end) longer than the longest hold was capped.
pub(super) fn hold_capped(error: &dyn std::error::Error) {
    #[cfg(feature = "tracing")]
    event!(warn, error = %error, "a hold longer than limits::MAX_HOLD was capped");
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

/// A `-1021` answer: resync and one retry.
pub(super) fn retry() {
    #[cfg(feature = "tracing")]
    event!(
        info,
        "-1021: resyncing the clock and retrying once with a fresh timestamp"
    );
}

/// The gate asks to wait.
pub(super) fn wait(wait: Duration) {
    #[cfg(feature = "tracing")]
    event!(debug, wait_ms = millis(wait), "the rate gate asks to wait");
    #[cfg(not(feature = "tracing"))]
    let _ = wait;
}

/// The gate could not record a response (the hold is in place locally anyway).
pub(super) fn gate_error(error: &dyn std::error::Error) {
    #[cfg(feature = "tracing")]
    event!(warn, error = %error, "the rate gate could not record a response");
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

#[cfg(feature = "tracing")]
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
