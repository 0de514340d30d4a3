//! [`SyncError`]: why a sample was refused or no timestamp handed out; and reading a
//! server-time response.

use std::time::Duration;

use crate::time::acceptance::WindowVerdict;
use crate::time::error::TimeError;
use crate::time::server_time::ServerTime;

/// Why a sample was refused, or why no timestamp can be handed out. A refused sample leaves
/// the estimate as it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The response was received before the request was sent (monotonic clock).
    #[error(
        "negative round trip: received {by:?} before sending; the readings are swapped or not from one clock"
    )]
    NegativeRoundTrip {
        /// By how much.
        by: Duration,
    },
    /// The round trip is longer than the configured maximum: too uncertain to use.
    #[error("round trip of {round_trip:?} is over the {max:?} limit; retry the probe")]
    RoundTripTooLong {
        /// The round trip.
        round_trip: Duration,
        /// The limit.
        max: Duration,
    },
    /// The wall clock moved by a different amount than the monotonic clock during the probe.
    #[error("the wall clock stepped by {step_micros} µs during the probe; retry it")]
    WallClockSteppedDuringProbe {
        /// The step, µs (positive: forward).
        step_micros: i64,
    },
    /// The offset is larger than the configured maximum.
    #[error(
        "offset of {offset_micros} µs between the local and the server clock is over the {max:?} limit; fix the system clock"
    )]
    OffsetTooLarge {
        /// The offset, µs.
        offset_micros: i64,
        /// The limit.
        max: Duration,
    },
    /// No sample has been observed yet.
    #[error("no server time sample yet; probe the server time first")]
    NoEstimate,
    /// The wall clock ran ahead of the monotonic clock since the last sample: the machine
    /// slept (the monotonic clock stops during suspend) or the wall clock was stepped.
    #[error(
        "the wall clock ran {wall_ahead:?} ahead of the monotonic clock since the last sample (the machine slept or the clock was stepped); probe the server time again"
    )]
    ClockJump {
        /// How far ahead.
        wall_ahead: Duration,
    },
    /// The boot-time clock ran ahead of the monotonic clock since the last sample: the machine
    /// was suspended for `slept` (measured with `CLOCK_BOOTTIME` on Linux).
    #[error(
        "the machine was suspended for {slept:?} since the last sample; probe the server time again"
    )]
    Suspended {
        /// How long the machine slept.
        slept: Duration,
    },
    /// The sample is further from the current estimate than
    /// [`TimeSyncConfig::panic_threshold`](super::TimeSyncConfig::panic_threshold): refused. It is kept as a candidate all the same;
    /// two later, independent probes that agree with it make the clock follow it (a server
    /// clock really stepped that far, or the estimate came from a bad first sample).
    #[error(
        "the server time in this sample is {off_by_micros} µs from the estimate, past the {threshold:?} panic threshold; refused (two more probes that agree with it are needed)"
    )]
    BeyondPanicThreshold {
        /// `sample − estimate`, µs.
        off_by_micros: i64,
        /// The threshold.
        threshold: Duration,
    },
    /// The estimate is too uncertain (old, or from slow probes) to hand out a timestamp Binance
    /// is sure to accept with the configured `recvWindow`.
    #[error(
        "the server time estimate (uncertainty {uncertainty:?}) could get this timestamp rejected ({verdict:?}); probe the server time again"
    )]
    ResyncNeeded {
        /// What [`check_window`](crate::check_window) said of the timestamp.
        verdict: WindowVerdict,
        /// The estimate's uncertainty.
        uncertainty: Duration,
    },
    /// The estimate gives a timestamp outside the range Binance accepts.
    #[error("estimated timestamp refused")]
    Timestamp(#[source] TimeError),
    /// A server-time response without a plausible `serverTime`.
    #[error("not a server-time response with a plausible serverTime: `{body}`")]
    BadResponse {
        /// The body (escaped, cut to 100 bytes).
        body: String,
    },
}

/// Reads the `serverTime` (ms) of a `GET /api/v3/time` body (`{"serverTime":1499827319559}`).
///
/// ```
/// use binance_sign::parse_server_time;
/// assert_eq!(parse_server_time(r#"{"serverTime":1499827319559}"#)?.as_millis(), 1499827319559);
/// assert!(parse_server_time(r#"{"serverTime":0}"#).is_err());
/// assert!(parse_server_time("<html>").is_err());
/// # Ok::<(), binance_sign::SyncError>(())
/// ```
///
/// # Errors
///
/// [`SyncError::BadResponse`] when the body is not such an object, or the time is not between
/// 2017 and year 2286.
pub fn parse_server_time(body: &str) -> Result<ServerTime, SyncError> {
    #[derive(serde::Deserialize)]
    struct Time {
        #[serde(rename = "serverTime")]
        server_time: u64,
    }
    serde_json::from_str::<Time>(body)
        .ok()
        .and_then(|t| ServerTime::from_millis(t.server_time).ok())
        .ok_or_else(|| SyncError::BadResponse {
            body: crate::source::excerpt(body, 100),
        })
}
