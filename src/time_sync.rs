//! [`TimeSync`]: estimating Binance's clock from round trips to its server-time endpoint, and
//! handing out timestamps Binance accepts.
//!
//! # Fixing -1021
//!
//! `-1021 Timestamp for this request is outside of the recvWindow` (or "was 1000ms ahead of the
//! server's time") means the `timestamp` disagreed with Binance's clock by more than the rule
//! allows: `timestamp < serverTime + 1000` and `serverTime - timestamp <= recvWindow`. Raising
//! `recvWindow` to 60000 hides the symptom and weakens replay protection; the fix is a right
//! timestamp:
//!
//! 1. Sample `GET /api/v3/time` (see [`Product::server_time_path`](crate::Product::server_time_path))
//!    a few times with any HTTP client, reading the local clocks just before sending and just
//!    after receiving ([`SystemClock::now`]), and feed each sample to [`TimeSync::observe`].
//! 2. Take each request's timestamp from [`TimeSync::timestamp`].
//! 3. Sample again when [`TimeSync::needs_resync`] says so (every few minutes is plenty).
//!
//! # How the estimate is made
//!
//! Each sample gives an offset `server_time - (sent_at + received_at) / 2` and an uncertainty of
//! half the round trip (plus half a millisecond, since the server reports whole milliseconds):
//! the server read its clock somewhere between sending and receiving. Like NTP's clock filter,
//! the estimate comes from the sample with the *lowest* uncertainty, because a short round trip
//! leaves the least room for asymmetric delays; averaging would let one slow probe drag the
//! estimate off. The uncertainty of a sample grows with its age at the assumed maximum drift
//! between the local and the server clock (100 ppm by default, 0.36 s an hour), so old samples
//! lose to fresh ones.
//!
//! Time between a sample and a request is measured on the *monotonic* clock, so a wall-clock
//! step (NTP correction, manual change, suspend) does not move the estimate; steps are reported
//! in [`Observation::wall_step_micros`].
//!
//! [`TimeSync::timestamp`] returns `estimate − uncertainty − margin`, rounded down: whenever the
//! true server time lies within the estimate's uncertainty, the timestamp is at or before the
//! server's clock, so it can never be "ahead". It expires only if
//! `2 × uncertainty + margin + 1 ms + one-way delay > recvWindow`.
//!
//! **The bound.** With samples whose one-way delays are both at most 1000 ms, samples at most
//! one hour old, drift within 100 ppm and the default 5000 ms `recvWindow`, every timestamp is
//! accepted by a request that reaches Binance within 1000 ms. (The property tests check exactly
//! this, with true offsets anywhere in ±1 day, asymmetric delays, jitter, slow outlier probes,
//! wall-clock steps and drift.)
//!
//! ```
//! use binance_sign::{LocalReading, TimeSync};
//! let mut sync = TimeSync::new();
//! // A probe sent at local wall 1_700_000_000_000 ms (monotonic 10_000 ms), answered with
//! // serverTime 1_700_000_002_040 and received 80 ms later.
//! let sent = LocalReading::from_millis(1_700_000_000_000, 10_000);
//! let received = LocalReading::from_millis(1_700_000_000_080, 10_080);
//! let obs = sync.observe(sent, 1_700_000_002_040, received)?;
//! assert_eq!(obs.offset_micros, 2_000_500); // the local clock is 2 s behind
//! assert_eq!(obs.uncertainty_micros, 40_505); // half the round trip, + 0.5 ms, + drift
//! let now = LocalReading::from_millis(1_700_000_001_000, 11_000);
//! let ts = sync.timestamp(now)?;
//! // 960 ms after the probe's midpoint, minus the uncertainty and the 1 ms margin:
//! assert_eq!(ts.as_millis(), 1_700_000_002_958);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::timestamp::{MAX_TIMESTAMP_MILLIS, MIN_TIMESTAMP_MILLIS, TimeUnit, Timestamp};

/// A reading of the local clocks at one instant: the wall clock (µs since the Unix epoch) and a
/// monotonic clock (µs since any fixed origin).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LocalReading {
    wall_micros: i64,
    mono_micros: u64,
}

impl LocalReading {
    /// A reading in microseconds.
    pub fn from_micros(wall_micros: i64, mono_micros: u64) -> Self {
        Self {
            wall_micros,
            mono_micros,
        }
    }

    /// A reading in milliseconds.
    pub fn from_millis(wall_millis: i64, mono_millis: u64) -> Self {
        Self::from_micros(
            wall_millis.saturating_mul(1000),
            mono_millis.saturating_mul(1000),
        )
    }

    /// The wall clock, µs since the Unix epoch.
    pub fn wall_micros(self) -> i64 {
        self.wall_micros
    }

    /// The monotonic clock, µs.
    pub fn mono_micros(self) -> u64 {
        self.mono_micros
    }
}

/// Reads the system clocks: `SystemTime` for the wall clock, `Instant` (from the moment this
/// value was made) for the monotonic clock.
#[derive(Clone, Copy, Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose monotonic origin is now.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    /// Reads both clocks.
    pub fn now(&self) -> LocalReading {
        let mono = u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX);
        LocalReading::from_micros(crate::timestamp::system_micros(), mono)
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a sample was refused. The current estimate is left as it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The response was received before the request was sent (monotonic clock).
    #[error(
        "negative round trip: received {0} µs before sending; the readings are swapped or not from one clock"
    )]
    NegativeRoundTrip(u64),
    /// The round trip is longer than the configured maximum: too uncertain to use.
    #[error("round trip of {rtt_micros} µs is over the {max_micros} µs limit; retry the probe")]
    RoundTripTooLong {
        /// The round trip.
        rtt_micros: u64,
        /// The limit.
        max_micros: u64,
    },
    /// The wall clock moved by a different amount than the monotonic clock during the probe.
    #[error("the wall clock stepped by {0} µs during the probe; retry it")]
    WallClockSteppedDuringProbe(i64),
    /// The server time is before 2017 or otherwise not a plausible Binance time.
    #[error("server time {0} ms is not plausible (before 2017 or past year 2286)")]
    ImplausibleServerTime(u64),
    /// The offset is larger than the configured maximum.
    #[error(
        "offset of {offset_micros} µs between the local and the server clock is over the {max_micros} µs limit; fix the system clock"
    )]
    OffsetTooLarge {
        /// The offset.
        offset_micros: i64,
        /// The limit.
        max_micros: u64,
    },
    /// No sample has been observed yet.
    #[error("no server time sample yet; call observe() first")]
    NoEstimate,
    /// The estimate gives a timestamp outside the range Binance accepts.
    #[error("estimated timestamp refused: {0}")]
    Timestamp(Error),
}

/// Settings of a [`TimeSync`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeSyncConfig {
    /// How many recent samples to keep (at least 1). Default 8.
    pub window: usize,
    /// Samples with a longer round trip are refused. Default 10 s.
    pub max_round_trip: Duration,
    /// Samples with a larger offset are refused. Default 7 days.
    pub max_offset: Duration,
    /// The assumed maximum drift between local and server clock, in parts per million.
    /// Default 100.
    pub max_drift_ppm: u32,
    /// Subtracted from every timestamp on top of the uncertainty. Default 1 ms.
    pub margin: Duration,
}

impl Default for TimeSyncConfig {
    fn default() -> Self {
        Self {
            window: 8,
            max_round_trip: Duration::from_secs(10),
            max_offset: Duration::from_secs(7 * 24 * 3600),
            max_drift_ppm: 100,
            margin: Duration::from_millis(1),
        }
    }
}

/// What one accepted sample said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Observation {
    /// `server − local wall clock` from this sample, µs.
    pub offset_micros: i64,
    /// Half the round trip plus half a millisecond, µs.
    pub uncertainty_micros: u64,
    /// How far the wall clock stepped since the previous sample, beyond what the monotonic
    /// clock and drift explain, if it did.
    pub wall_step_micros: Option<i64>,
}

/// The current estimate of the server clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Estimate {
    /// The server time now, µs since the epoch.
    pub server_micros: i64,
    /// How far the true server time may be from `server_micros`, µs.
    pub uncertainty_micros: u64,
    /// `server − local wall clock` now, µs.
    pub offset_micros: i64,
    /// How old the sample behind the estimate is.
    pub age: Duration,
}

#[derive(Clone, Copy, Debug)]
struct Sample {
    server_mid: i64,
    wall_mid: i64,
    mono_mid: u64,
    half_rtt: u64,
}

/// Estimates the server clock from round-trip samples and hands out accepted timestamps.
///
/// Pure: it takes clock readings as arguments, never reads a clock, sleeps or does I/O. See the
/// [module documentation](self) for the method and the guarantee.
#[derive(Clone, Debug)]
pub struct TimeSync {
    config: TimeSyncConfig,
    samples: VecDeque<Sample>,
    last_issued_micros: u64,
}

impl Default for TimeSync {
    fn default() -> Self {
        Self::new()
    }
}

impl TimeSync {
    /// A synchronizer with the default settings.
    pub fn new() -> Self {
        Self::with_config(TimeSyncConfig::default())
    }

    /// A synchronizer with `config`.
    pub fn with_config(config: TimeSyncConfig) -> Self {
        Self {
            config: TimeSyncConfig {
                window: config.window.max(1),
                ..config
            },
            samples: VecDeque::new(),
            last_issued_micros: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> &TimeSyncConfig {
        &self.config
    }

    /// Feeds one probe of the server-time endpoint: the local readings just before sending and
    /// just after receiving, and the `serverTime` (ms) it returned.
    pub fn observe(
        &mut self,
        sent_at: LocalReading,
        server_time_millis: u64,
        received_at: LocalReading,
    ) -> Result<Observation, SyncError> {
        let rtt = received_at
            .mono_micros
            .checked_sub(sent_at.mono_micros)
            .ok_or_else(|| {
                SyncError::NegativeRoundTrip(sent_at.mono_micros - received_at.mono_micros)
            })?;
        let max_rtt = micros(self.config.max_round_trip);
        if rtt > max_rtt {
            return Err(SyncError::RoundTripTooLong {
                rtt_micros: rtt,
                max_micros: max_rtt,
            });
        }
        let wall_rtt = received_at.wall_micros.saturating_sub(sent_at.wall_micros);
        let wall_step = wall_rtt.saturating_sub(i64::try_from(rtt).unwrap_or(i64::MAX));
        if wall_step.unsigned_abs() > 100_000 + rtt / 100 {
            return Err(SyncError::WallClockSteppedDuringProbe(wall_step));
        }
        if !(MIN_TIMESTAMP_MILLIS..=MAX_TIMESTAMP_MILLIS).contains(&server_time_millis) {
            return Err(SyncError::ImplausibleServerTime(server_time_millis));
        }
        let server_mid = server_time_millis as i64 * 1000 + 500;
        let wall_mid = sent_at.wall_micros.saturating_add(wall_rtt / 2);
        let offset = server_mid.saturating_sub(wall_mid);
        let max_offset = micros(self.config.max_offset);
        if offset.unsigned_abs() > max_offset {
            return Err(SyncError::OffsetTooLarge {
                offset_micros: offset,
                max_micros: max_offset,
            });
        }
        let sample = Sample {
            server_mid,
            wall_mid,
            mono_mid: sent_at.mono_micros + rtt / 2,
            half_rtt: rtt / 2 + 500 + self.drift(rtt / 2) + 1,
        };
        let wall_step_micros = self.samples.back().and_then(|prev| {
            let mono_delta = sample.mono_mid as i128 - prev.mono_mid as i128;
            let wall_delta = sample.wall_mid as i128 - prev.wall_mid as i128;
            let step = wall_delta - mono_delta;
            let tolerance = 50_000
                + u128::from(self.drift(mono_delta.unsigned_abs() as u64))
                + u128::from(sample.half_rtt + prev.half_rtt);
            (step.unsigned_abs() > tolerance).then(|| clamp_i64(step))
        });
        self.samples.push_back(sample);
        while self.samples.len() > self.config.window {
            self.samples.pop_front();
        }
        Ok(Observation {
            offset_micros: offset,
            uncertainty_micros: sample.half_rtt,
            wall_step_micros,
        })
    }

    /// The estimate of the server clock at `now`, from the sample that leaves the least
    /// uncertainty; `None` before the first sample.
    pub fn estimate(&self, now: LocalReading) -> Option<Estimate> {
        self.samples
            .iter()
            .map(|s| {
                let elapsed = now.mono_micros as i128 - s.mono_mid as i128;
                let age = elapsed.unsigned_abs() as u64;
                let server = clamp_i64(s.server_mid as i128 + elapsed);
                let uncertainty = s.half_rtt.saturating_add(self.drift(age));
                (uncertainty, server, age)
            })
            .min_by_key(|(uncertainty, _, _)| *uncertainty)
            .map(|(uncertainty_micros, server_micros, age)| Estimate {
                server_micros,
                uncertainty_micros,
                offset_micros: server_micros.saturating_sub(now.wall_micros),
                age: Duration::from_micros(age),
            })
    }

    /// `server − local wall clock` at `now`, µs.
    pub fn offset_micros(&self, now: LocalReading) -> Option<i64> {
        self.estimate(now).map(|e| e.offset_micros)
    }

    /// How far off the estimate may be at `now`.
    pub fn uncertainty(&self, now: LocalReading) -> Option<Duration> {
        self.estimate(now)
            .map(|e| Duration::from_micros(e.uncertainty_micros))
    }

    /// How old the sample behind the estimate is at `now`.
    pub fn age(&self, now: LocalReading) -> Option<Duration> {
        self.estimate(now).map(|e| e.age)
    }

    /// Whether to probe the server again: no sample yet, or the estimate's sample is older than
    /// `max_age`.
    pub fn needs_resync(&self, now: LocalReading, max_age: Duration) -> bool {
        self.estimate(now).is_none_or(|e| e.age > max_age)
    }

    /// A millisecond `timestamp` for a request sent at `now`; see the
    /// [module documentation](self) for the guarantee. Never earlier than one handed out before.
    pub fn timestamp(&mut self, now: LocalReading) -> Result<Timestamp, SyncError> {
        self.issue(now, TimeUnit::Millis)
    }

    /// A microsecond `timestamp` (spot only) for a request sent at `now`.
    pub fn timestamp_micros(&mut self, now: LocalReading) -> Result<Timestamp, SyncError> {
        self.issue(now, TimeUnit::Micros)
    }

    fn issue(&mut self, now: LocalReading, unit: TimeUnit) -> Result<Timestamp, SyncError> {
        let estimate = self.estimate(now).ok_or(SyncError::NoEstimate)?;
        let safe = i128::from(estimate.server_micros)
            - i128::from(estimate.uncertainty_micros)
            - i128::from(micros(self.config.margin));
        let safe = u64::try_from(safe.max(0)).unwrap_or(0);
        let safe = match unit {
            TimeUnit::Millis => safe - safe % 1000,
            TimeUnit::Micros => safe,
        }
        .max(self.last_issued_micros);
        // Rounding up only matters after a microsecond timestamp: it keeps the sequence from
        // going backwards.
        let value = match unit {
            TimeUnit::Millis => safe.div_ceil(1000),
            TimeUnit::Micros => safe,
        };
        let timestamp = Timestamp::new(value, unit).map_err(SyncError::Timestamp)?;
        self.last_issued_micros = timestamp.as_micros();
        Ok(timestamp)
    }

    fn drift(&self, micros: u64) -> u64 {
        (u128::from(micros) * u128::from(self.config.max_drift_ppm))
            .div_ceil(1_000_000)
            .try_into()
            .unwrap_or(u64::MAX)
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn clamp_i64(v: i128) -> i64 {
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}
