//! [`TimeUnit`]: milliseconds or microseconds.

use std::fmt;

/// The unit of a [`Timestamp`](crate::Timestamp).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeUnit {
    /// Milliseconds since the Unix epoch (every product).
    Millis,
    /// Microseconds since the Unix epoch (spot only).
    Micros,
}

impl TimeUnit {
    /// Microseconds per unit.
    pub(crate) fn micros(self) -> u64 {
        match self {
            TimeUnit::Millis => 1000,
            TimeUnit::Micros => 1,
        }
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeUnit::Millis => "ms",
            TimeUnit::Micros => "µs",
        })
    }
}
