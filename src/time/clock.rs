//! [`ServerClock`]: one shared, thread-safe estimate of Binance's clock.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::time::server_time::ServerTime;
use crate::time::sync::{
    Estimate, LocalReading, Observation, SyncError, SystemClock, TimeSync, TimeSyncConfig,
};
use crate::time::timestamp::Timestamp;

/// The server clock a bot shares between all its threads and tasks: the system clocks and a
/// [`TimeSync`] estimator behind one cheap-to-clone, `Send + Sync` handle.
///
/// Feed it probes of `GET /api/v3/time` from anywhere ([`observe`](Self::observe) or
/// [`observe_json`](Self::observe_json)); ask it for [`timestamp`](Self::timestamp) when
/// signing and for [`now`](Self::now) when asking the [`Governor`](crate::limits::Governor).
/// Until it has a sample, and whenever its estimate cannot be trusted (the machine slept, the
/// estimate is too old for the `recvWindow`), it answers with a [`SyncError`] instead of a
/// guess: probe again when [`needs_resync`](Self::needs_resync) says so. Nothing blocks
/// beyond a short critical section, so it is safe to call from async code.
///
/// ```
/// use binance_sign::ServerClock;
/// let clock = ServerClock::new();
/// assert!(clock.now().is_err()); // not synchronized yet: no guess
/// let sent = clock.reading();
/// // ... GET /api/v3/time with any HTTP client ...
/// # let body = format!(r#"{{"serverTime":{}}}"#, sent.wall_micros() / 1000 + 250);
/// clock.observe_json(sent, &body)?;
/// let ts = clock.timestamp()?; // for the next signed request
/// assert!(ts.as_millis() <= clock.now()?.as_millis());
/// assert!(!clock.needs_resync());
/// # Ok::<(), binance_sign::SyncError>(())
/// ```
#[derive(Clone)]
pub struct ServerClock {
    inner: Arc<Inner>,
}

struct Inner {
    system: SystemClock,
    sync: Mutex<TimeSync>,
}

impl fmt::Debug for ServerClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerClock")
            .field("estimate", &self.estimate().ok())
            .finish_non_exhaustive()
    }
}

impl Default for ServerClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerClock {
    /// A clock with the default [`TimeSyncConfig`].
    pub fn new() -> Self {
        Self::with_config(TimeSyncConfig::default())
    }

    /// A clock with `config`.
    pub fn with_config(config: TimeSyncConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                system: SystemClock::new(),
                sync: Mutex::new(TimeSync::with_config(config)),
            }),
        }
    }

    fn sync(&self) -> MutexGuard<'_, TimeSync> {
        // TimeSync is left consistent by every method, so a poisoned lock is still usable.
        self.inner
            .sync
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The settings.
    pub fn config(&self) -> TimeSyncConfig {
        *self.sync().config()
    }

    /// Reads the local clocks: call it just before sending a probe.
    pub fn reading(&self) -> LocalReading {
        self.inner.system.now()
    }

    /// Feeds a probe: `sent` from [`reading`](Self::reading) just before sending, the
    /// `serverTime` it returned; the receive time is read now.
    ///
    /// # Errors
    ///
    /// As [`TimeSync::observe`]: the sample is refused and the estimate left alone.
    pub fn observe(
        &self,
        sent: LocalReading,
        server_time: ServerTime,
    ) -> Result<Observation, SyncError> {
        self.observe_readings(sent, server_time, self.reading())
    }

    /// Feeds a probe from the body of `GET /api/v3/time` (`{"serverTime":1499827319559}`);
    /// the receive time is read now.
    ///
    /// # Errors
    ///
    /// [`SyncError::BadResponse`] when the body has no plausible `serverTime`, and as
    /// [`observe`](Self::observe).
    pub fn observe_json(&self, sent: LocalReading, body: &str) -> Result<Observation, SyncError> {
        let received = self.reading();
        let server_time = crate::time::sync::parse_server_time(body)?;
        self.observe_readings(sent, server_time, received)
    }

    /// Feeds a probe whose local readings were taken elsewhere.
    ///
    /// # Errors
    ///
    /// As [`TimeSync::observe`].
    pub fn observe_readings(
        &self,
        sent: LocalReading,
        server_time: ServerTime,
        received: LocalReading,
    ) -> Result<Observation, SyncError> {
        self.sync().observe(sent, server_time, received)
    }

    /// The estimate of the server clock now.
    ///
    /// # Errors
    ///
    /// As [`TimeSync::estimate`]: no sample yet, or the machine slept since the last one.
    pub fn estimate(&self) -> Result<Estimate, SyncError> {
        self.sync().estimate(self.reading())
    }

    /// The server time now.
    ///
    /// # Errors
    ///
    /// As [`estimate`](Self::estimate).
    pub fn now(&self) -> Result<ServerTime, SyncError> {
        self.estimate().map(|e| e.server)
    }

    /// A millisecond `timestamp` for a request sent now (see [`TimeSync::timestamp`]).
    ///
    /// # Errors
    ///
    /// As [`TimeSync::timestamp`]: no sample yet, a suspend, or an estimate too uncertain for
    /// the configured `recvWindow` ([`SyncError::ResyncNeeded`]).
    pub fn timestamp(&self) -> Result<Timestamp, SyncError> {
        let now = self.reading();
        self.sync().timestamp(now)
    }

    /// A microsecond `timestamp` (spot only) for a request sent now.
    ///
    /// # Errors
    ///
    /// As [`timestamp`](Self::timestamp).
    pub fn timestamp_micros(&self) -> Result<Timestamp, SyncError> {
        let now = self.reading();
        self.sync().timestamp_micros(now)
    }

    /// Whether to probe the server time again (see [`TimeSync::needs_resync`]).
    pub fn needs_resync(&self) -> bool {
        let now = self.reading();
        self.sync().needs_resync(now)
    }

    /// [`now`](Self::now) at a local reading of your own (a fake clock in tests, a reading
    /// taken once for several decisions).
    ///
    /// # Errors
    ///
    /// As [`now`](Self::now).
    pub fn now_at(&self, reading: LocalReading) -> Result<ServerTime, SyncError> {
        self.sync().estimate(reading).map(|e| e.server)
    }

    /// [`timestamp`](Self::timestamp) at a local reading of your own.
    ///
    /// # Errors
    ///
    /// As [`timestamp`](Self::timestamp).
    pub fn timestamp_at(&self, reading: LocalReading) -> Result<Timestamp, SyncError> {
        self.sync().timestamp(reading)
    }

    /// [`needs_resync`](Self::needs_resync) at a local reading of your own.
    pub fn needs_resync_at(&self, reading: LocalReading) -> bool {
        self.sync().needs_resync(reading)
    }

    /// Whether a sample that disagreed with the estimate is held, waiting for a later probe
    /// to confirm or refute it; see [`TimeSync::holds_sample`].
    pub fn holds_sample(&self) -> bool {
        self.sync().holds_sample()
    }

    /// How long until the clock next wants a probe (zero when it wants one now); see
    /// [`TimeSync::next_probe_in`]. A loop that probes by then keeps timestamps available.
    ///
    /// ```
    /// use binance_sign::ServerClock;
    /// let clock = ServerClock::new();
    /// assert!(clock.next_probe_in().is_zero()); // no sample yet
    /// ```
    pub fn next_probe_in(&self) -> std::time::Duration {
        let now = self.reading();
        self.sync().next_probe_in(now)
    }
}
