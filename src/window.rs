//! Binance's timing rule: will a `timestamp` be accepted, given the server time?

use crate::recv_window::RecvWindow;
use crate::timestamp::Timestamp;

/// How far ahead of the server a timestamp may be: it must be *less than* server + 1000 ms.
pub const MAX_AHEAD_MICROS: i64 = 1_000_000;

/// What Binance will do with a timestamp, per its documented rule
/// `timestamp < serverTime + 1000 && serverTime - timestamp <= recvWindow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WindowVerdict {
    /// Accepted wherever in its uncertainty the server time lies.
    Accepted {
        /// Room left before the timestamp would count as too far ahead, µs (worst case).
        ahead_headroom_micros: i64,
        /// Room left before it expires, µs (worst case).
        expiry_headroom_micros: i64,
    },
    /// Rejected with `-1021` "... 1000ms ahead of the server's time", by at least this much.
    TooFarAhead {
        /// How much earlier the timestamp would have to be to pass, µs (best case).
        by_micros: u64,
    },
    /// Rejected with `-1021` "... outside of the recvWindow", by at least this much.
    Expired {
        /// How much later the timestamp would have to be to pass, µs (best case).
        by_micros: u64,
    },
    /// Accepted for some server times within the uncertainty and rejected for others.
    AtRisk {
        /// Whether the risk is being ahead (else expiry).
        ahead: bool,
    },
}

/// Checks `timestamp` against a server time estimate of `server_micros` ± `uncertainty_micros`,
/// with `recv_window` (Binance's default of 5000 ms when `None`).
///
/// ```
/// use binance_sign::{RecvWindow, Timestamp, WindowVerdict, check_window};
/// let ts = Timestamp::from_millis(1_700_000_000_000)?;
/// let server = 1_700_000_000_000_000i64; // µs
/// assert!(matches!(check_window(ts, None, server, 0), WindowVerdict::Accepted { .. }));
/// assert_eq!(
///     check_window(ts, None, server - 1_500_000, 0),
///     WindowVerdict::TooFarAhead { by_micros: 500_001 } // it must be < server + 1 s
/// );
/// assert_eq!(
///     check_window(ts, Some(RecvWindow::from_millis(5000)?), server + 7_000_000, 0),
///     WindowVerdict::Expired { by_micros: 2_000_000 }
/// );
/// # Ok::<(), binance_sign::Error>(())
/// ```
pub fn check_window(
    timestamp: Timestamp,
    recv_window: Option<RecvWindow>,
    server_micros: i64,
    uncertainty_micros: u64,
) -> WindowVerdict {
    let ts = i128::from(timestamp.as_micros());
    let server = i128::from(server_micros);
    let u = i128::from(uncertainty_micros);
    let window = i128::from(recv_window.unwrap_or_default().as_micros());
    let limit = i128::from(MAX_AHEAD_MICROS);
    // Ahead is rejected when ts >= server + 1 s; expired when server - ts > window.
    let ahead_at = |server: i128| ts - server - limit + 1; // > 0: rejected, by this much
    let late_at = |server: i128| server - ts - window; // > 0: rejected, by this much
    let (ahead_worst, ahead_best) = (ahead_at(server - u), ahead_at(server + u));
    let (late_worst, late_best) = (late_at(server + u), late_at(server - u));
    let clamp = |v: i128| v.clamp(0, i128::from(u64::MAX)) as u64;
    if ahead_best > 0 {
        WindowVerdict::TooFarAhead {
            by_micros: clamp(ahead_best),
        }
    } else if late_best > 0 {
        WindowVerdict::Expired {
            by_micros: clamp(late_best),
        }
    } else if ahead_worst > 0 {
        WindowVerdict::AtRisk { ahead: true }
    } else if late_worst > 0 {
        WindowVerdict::AtRisk { ahead: false }
    } else {
        let to_i64 = |v: i128| v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        WindowVerdict::Accepted {
            ahead_headroom_micros: to_i64(1 - ahead_worst),
            expiry_headroom_micros: to_i64(-late_worst),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(ms: u64) -> Timestamp {
        Timestamp::from_millis(ms).unwrap()
    }

    #[test]
    fn edges_of_the_rule() {
        let base = 1_700_000_000_000u64;
        let server = base as i64 * 1000;
        // ts = server + 999.999 ms: accepted; ts = server + 1000 ms: rejected.
        assert!(matches!(
            check_window(
                Timestamp::from_micros(base * 1000 + 999_999).unwrap(),
                None,
                server,
                0
            ),
            WindowVerdict::Accepted {
                ahead_headroom_micros: 1,
                ..
            }
        ));
        assert_eq!(
            check_window(ts(base + 1000), None, server, 0),
            WindowVerdict::TooFarAhead { by_micros: 1 }
        );
        // server - ts == window: accepted; one µs more: expired.
        let rw = Some(RecvWindow::from_millis(5000).unwrap());
        assert!(matches!(
            check_window(ts(base - 5000), rw, server, 0),
            WindowVerdict::Accepted {
                expiry_headroom_micros: 0,
                ..
            }
        ));
        assert_eq!(
            check_window(ts(base - 5000), rw, server + 1, 0),
            WindowVerdict::Expired { by_micros: 1 }
        );
        assert_eq!(
            check_window(ts(base - 4990), rw, server, 20_000),
            WindowVerdict::AtRisk { ahead: false }
        );
        assert_eq!(
            check_window(ts(base + 990), rw, server, 20_000),
            WindowVerdict::AtRisk { ahead: true }
        );
    }
}
