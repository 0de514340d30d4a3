//! Staying under Binance's rate limits, from the counts Binance itself reports.
//!
//! Binance counts request weight per IP and orders per account in fixed windows aligned to its
//! clock (a one-minute window starts at every whole minute of server time), and reports where
//! you stand in every response: `X-MBX-USED-WEIGHT-1M`, `X-MBX-ORDER-COUNT-10S`,
//! `X-SAPI-USED-IP-WEIGHT-1M`, ..., and `Retry-After` on 429 (too many requests) and 418 (IP
//! banned). A [`Governor`] reserves each request against every window before it is sent, learns
//! the true counts from those headers (or from WebSocket `rateLimits`), holds everything until
//! `Retry-After` has passed after a 429, and refuses to send during a 418 ban. It never blocks
//! and never sleeps: it answers [`Decision::Wait`] and you wait (`tokio::time::sleep` in async
//! code). Times are [`ServerTime`](crate::ServerTime)s from the shared
//! [`ServerClock`](crate::ServerClock), so "time 0 before the first clock sample" cannot be
//! written.
//!
//! It fails closed: a 429 or 418 is recorded before anything else in the response is read, so
//! a malformed header (reported as an error afterwards) cannot let a bot send into a ban; an
//! unreadable `Retry-After` holds for the configured default; every computation saturates, so
//! no input panics or wraps around to [`Decision::Send`].
//!
//! ```
//! use binance_sign::limits::{Decision, Governor, RateLimit};
//! use binance_sign::ServerTime;
//! let governor = Governor::new(RateLimit::spot_defaults());
//! let now = ServerTime::from_millis(1_700_000_000_000)?; // from ServerClock::now() in a bot
//! assert_eq!(governor.acquire(now, 20, false), Decision::Send);
//! // After the response (sent and received at `now` here):
//! governor.observe(now, now, 429, [("Retry-After", "7")])?;
//! assert!(matches!(governor.acquire(now, 20, false), Decision::Wait(d) if d.as_secs() == 7));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A fleet of processes trading from one account or IP shares the counts through Redis with
//! `FleetGovernor` (feature `redis`):
//!
//! ```no_run
//! # #[cfg(feature = "redis")]
//! # async fn fleet(clock: binance_sign::ServerClock) -> Result<(), Box<dyn std::error::Error>> {
//! use binance_sign::limits::{Decision, FleetConfig, FleetGovernor, RateLimit};
//! let governor = FleetGovernor::connect(
//!     "redis://127.0.0.1:6379/",
//!     "binance:account-1:ip-203.0.113.7", // one prefix per account and IP
//!     RateLimit::spot_defaults(),
//!     FleetConfig::default(),
//! )
//! .await?;
//! if governor.acquire(clock.now()?, 1, true).await? == Decision::Send { /* send the order */ }
//! # Ok(()) }
//! ```

use std::time::Duration;

use crate::source::Source;
use serde::Deserialize;

#[cfg(feature = "redis")]
mod fleet;
pub(crate) mod gate;
mod governor;
pub(crate) mod headers;
pub(crate) mod store_value;

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use fleet::{Fallback, FleetConfig, FleetError, FleetGovernor, Leases};
pub use gate::{
    Admission, Binding, GateError, GateFuture, GateResponse, Permit, RateGate, SleepFuture, Weight,
};
pub use governor::{Governor, GovernorConfig};

/// A Binance rate-limit counter kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum RateLimitType {
    /// Request weight per IP (`X-MBX-USED-WEIGHT-*`).
    RequestWeight,
    /// Orders per account (`X-MBX-ORDER-COUNT-*`).
    Orders,
    /// Requests per IP, whatever their weight.
    RawRequests,
    /// `/sapi` weight per IP (`X-SAPI-USED-IP-WEIGHT-*`).
    SapiIpWeight,
    /// `/sapi` weight per account (`X-SAPI-USED-UID-WEIGHT-*`).
    SapiUidWeight,
}

impl RateLimitType {
    /// What one request of `weight` (an order if `is_order`) adds to this kind of counter.
    pub fn cost(self, weight: u32, is_order: bool) -> u64 {
        match self {
            RateLimitType::RequestWeight
            | RateLimitType::SapiIpWeight
            | RateLimitType::SapiUidWeight => u64::from(weight),
            RateLimitType::Orders => u64::from(is_order),
            RateLimitType::RawRequests => 1,
        }
    }

    /// The name Binance uses (`REQUEST_WEIGHT`, `ORDERS`, ...).
    pub fn name(self) -> &'static str {
        match self {
            RateLimitType::RequestWeight => "REQUEST_WEIGHT",
            RateLimitType::Orders => "ORDERS",
            RateLimitType::RawRequests => "RAW_REQUESTS",
            RateLimitType::SapiIpWeight => "SAPI_IP_WEIGHT",
            RateLimitType::SapiUidWeight => "SAPI_UID_WEIGHT",
        }
    }
}

/// The unit of a rate-limit interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum IntervalUnit {
    /// Seconds (`S` in headers).
    Second,
    /// Minutes (`M`).
    Minute,
    /// Hours (`H`).
    Hour,
    /// Days (`D`).
    Day,
}

impl IntervalUnit {
    fn millis(self) -> u64 {
        match self {
            IntervalUnit::Second => 1_000,
            IntervalUnit::Minute => 60_000,
            IntervalUnit::Hour => 3_600_000,
            IntervalUnit::Day => 86_400_000,
        }
    }

    fn from_letter(letter: char) -> Option<Self> {
        match letter.to_ascii_uppercase() {
            'S' => Some(IntervalUnit::Second),
            'M' => Some(IntervalUnit::Minute),
            'H' => Some(IntervalUnit::Hour),
            'D' => Some(IntervalUnit::Day),
            _ => None,
        }
    }
}

/// One limit, as `exchangeInfo`'s `rateLimits` lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// What is counted.
    pub rate_limit_type: RateLimitType,
    /// The interval unit.
    pub interval: IntervalUnit,
    /// How many units the window spans.
    pub interval_num: u32,
    /// The most Binance allows in one window.
    pub limit: u64,
}

impl RateLimit {
    /// A limit.
    pub fn new(kind: RateLimitType, interval: IntervalUnit, interval_num: u32, limit: u64) -> Self {
        Self {
            rate_limit_type: kind,
            interval,
            interval_num,
            limit,
        }
    }

    /// The window length in milliseconds.
    pub(crate) fn window_millis(&self) -> u64 {
        self.interval.millis() * u64::from(self.interval_num.max(1))
    }

    /// The window length.
    pub fn window(&self) -> Duration {
        Duration::from_millis(self.window_millis())
    }

    /// Whether this is the limit of `kind` over `window` (what a reported count names).
    pub(crate) fn is(&self, kind: RateLimitType, window: Duration) -> bool {
        self.rate_limit_type == kind && self.window() == window
    }

    /// Binance spot's documented limits (`/api/v3/exchangeInfo`): request weight 6000 per
    /// minute, 100 orders per 10 s, 200000 orders per day, 300000 raw requests per 5 min
    /// (raised from 61000 on 2026-04-02).
    /// Load the live values with [`parse_rate_limits`] when you can.
    pub fn spot_defaults() -> Vec<RateLimit> {
        vec![
            RateLimit::new(RateLimitType::RequestWeight, IntervalUnit::Minute, 1, 6000),
            RateLimit::new(RateLimitType::Orders, IntervalUnit::Second, 10, 100),
            RateLimit::new(RateLimitType::Orders, IntervalUnit::Day, 1, 200_000),
            RateLimit::new(RateLimitType::RawRequests, IntervalUnit::Minute, 5, 300_000),
        ]
    }

    /// USD-M futures' documented limits (`/fapi/v1/exchangeInfo`): request weight 2400 per
    /// minute, 1200 orders per minute, 300 orders per 10 s.
    pub fn usdm_futures_defaults() -> Vec<RateLimit> {
        vec![
            RateLimit::new(RateLimitType::RequestWeight, IntervalUnit::Minute, 1, 2400),
            RateLimit::new(RateLimitType::Orders, IntervalUnit::Minute, 1, 1200),
            RateLimit::new(RateLimitType::Orders, IntervalUnit::Second, 10, 300),
        ]
    }

    /// `/sapi` limits: 12000 IP weight and 180000 UID weight per minute.
    pub fn sapi_defaults() -> Vec<RateLimit> {
        vec![
            RateLimit::new(RateLimitType::SapiIpWeight, IntervalUnit::Minute, 1, 12_000),
            RateLimit::new(
                RateLimitType::SapiUidWeight,
                IntervalUnit::Minute,
                1,
                180_000,
            ),
        ]
    }
}

/// What went wrong reading Binance's rate-limit data. Never panics on any input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitsError {
    /// A rate-limit header has a value that is not a whole number.
    #[error("header {name}: value {value:?} is not a whole number")]
    MalformedValue {
        /// The header name.
        name: String,
        /// The value (header values are public), escaped and cut to 64 bytes.
        value: String,
    },
    /// A rate-limit header's interval suffix is malformed (e.g. `-0M`, `-1X`).
    #[error("header {0}: malformed interval suffix; expected a number and S, M, H or D")]
    MalformedInterval(String),
    /// `Retry-After` is neither whole seconds nor an HTTP date (the hold is still in place,
    /// for the configured default).
    #[error("Retry-After {0:?} is neither seconds nor an HTTP date; held for the default instead")]
    MalformedRetryAfter(String),
    /// The `rateLimits` JSON could not be read.
    #[error("cannot read rateLimits")]
    Json(#[source] Source),
    /// `Retry-After` asks for a hold longer than [`MAX_HOLD`] (Binance's longest ban is
    /// 3 days): held for `MAX_HOLD` instead.
    #[error(
        "Retry-After asks for a hold of {asked:?}, longer than Binance ever bans (3 days); held for 3 days instead"
    )]
    HoldTooLong {
        /// What the header asked for.
        asked: Duration,
    },
}

/// The longest hold or ban a response can impose: Binance's longest IP ban, 3 days. A longer
/// `Retry-After` (a misconfigured proxy, a corrupt value) is held for this long and reported as
/// [`LimitsError::HoldTooLong`], so no header can wedge a bot for years.
pub const MAX_HOLD: Duration = Duration::from_secs(3 * 24 * 3600);

/// Reads `rateLimits` from an `exchangeInfo` response, or from the bare array.
///
/// ```
/// use binance_sign::limits::{parse_rate_limits, RateLimitType};
/// let limits = parse_rate_limits(r#"{"timezone":"UTC","rateLimits":[
///   {"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000}]}"#)?;
/// assert_eq!(limits[0].rate_limit_type, RateLimitType::RequestWeight);
/// assert_eq!(limits[0].window().as_secs(), 60);
/// # Ok::<(), binance_sign::limits::LimitsError>(())
/// ```
///
/// # Errors
///
/// [`LimitsError::Json`] when the text is not an `exchangeInfo` object or a `rateLimits` array.
pub fn parse_rate_limits(json: &str) -> Result<Vec<RateLimit>, LimitsError> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Doc {
        Info {
            #[serde(rename = "rateLimits")]
            rate_limits: Vec<RateLimit>,
        },
        Bare(Vec<RateLimit>),
    }
    match serde_json::from_str::<Doc>(json).map_err(|e| LimitsError::Json(Source::new(e)))? {
        Doc::Info { rate_limits } | Doc::Bare(rate_limits) => Ok(rate_limits),
    }
}

/// What to do before sending a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Send it now; it has been counted.
    Send,
    /// Wait this long, then ask again.
    Wait(Duration),
    /// The IP is banned (HTTP 418) until this server time: do not send anything.
    Banned {
        /// When the ban ends.
        until: crate::ServerTime,
    },
    /// The request alone counts more than this limit allows in a whole window: it can never be
    /// sent (Binance would answer 429).
    TooHeavy {
        /// The limit it exceeds.
        limit: RateLimit,
    },
}

#[cfg(test)]
mod spot_default_tests {
    use super::*;

    #[test]
    fn spot_defaults_follow_binance() {
        let raw = RateLimit::spot_defaults()
            .into_iter()
            .find(|l| l.rate_limit_type == RateLimitType::RawRequests)
            .expect("a RAW_REQUESTS limit");
        // 300,000 per 5 minutes since 2026-04-02.
        assert_eq!(
            (raw.limit, raw.window()),
            (300_000, Duration::from_secs(300))
        );
    }
}
