//! [`RecvWindow`]: the `recvWindow` parameter.

use std::fmt;
use std::str::FromStr;

use crate::time::error::{RecvWindowRule, TimeError};

/// The largest `recvWindow` Binance accepts, in milliseconds.
pub const MAX_RECV_WINDOW_MILLIS: u64 = 60_000;

/// The `recvWindow` parameter: how long after `timestamp` Binance may still accept the request.
///
/// Milliseconds, more than 0 and at most 60000, with up to three decimals (microsecond
/// precision, spot only). Rendered exactly: `5000`, `6000.346`, `6000.1`, never `5000.0`.
///
/// ```
/// use binance_sign::RecvWindow;
/// assert_eq!(RecvWindow::from_millis(5000)?.to_string(), "5000");
/// assert_eq!("6000.346".parse::<RecvWindow>()?.to_string(), "6000.346");
/// assert_eq!(RecvWindow::from_micros(6_000_100)?.to_string(), "6000.1");
/// assert!(RecvWindow::from_millis(60_001).is_err());
/// assert!("1e3".parse::<RecvWindow>().is_err());
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecvWindow {
    micros: u32,
}

impl RecvWindow {
    /// Binance's default when the parameter is absent: 5000 ms.
    pub const DEFAULT: RecvWindow = RecvWindow { micros: 5_000_000 };

    /// A whole number of milliseconds.
    ///
    /// # Errors
    ///
    /// [`TimeError::RecvWindowInvalid`] for 0 or more than 60000.
    pub fn from_millis(millis: u64) -> Result<Self, TimeError> {
        Self::from_micros(millis.saturating_mul(1000)).map_err(|e| match e {
            TimeError::RecvWindowInvalid { rule, .. } => TimeError::RecvWindowInvalid {
                value: millis.to_string(),
                rule,
            },
            other => other,
        })
    }

    /// A number of microseconds; rendered as milliseconds with up to three decimals.
    ///
    /// # Errors
    ///
    /// [`TimeError::RecvWindowInvalid`] for 0 or more than 60000 ms.
    pub fn from_micros(micros: u64) -> Result<Self, TimeError> {
        let invalid = |rule| {
            let mut value = String::new();
            write_millis(micros, &mut value);
            TimeError::RecvWindowInvalid { value, rule }
        };
        if micros == 0 {
            return Err(invalid(RecvWindowRule::Zero));
        }
        if micros > MAX_RECV_WINDOW_MILLIS * 1000 {
            return Err(invalid(RecvWindowRule::TooLarge));
        }
        Ok(Self {
            micros: u32::try_from(micros).map_err(|_| invalid(RecvWindowRule::TooLarge))?,
        })
    }

    /// The window in microseconds.
    pub fn as_micros(self) -> u64 {
        u64::from(self.micros)
    }

    /// The window as a duration.
    pub fn as_duration(self) -> std::time::Duration {
        std::time::Duration::from_micros(u64::from(self.micros))
    }

    /// The window in whole milliseconds (truncated).
    pub fn as_millis(self) -> u64 {
        u64::from(self.micros / 1000)
    }

    /// Whether the window has a fractional millisecond part (accepted on spot only).
    pub fn is_fractional(self) -> bool {
        !self.micros.is_multiple_of(1000)
    }

    pub(crate) fn write_to(self, out: &mut String) {
        write_millis(u64::from(self.micros), out);
    }
}

/// Writes `micros` as milliseconds with up to three decimals, without trailing zeros.
fn write_millis(micros: u64, out: &mut String) {
    out.push_str(itoa::Buffer::new().format(micros / 1000));
    let mut frac = micros % 1000;
    if frac != 0 {
        out.push('.');
        let mut scale = 100;
        while frac != 0 {
            out.push(char::from(b'0' + u8::try_from(frac / scale).unwrap_or(0)));
            frac %= scale;
            scale /= 10;
        }
    }
}

impl Default for RecvWindow {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for RecvWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(12);
        self.write_to(&mut s);
        f.write_str(&s)
    }
}

impl FromStr for RecvWindow {
    type Err = TimeError;

    /// Parses `5000` or `6000.346` (at most three decimals; no sign, exponent or spaces).
    fn from_str(text: &str) -> Result<Self, TimeError> {
        let invalid = |rule| TimeError::RecvWindowInvalid {
            value: text.escape_default().to_string(),
            rule,
        };
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let all_digits = crate::encoding::is_digits;
        if !all_digits(whole) || frac.is_some_and(|f| !all_digits(f)) {
            return Err(invalid(RecvWindowRule::NotDigits));
        }
        let frac = frac.unwrap_or("");
        if frac.len() > 3 {
            return Err(invalid(RecvWindowRule::TooPrecise));
        }
        if whole.trim_start_matches('0').len() > 6 {
            return Err(invalid(RecvWindowRule::TooLarge));
        }
        let whole: u64 = whole
            .parse()
            .map_err(|_| invalid(RecvWindowRule::NotDigits))?;
        let mut micros = whole * 1000;
        let mut scale = 100;
        for d in frac.bytes() {
            micros += u64::from(d - b'0') * scale;
            scale /= 10;
        }
        Self::from_micros(micros).map_err(|e| match e {
            TimeError::RecvWindowInvalid { rule, .. } => invalid(rule),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_is_exact() {
        for (micros, text) in [
            (5_000_000, "5000"),
            (6_000_346, "6000.346"),
            (6_000_340, "6000.34"),
            (6_000_300, "6000.3"),
            (6_000_001, "6000.001"),
            (1, "0.001"),
            (60_000_000, "60000"),
        ] {
            let rw = RecvWindow::from_micros(micros).unwrap();
            assert_eq!(rw.to_string(), text);
            assert_eq!(text.parse::<RecvWindow>().unwrap(), rw);
        }
        assert_eq!("5000.0".parse::<RecvWindow>().unwrap().to_string(), "5000");
        // Leading zeros do not make a window "over 60000".
        assert_eq!("00005000".parse::<RecvWindow>().unwrap().as_millis(), 5000);
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "-1",
            "+5",
            "5e3",
            "5000.1234",
            "60000.001",
            "0",
            "0.000",
            " 5",
            "5.",
            ".5",
            "99999999999999999999",
        ] {
            let err = bad.parse::<RecvWindow>().unwrap_err();
            assert!(
                matches!(err, TimeError::RecvWindowInvalid { .. }),
                "{bad:?}"
            );
        }
        assert_eq!(
            RecvWindow::from_millis(60_001).unwrap_err().to_string(),
            "recvWindow 60001 is invalid: Binance allows at most 60000 ms (-1131)"
        );
        assert!(RecvWindow::from_millis(0).is_err());
        assert!(RecvWindow::from_millis(u64::MAX).is_err());
    }
}
