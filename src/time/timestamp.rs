//! [`Timestamp`]: the `timestamp` parameter, in milliseconds or microseconds.

use std::fmt;

use crate::time::error::{TimeError, TimestampRule};
use crate::time::unit::TimeUnit;

/// 2017-01-01T00:00:00Z in milliseconds: Binance refuses earlier timestamps.
pub const MIN_TIMESTAMP_MILLIS: u64 = 1_483_228_800_000;
/// The largest 13-digit millisecond timestamp (year 2286).
pub const MAX_TIMESTAMP_MILLIS: u64 = 9_999_999_999_999;

/// The `timestamp` parameter: milliseconds since the epoch, or microseconds (spot only).
///
/// Values before 2017-01-01 (Binance refuses them) or past year 2286 are refused at
/// construction, so a failed clock read can never produce a malformed timestamp.
///
/// ```
/// use binance_sign::Timestamp;
/// let ts = Timestamp::from_millis(1499827319559)?;
/// assert_eq!(ts.to_string(), "1499827319559");
/// assert_eq!(Timestamp::from_micros(1499827319559123)?.as_millis(), 1499827319559);
/// assert!(Timestamp::from_millis(0).is_err());
/// assert!(Timestamp::from_millis(1499827319559000).is_err()); // µs passed as ms
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timestamp {
    value: u64,
    unit: TimeUnit,
}

impl Timestamp {
    /// The earliest timestamp accepted, in milliseconds: 2017-01-01T00:00:00Z.
    pub const MIN: Timestamp = Timestamp {
        value: MIN_TIMESTAMP_MILLIS,
        unit: TimeUnit::Millis,
    };

    /// A timestamp in milliseconds since the epoch.
    ///
    /// # Errors
    ///
    /// [`TimeError::TimestampOutOfRange`] before 2017-01-01 or past year 2286.
    pub fn from_millis(millis: u64) -> Result<Self, TimeError> {
        Self::new(millis, TimeUnit::Millis)
    }

    /// A timestamp in microseconds since the epoch (spot only).
    ///
    /// # Errors
    ///
    /// [`TimeError::TimestampOutOfRange`] before 2017-01-01 or past year 2286.
    pub fn from_micros(micros: u64) -> Result<Self, TimeError> {
        Self::new(micros, TimeUnit::Micros)
    }

    /// A timestamp of `value` in `unit`.
    ///
    /// # Errors
    ///
    /// [`TimeError::TimestampOutOfRange`] before 2017-01-01 or past year 2286.
    pub fn new(value: u64, unit: TimeUnit) -> Result<Self, TimeError> {
        let scale = 1000 / unit.micros();
        let out_of_range = |rule| TimeError::TimestampOutOfRange { value, unit, rule };
        if value < MIN_TIMESTAMP_MILLIS * scale {
            return Err(out_of_range(TimestampRule::BeforeBinance));
        }
        if value > MAX_TIMESTAMP_MILLIS * scale + (scale - 1) {
            return Err(out_of_range(TimestampRule::TooLargeForUnit));
        }
        Ok(Self { value, unit })
    }

    /// The current system time, in milliseconds.
    ///
    /// Prefer [`ServerClock`](crate::ServerClock), which corrects for the offset between this
    /// machine's clock and Binance's.
    ///
    /// # Errors
    ///
    /// [`TimeError::TimestampOutOfRange`] when the system clock is before 2017.
    pub fn now_millis() -> Result<Self, TimeError> {
        Self::from_millis(system_micros() / 1000)
    }

    /// The value in its own unit.
    pub fn value(self) -> u64 {
        self.value
    }

    /// The unit.
    pub fn unit(self) -> TimeUnit {
        self.unit
    }

    /// The value in milliseconds (microseconds are truncated).
    pub fn as_millis(self) -> u64 {
        match self.unit {
            TimeUnit::Millis => self.value,
            TimeUnit::Micros => self.value / 1000,
        }
    }

    /// The value in microseconds.
    pub fn as_micros(self) -> u64 {
        // In range by construction: at most 9_999_999_999_999_999 µs.
        self.value.saturating_mul(self.unit.micros())
    }

    pub(crate) fn write_to(self, out: &mut String) {
        out.push_str(itoa::Buffer::new().format(self.value));
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)
    }
}

/// The system clock in microseconds since the epoch (0 before 1970).
pub(crate) fn system_micros() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// Parses a `timestamp` value: 13 digits are milliseconds, 16 are microseconds.
pub(crate) fn parse_timestamp(text: &str) -> Result<Timestamp, TimeError> {
    let value: u64 = match text.parse() {
        Ok(value) if crate::encoding::is_digits(text) => value,
        _ => {
            return Err(TimeError::MalformedTimestamp {
                text: crate::source::excerpt(text, 40),
            });
        }
    };
    let unit = if text.len() >= 16 {
        TimeUnit::Micros
    } else {
        TimeUnit::Millis
    };
    Timestamp::new(value, unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_edges() {
        assert!(Timestamp::from_millis(MIN_TIMESTAMP_MILLIS).is_ok());
        assert!(Timestamp::from_millis(MIN_TIMESTAMP_MILLIS - 1).is_err());
        assert!(Timestamp::from_millis(MAX_TIMESTAMP_MILLIS).is_ok());
        assert!(Timestamp::from_millis(MAX_TIMESTAMP_MILLIS + 1).is_err());
        assert!(Timestamp::from_micros(MIN_TIMESTAMP_MILLIS * 1000).is_ok());
        assert!(Timestamp::from_micros(MIN_TIMESTAMP_MILLIS * 1000 - 1).is_err());
        assert!(Timestamp::from_micros(MAX_TIMESTAMP_MILLIS * 1000 + 999).is_ok());
        assert!(Timestamp::from_micros(u64::MAX).is_err());
        let err = Timestamp::from_millis(5).unwrap_err();
        assert!(err.to_string().contains("before 2017-01-01"), "{err}");
    }
}
