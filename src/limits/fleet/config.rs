//! The settings of a [`FleetGovernor`](super::FleetGovernor) and its errors.

use std::time::Duration;

use crate::limits::{GovernorConfig, LimitsError};
use crate::source::Source;

/// What to do when the store cannot be reached (or answers slower than the deadline).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fallback {
    /// Send nothing: `acquire` answers [`FleetError`] (the default).
    #[default]
    FailClosed,
    /// Decide locally on a conservative share of each limit: limit ÷ `fleet_size`, rounded
    /// down, of which the part the fleet had used in the current window (as the store told
    /// this process at its last decision) counts as spent. What is sent meanwhile is added to
    /// the store when it is back. A request heavier than the share is refused with the store's
    /// error, as with `FailClosed`.
    LocalShare {
        /// How many processes share the limits.
        fleet_size: u32,
    },
}

/// Settings of a [`FleetGovernor`](super::FleetGovernor).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct FleetConfig {
    /// Headroom, boundary margin and default holds, as for the local [`Governor`](crate::limits::Governor).
    pub governor: GovernorConfig,
    /// The longest a store call may take before it counts as unreachable. Default 250 ms.
    pub deadline: Duration,
    /// What to do when the store is unreachable. Default [`Fallback::FailClosed`].
    pub fallback: Fallback,
    /// The fast path: lease a slice of each open window and decide locally from it (`None`,
    /// the default: every decision is one store call). See [`Leases`].
    pub leases: Option<Leases>,
}

crate::source::with_setters!(FleetConfig {
    with_governor => governor: GovernorConfig,
    with_deadline => deadline: Duration,
    with_fallback => fallback: Fallback,
    with_leases => leases: Option<Leases>,
});

impl Default for FleetConfig {
    fn default() -> Self {
        Self {
            governor: GovernorConfig::default(),
            deadline: Duration::from_millis(250),
            fallback: Fallback::FailClosed,
            leases: None,
        }
    }
}

/// Leases, the fleet governor's fast path ([`FleetConfig::leases`]).
///
/// A process leases a slice of each open window's budget from the store (counted there, in the
/// same script call that checks the fleet's holds and bans, before any of it is used) and
/// decides locally from it until the slice is spent, its window closes, or `horizon` has passed
/// since the store was last asked (so a hold or ban another process put in the store stops this
/// one within `horizon`). Slices follow demand: one that was spent within half a `horizon` is
/// doubled for the next lease, one that lasted more than two is halved, up to `max_slice` of
/// the budget; the store never grants more than half of what is left in a window beyond the
/// request itself, so the last of a window is shared out in ever smaller slices.
///
/// ```
/// use std::time::Duration;
/// use binance_sign::limits::{FleetConfig, Leases};
/// let config = FleetConfig::default()
///     .with_leases(Some(Leases::default().with_horizon(Duration::from_millis(100))));
/// assert_eq!(config.leases.unwrap().max_slice, 0.125);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Leases {
    /// How long a lease decides without asking the store again, and about how much of this
    /// process's demand a slice covers. Default 250 ms.
    pub horizon: Duration,
    /// The largest slice, as a fraction of a limit's budget (at least one unit). Default 0.125.
    pub max_slice: f64,
}

crate::source::with_setters!(Leases {
    with_horizon => horizon: Duration,
    with_max_slice => max_slice: f64,
});

impl Default for Leases {
    fn default() -> Self {
        Self {
            horizon: Duration::from_millis(250),
            max_slice: 0.125,
        }
    }
}

/// Why the fleet governor could not decide.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// The store could not be reached or refused the call: nothing may be sent.
    #[error("the rate-limit store is unreachable; nothing may be sent")]
    Unavailable(#[source] Source),
    /// The store did not answer within the deadline: nothing may be sent.
    #[error("the rate-limit store did not answer within {0:?}; nothing may be sent")]
    Timeout(Duration),
    /// The store's script answered a code this crate does not know (another version of the
    /// script under the same prefix?): nothing may be sent.
    #[error(
        "the rate-limit store answered code {0}, which this crate does not know; nothing may be sent"
    )]
    UnexpectedReply(u64),
    /// The store lost its data again while this process was putting back what it sent:
    /// nothing may be sent.
    #[error("the rate-limit store lost its data again while being restored; nothing may be sent")]
    Unsettled,
    /// A value in the store is not what this crate writes there (a count that is not a
    /// non-negative integer, a hold or ban past [`MAX_HOLD`](crate::limits::MAX_HOLD) from now,
    /// a key of another type): nothing may be sent, in either fallback mode, until an operator
    /// deletes or repairs the key.
    #[error(
        "the rate-limit store holds a value this crate does not write at `{key}`; nothing may be sent until it is deleted or repaired"
    )]
    Corrupt {
        /// The key.
        key: String,
    },
    /// [`FleetGovernor::shutdown`](super::FleetGovernor::shutdown) was called: this governor
    /// decides nothing more.
    #[error("the fleet governor was shut down; nothing may be sent through it")]
    ShutDown,
    /// [`Leases`] with a `horizon` of zero or a `max_slice` outside (0, 1].
    #[error("Leases needs a horizon above zero and a max_slice above 0 and at most 1")]
    InvalidLeases,
    /// [`Fallback::LocalShare`] with a `fleet_size` of 0: there is no share to compute.
    #[error("Fallback::LocalShare needs a fleet_size of at least 1")]
    ZeroFleetSize,
    /// A response header could not be read (the hold is in place anyway).
    #[error(transparent)]
    Limits(#[from] LimitsError),
}

impl FleetError {
    /// Whether asking again later can succeed: the store was unreachable, slow, or settling
    /// after a restart. `false` for what waiting does not fix: a script this crate does not
    /// know under the prefix, a configuration error, an unreadable response header. Either way
    /// nothing may be sent now.
    ///
    /// ```
    /// use std::time::Duration;
    /// use binance_sign::limits::FleetError;
    /// assert!(FleetError::Timeout(Duration::from_millis(50)).is_retryable());
    /// assert!(!FleetError::ZeroFleetSize.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            FleetError::Unavailable(_) | FleetError::Timeout(_) | FleetError::Unsettled => true,
            FleetError::UnexpectedReply(_)
            | FleetError::Corrupt { .. }
            | FleetError::ZeroFleetSize
            | FleetError::ShutDown
            | FleetError::InvalidLeases
            | FleetError::Limits(_) => false,
        }
    }
}
