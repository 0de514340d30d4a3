//! Binance's timing rule: will a `timestamp` be accepted, given the server time?

use std::time::Duration;

use crate::time::recv_window::RecvWindow;
use crate::time::server_time::ServerTime;
use crate::time::timestamp::Timestamp;

/// How far ahead of the server a timestamp may be: it must be *less than* server + 1000 ms.
pub const MAX_AHEAD: Duration = Duration::from_millis(1000);

/// What Binance will do with a timestamp, per its documented rule
/// `timestamp < serverTime + 1000 && serverTime - timestamp <= recvWindow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WindowVerdict {
    /// Accepted wherever in its uncertainty the server time lies.
    Accepted {
        /// Room left before the timestamp would count as too far ahead (worst case).
        ahead_headroom: Duration,
        /// Room left before it expires (worst case).
        expiry_headroom: Duration,
    },
    /// Rejected with `-1021` "... 1000ms ahead of the server's time", by at least this much.
    TooFarAhead {
        /// How much earlier the timestamp would have to be to pass (best case).
        by: Duration,
    },
    /// Rejected with `-1021` "... outside of the recvWindow", by at least this much.
    Expired {
        /// How much later the timestamp would have to be to pass (best case).
        by: Duration,
    },
    /// Accepted for some server times within the uncertainty and rejected for others.
    AtRisk {
        /// Whether the risk is being ahead (else expiry).
        ahead: bool,
    },
}

impl WindowVerdict {
    /// Whether Binance accepts the timestamp wherever the server time lies.
    pub fn is_accepted(self) -> bool {
        matches!(self, WindowVerdict::Accepted { .. })
    }
}

/// Checks `timestamp` against a server time estimate of `server` ± `uncertainty`, with
/// `recv_window` (Binance's default of 5000 ms when `None`).
///
/// ```
/// use binance_sign::{RecvWindow, ServerTime, Timestamp, WindowVerdict, check_window};
/// use std::time::Duration;
/// let ts = Timestamp::from_millis(1_700_000_000_000)?;
/// let server = ServerTime::from_millis(1_700_000_000_000)?;
/// assert!(check_window(ts, None, server, Duration::ZERO).is_accepted());
/// assert_eq!(
///     check_window(ts, None, ServerTime::from_millis(1_699_999_998_500)?, Duration::ZERO),
///     WindowVerdict::TooFarAhead { by: Duration::from_micros(500_001) } // it must be < server + 1 s
/// );
/// assert_eq!(
///     check_window(ts, Some(RecvWindow::from_millis(5000)?), ServerTime::from_millis(1_700_000_007_000)?, Duration::ZERO),
///     WindowVerdict::Expired { by: Duration::from_secs(2) }
/// );
/// # Ok::<(), binance_sign::Error>(())
/// ```
pub fn check_window(
    timestamp: Timestamp,
    recv_window: Option<RecvWindow>,
    server: ServerTime,
    uncertainty: Duration,
) -> WindowVerdict {
    let ts = i128::from(timestamp.as_micros());
    let server = i128::from(server.as_micros());
    let u = i128::try_from(uncertainty.as_micros()).unwrap_or(i128::MAX / 4);
    let window = i128::from(recv_window.unwrap_or_default().as_micros());
    let limit = i128::try_from(MAX_AHEAD.as_micros()).unwrap_or(0);
    // Ahead is rejected when ts >= server + 1 s; expired when server - ts > window.
    let ahead_at = |server: i128| ts - server - limit + 1; // > 0: rejected, by this much
    let late_at = |server: i128| server - ts - window; // > 0: rejected, by this much
    let (ahead_worst, ahead_best) = (ahead_at(server - u), ahead_at(server + u));
    let (late_worst, late_best) = (late_at(server + u), late_at(server - u));
    let micros = |v: i128| Duration::from_micros(u64::try_from(v.max(0)).unwrap_or(u64::MAX));
    if ahead_best > 0 {
        WindowVerdict::TooFarAhead {
            by: micros(ahead_best),
        }
    } else if late_best > 0 {
        WindowVerdict::Expired {
            by: micros(late_best),
        }
    } else if ahead_worst > 0 {
        WindowVerdict::AtRisk { ahead: true }
    } else if late_worst > 0 {
        WindowVerdict::AtRisk { ahead: false }
    } else {
        WindowVerdict::Accepted {
            ahead_headroom: micros(1 - ahead_worst),
            expiry_headroom: micros(-late_worst),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(ms: u64) -> Timestamp {
        Timestamp::from_millis(ms).unwrap()
    }

    fn at(micros: u64) -> ServerTime {
        ServerTime::from_micros(micros).unwrap()
    }

    #[test]
    fn edges_of_the_rule() {
        let base = 1_700_000_000_000u64;
        let server = at(base * 1000);
        let zero = Duration::ZERO;
        // ts = server + 999.999 ms: accepted; ts = server + 1000 ms: rejected.
        assert!(matches!(
            check_window(Timestamp::from_micros(base * 1000 + 999_999).unwrap(), None, server, zero),
            WindowVerdict::Accepted { ahead_headroom, .. } if ahead_headroom == Duration::from_micros(1)
        ));
        assert_eq!(
            check_window(ts(base + 1000), None, server, zero),
            WindowVerdict::TooFarAhead {
                by: Duration::from_micros(1)
            }
        );
        // server - ts == window: accepted; one µs more: expired.
        let rw = Some(RecvWindow::from_millis(5000).unwrap());
        assert!(matches!(
            check_window(ts(base - 5000), rw, server, zero),
            WindowVerdict::Accepted { expiry_headroom, .. } if expiry_headroom.is_zero()
        ));
        assert_eq!(
            check_window(ts(base - 5000), rw, at(base * 1000 + 1), zero),
            WindowVerdict::Expired {
                by: Duration::from_micros(1)
            }
        );
        let u = Duration::from_millis(20);
        assert_eq!(
            check_window(ts(base - 4990), rw, server, u),
            WindowVerdict::AtRisk { ahead: false }
        );
        assert_eq!(
            check_window(ts(base + 990), rw, server, u),
            WindowVerdict::AtRisk { ahead: true }
        );
        // Huge uncertainties saturate instead of wrapping.
        assert_eq!(
            check_window(ts(base), rw, server, Duration::MAX),
            WindowVerdict::AtRisk { ahead: true }
        );
    }
}
