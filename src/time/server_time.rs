//! [`ServerTime`]: an instant on Binance's clock.

use std::fmt;
use std::time::Duration;

use crate::time::error::TimeError;
use crate::time::timestamp::{MAX_TIMESTAMP_MILLIS, MIN_TIMESTAMP_MILLIS, Timestamp};
use crate::time::unit::TimeUnit;

/// An instant on Binance's clock, in microseconds since the Unix epoch.
///
/// The one time type of the crate's clock and rate-limit APIs: [`ServerClock`](crate::ServerClock)
/// and [`TimeSync`](crate::TimeSync) estimate it, [`check_window`](crate::check_window) and the
/// [`limits::Governor`](crate::limits::Governor) take it. Durations are
/// [`std::time::Duration`]; only signed clock offsets are plain `i64` microseconds.
///
/// Only the range Binance's clock can show is accepted (2017-01-01 to year 2286), so "time 0
/// before the first clock sample" cannot be written.
///
/// ```
/// use binance_sign::ServerTime;
/// use std::time::Duration;
/// let t = ServerTime::from_millis(1_700_000_000_000)?;
/// assert_eq!(t.as_micros(), 1_700_000_000_000_000);
/// assert_eq!(t.saturating_add(Duration::from_millis(1500)).as_millis(), 1_700_000_001_500);
/// assert!(ServerTime::from_millis(0).is_err());
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerTime {
    micros: u64,
}

impl ServerTime {
    /// The earliest server time accepted: 2017-01-01T00:00:00Z.
    pub const MIN: ServerTime = ServerTime {
        micros: MIN_TIMESTAMP_MILLIS * 1000,
    };
    /// The latest server time accepted (year 2286).
    pub const MAX: ServerTime = ServerTime {
        micros: MAX_TIMESTAMP_MILLIS * 1000 + 999,
    };

    /// A server time in milliseconds since the epoch (`serverTime` of `GET /api/v3/time`).
    ///
    /// # Errors
    ///
    /// [`TimeError::ServerTimeOutOfRange`] outside 2017-01-01 to year 2286.
    pub fn from_millis(millis: u64) -> Result<Self, TimeError> {
        Self::new(millis, TimeUnit::Millis)
    }

    /// A server time in microseconds since the epoch.
    ///
    /// # Errors
    ///
    /// [`TimeError::ServerTimeOutOfRange`] outside 2017-01-01 to year 2286.
    pub fn from_micros(micros: u64) -> Result<Self, TimeError> {
        Self::new(micros, TimeUnit::Micros)
    }

    fn new(value: u64, unit: TimeUnit) -> Result<Self, TimeError> {
        value
            .checked_mul(unit.micros())
            .filter(|micros| (Self::MIN.micros..=Self::MAX.micros).contains(micros))
            .map(|micros| Self { micros })
            .ok_or(TimeError::ServerTimeOutOfRange { value, unit })
    }

    /// `millis` clamped into the accepted range.
    pub(crate) fn from_millis_clamped(millis: u64) -> Self {
        Self::clamped(i128::from(millis) * 1000)
    }

    /// `micros` clamped into the accepted range.
    pub(crate) fn clamped(micros: i128) -> Self {
        let micros = micros.clamp(i128::from(Self::MIN.micros), i128::from(Self::MAX.micros));
        Self {
            micros: u64::try_from(micros).unwrap_or(Self::MIN.micros),
        }
    }

    /// Microseconds since the epoch.
    pub fn as_micros(self) -> u64 {
        self.micros
    }

    /// Whole milliseconds since the epoch (truncated).
    pub fn as_millis(self) -> u64 {
        self.micros / 1000
    }

    /// This instant plus `d`, at most [`ServerTime::MAX`].
    #[must_use]
    pub fn saturating_add(self, d: Duration) -> Self {
        Self::clamped(i128::from(self.micros) + i128::try_from(d.as_micros()).unwrap_or(i128::MAX))
    }

    /// This instant minus `d`, at least [`ServerTime::MIN`].
    #[must_use]
    pub fn saturating_sub(self, d: Duration) -> Self {
        Self::clamped(i128::from(self.micros) - i128::try_from(d.as_micros()).unwrap_or(i128::MAX))
    }

    /// How long after `earlier` this instant is (zero when it is not after it).
    pub fn duration_since(self, earlier: ServerTime) -> Duration {
        Duration::from_micros(self.micros.saturating_sub(earlier.micros))
    }

    /// This instant as a `timestamp` in `unit` (milliseconds are truncated).
    pub fn to_timestamp(self, unit: TimeUnit) -> Timestamp {
        let value = self.micros / unit.micros();
        // Both ranges are the same instants, so this cannot fail; the fallback is unreachable.
        Timestamp::new(value, unit).unwrap_or(Timestamp::MIN)
    }
}

impl From<Timestamp> for ServerTime {
    /// The instant a timestamp names.
    fn from(timestamp: Timestamp) -> Self {
        Self::clamped(i128::from(timestamp.as_micros()))
    }
}

impl fmt::Display for ServerTime {
    /// Milliseconds, with three decimals when there are microseconds: `1700000000000.250`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (ms, us) = (self.micros / 1000, self.micros % 1000);
        if us == 0 {
            write!(f, "{ms}")
        } else {
            write!(f, "{ms}.{us:03}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_and_saturation() {
        assert_eq!(
            ServerTime::from_millis(MIN_TIMESTAMP_MILLIS).unwrap(),
            ServerTime::MIN
        );
        assert!(ServerTime::from_millis(MIN_TIMESTAMP_MILLIS - 1).is_err());
        assert!(ServerTime::from_micros(u64::MAX).is_err());
        assert!(ServerTime::from_millis(u64::MAX).is_err());
        assert_eq!(
            ServerTime::MAX.saturating_add(Duration::MAX),
            ServerTime::MAX
        );
        assert_eq!(
            ServerTime::MIN.saturating_sub(Duration::from_secs(1)),
            ServerTime::MIN
        );
        let t = ServerTime::from_micros(1_700_000_000_000_250).unwrap();
        assert_eq!(t.to_string(), "1700000000000.250");
        assert_eq!(t.to_timestamp(TimeUnit::Millis).value(), 1_700_000_000_000);
        assert_eq!(ServerTime::from(t.to_timestamp(TimeUnit::Micros)), t);
        assert_eq!(
            ServerTime::from_millis(5).unwrap_err().to_string(),
            "server time 5 ms is out of range (2017-01-01 to year 2286): was the clock synchronized, and is the unit right?"
        );
    }
}
