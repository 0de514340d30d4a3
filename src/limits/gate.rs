//! [`RateGate`]: what a client asks before each request and tells after it, whichever
//! governor answers (the local [`Governor`](super::Governor), or a fleet's
//! `FleetGovernor`).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::{LimitsError, RateLimit};
use crate::time::sync::SyncError;
use crate::{ServerClock, ServerTime};

/// What a request costs against the rate limits: its weight, and whether it places an order.
/// Also the request extension the client adapters read (1 weight, not an order, when absent).
///
/// ```
/// use binance_sign::limits::Weight;
/// assert_eq!(Weight::default(), Weight::of(1));
/// assert!(Weight::order(1).is_order);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Weight {
    /// The request weight.
    pub weight: u32,
    /// Whether it places an order.
    pub is_order: bool,
}

impl Weight {
    /// A request of `weight`.
    pub fn of(weight: u32) -> Self {
        Self {
            weight,
            is_order: false,
        }
    }

    /// An order request of `weight`.
    pub fn order(weight: u32) -> Self {
        Self {
            weight,
            is_order: true,
        }
    }
}

impl Default for Weight {
    fn default() -> Self {
        Self::of(1)
    }
}

/// What holds a request back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Binding {
    /// This limit's window has no room for the request yet.
    Limit(RateLimit),
    /// A 429's `Retry-After` (or the default hold) is still running.
    Hold,
}

/// The gate's answer before a request.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Admission {
    /// Send it now; it has been counted. Settle the permit with the response.
    Send(Permit),
    /// Wait this long, then ask again.
    Wait {
        /// How long.
        wait: Duration,
        /// What binds.
        binding: Binding,
    },
    /// The IP is banned (HTTP 418) until this server time: send nothing.
    Banned {
        /// When the ban ends.
        until: ServerTime,
    },
    /// The request alone counts more than a whole window of this limit allows: it can never
    /// be sent.
    TooHeavy {
        /// The limit it exceeds.
        limit: RateLimit,
    },
}

/// Leave to send one request, counted at `sent`. Hand it back with the response
/// ([`RateGate::settle`]): the gate learns from it, and may refund what the response shows was
/// not spent.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a permit is settled with the request's response"]
pub struct Permit {
    sent: ServerTime,
    weight: Weight,
}

impl Permit {
    /// A permit for a request of `weight` counted at `sent` (gates of your own make these).
    pub fn new(sent: ServerTime, weight: Weight) -> Self {
        Self { sent, weight }
    }

    /// When the request was counted.
    pub fn sent(&self) -> ServerTime {
        self.sent
    }

    /// What it costs.
    pub fn weight(&self) -> Weight {
        self.weight
    }
}

/// A response as a gate reads it: when it arrived, its status and headers, and its body when
/// it was read (to see a `-1003` ban end), at most the client's read cap.
#[derive(Clone, Copy, Debug)]
pub struct GateResponse<'a> {
    /// When it arrived (server time).
    pub received: ServerTime,
    /// The HTTP status.
    pub status: u16,
    /// The headers, as name/value pairs (any case).
    pub headers: &'a [(&'a str, &'a str)],
    /// The body, when it was read.
    pub body: Option<&'a str>,
}

/// Why a gate could not decide or record: nothing may be sent on its account.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GateError {
    /// A response header could not be read (any hold it carried is in place).
    #[error(transparent)]
    Limits(#[from] LimitsError),
    /// The server clock gives no time to decide with.
    #[error("the server clock gives no time to ask the rate gate with")]
    Clock(#[source] SyncError),
    /// The IP is banned (HTTP 418) until this server time: nothing may be sent.
    #[error("the IP is banned (HTTP 418) until server time {until}; nothing may be sent")]
    Banned {
        /// When the ban ends.
        until: ServerTime,
    },
    /// The request alone counts more than a whole window of this limit allows.
    #[error("the request is heavier than a whole window of {limit:?} allows")]
    TooHeavy {
        /// The limit.
        limit: RateLimit,
    },
    /// The fleet's store could not decide or record.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    #[error(transparent)]
    Fleet(#[from] super::FleetError),
}

impl GateError {
    /// Whether asking again later can succeed (a store that was unreachable, a clock not yet
    /// synchronized). Either way nothing may be sent now.
    pub fn is_retryable(&self) -> bool {
        match self {
            GateError::Limits(_) | GateError::TooHeavy { .. } => false,
            GateError::Clock(_) | GateError::Banned { .. } => true,
            #[cfg(feature = "redis")]
            GateError::Fleet(e) => e.is_retryable(),
        }
    }
}

/// The future a [`RateGate`] call returns.
pub type GateFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A rate gate: asked before every request, told every response. The client engine takes any
/// gate (`Arc<dyn RateGate>`), so a bot switches from one process's [`Governor`](super::Governor) to a fleet's
/// `FleetGovernor` without touching its client code.
///
/// The local [`Governor`](super::Governor)'s futures are ready at once (no runtime needed);
/// `FleetGovernor`'s talk to Redis on a Tokio runtime ([`needs_runtime`](Self::needs_runtime)).
///
/// ```
/// use binance_sign::limits::{Admission, Governor, RateGate, RateLimit, Weight};
/// use binance_sign::ServerTime;
/// # fn ready<T>(f: binance_sign::limits::GateFuture<'_, T>) -> T {
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     match std::pin::pin!(f).poll(&mut cx) { std::task::Poll::Ready(v) => v, _ => unreachable!() }
/// # }
/// # use std::future::Future as _;
/// let gate = Governor::new(RateLimit::spot_defaults());
/// let now = ServerTime::from_millis(1_700_000_000_000)?;
/// // `RateGate::acquire` (the inherent `Governor::acquire` answers a `Decision` instead).
/// let Admission::Send(permit) = ready(RateGate::acquire(&gate, now, Weight::order(1)))? else {
///     panic!()
/// };
/// assert_eq!(permit.sent(), now);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait RateGate: Send + Sync + std::fmt::Debug {
    /// Before sending a request of `weight` at server time `now`: send (counted), wait, or
    /// not at all.
    ///
    /// # Errors
    ///
    /// When the gate cannot decide (a fleet's store unreachable, in fail-closed mode): send
    /// nothing.
    fn acquire(
        &self,
        now: ServerTime,
        weight: Weight,
    ) -> GateFuture<'_, Result<Admission, GateError>>;

    /// Asks until the gate admits a request of `weight` at the `clock`'s time, sleeping
    /// through each wait with `sleep` (`&|d| Box::pin(tokio::time::sleep(d))` on Tokio): the
    /// permit, or the error that says nothing may be sent. A blocking caller with the local
    /// governor uses [`Governor::acquire_blocking`](super::Governor::acquire_blocking).
    ///
    /// # Errors
    ///
    /// [`GateError::Banned`], [`GateError::TooHeavy`], [`GateError::Clock`] when the clock has
    /// no time (never the local clock instead), and the gate's own errors.
    fn acquire_wait<'a>(
        &'a self,
        clock: &'a ServerClock,
        weight: Weight,
        sleep: &'a (dyn Fn(Duration) -> SleepFuture + Send + Sync),
    ) -> GateFuture<'a, Result<Permit, GateError>> {
        Box::pin(async move {
            loop {
                let now = clock.now().map_err(GateError::Clock)?;
                match settled(self.acquire(now, weight).await?)? {
                    Ok(permit) => return Ok(permit),
                    Err(wait) => sleep(wait).await,
                }
            }
        })
    }

    /// After the response to a permitted request: learn from it (holds, bans, reported
    /// counts) and settle the permit.
    ///
    /// # Errors
    ///
    /// A malformed header or a store that could not record (holds are in place anyway).
    fn settle<'a>(
        &'a self,
        permit: Permit,
        response: GateResponse<'a>,
    ) -> GateFuture<'a, Result<(), GateError>>;

    /// A response to a request sent without a permit (the first clock probe, before there
    /// was a time to ask with): its holds and bans count all the same.
    ///
    /// # Errors
    ///
    /// As [`settle`](Self::settle).
    fn observe<'a>(
        &'a self,
        sent: ServerTime,
        response: GateResponse<'a>,
    ) -> GateFuture<'a, Result<(), GateError>>;

    /// The end of a ban the gate holds (HTTP 418), if any, without asking for a time: the
    /// engine checks it before probing a clock that has no time (after a suspend), so no
    /// probe goes out during a ban the gate learned elsewhere. `None` by default.
    fn banned_until(&self) -> Option<ServerTime> {
        None
    }

    /// Whether the gate's futures need a Tokio runtime (a fleet's store); a blocking client
    /// refuses such a gate instead of panicking later.
    fn needs_runtime(&self) -> bool {
        false
    }
}

/// A sleep of the caller's runtime, for [`RateGate::acquire_wait`].
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// An admission as one waiting caller takes it: the permit, a wait (at most
/// [`MAX_HOLD`](super::MAX_HOLD)), or the error that says nothing may be sent.
pub(crate) fn settled(admission: Admission) -> Result<Result<Permit, Duration>, GateError> {
    match admission {
        Admission::Send(permit) => Ok(Ok(permit)),
        Admission::Wait { wait, .. } => Ok(Err(wait.min(super::MAX_HOLD))),
        Admission::Banned { until } => Err(GateError::Banned { until }),
        Admission::TooHeavy { limit } => Err(GateError::TooHeavy { limit }),
    }
}

/// The ban end a `-1003` body names, capped at [`MAX_HOLD`](super::MAX_HOLD) after `received`.
pub(crate) fn body_ban(received: ServerTime, body: Option<&str>) -> Option<ServerTime> {
    let until = super::headers::parse_ban_until(body?)?;
    Some(until.min(received.saturating_add(super::MAX_HOLD)))
}
