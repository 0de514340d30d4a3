//! [`TimeError`]: a timestamp, server time or `recvWindow` outside Binance's rules.

use super::unit::TimeUnit;
use crate::source::reasons;

reasons! {
    /// Why a timestamp is out of range.
    pub enum TimestampRule {
        /// Before 2017-01-01.
        BeforeBinance => "before 2017-01-01, which Binance refuses (is the clock or the unit wrong?)",
        /// Past year 2286 in its unit.
        TooLargeForUnit => "too large for this unit (microseconds passed as milliseconds?)",
    }
}

reasons! {
    /// Why a `recvWindow` is refused.
    pub enum RecvWindowRule {
        /// Not digits with an optional fraction.
        NotDigits => "expected milliseconds as digits, like 5000 or 6000.346",
        /// More than three decimals.
        TooPrecise => "at most three decimals (microsecond precision)",
        /// More than 60000 ms.
        TooLarge => "Binance allows at most 60000 ms (-1131)",
        /// Zero.
        Zero => "it must be more than 0",
    }
}

/// A timestamp, server time or `recvWindow` outside Binance's rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// A timestamp outside the range Binance accepts.
    #[error("timestamp {value} {unit} is out of range: {rule}")]
    TimestampOutOfRange {
        /// The value given.
        value: u64,
        /// Its unit.
        unit: TimeUnit,
        /// The rule it broke.
        rule: TimestampRule,
    },
    /// clock that was never synchronized, or a unit mix-up.
    #[error(
        "server time {value} {unit} is out of range (2017-01-01 to year 2286): was the clock synchronized, and is the unit right?"
    )]
    ServerTimeOutOfRange {
        /// The value given.
        value: u64,
        /// Its unit.
        unit: TimeUnit,
    },
    /// A `timestamp` text that is not a whole number of milliseconds or microseconds.
    #[error(
        "timestamp `{text}` is not a whole number of milliseconds (13 digits) or microseconds (16 digits)"
    )]
    MalformedTimestamp {
        /// The text given (escaped).
        text: String,
    },
    /// A `recvWindow` outside Binance's rules.
    #[error("recvWindow {value} is invalid: {rule}")]
    RecvWindowInvalid {
        /// The value given, as text.
        value: String,
        /// The rule it broke.
        rule: RecvWindowRule,
    },
}
