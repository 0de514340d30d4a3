//! [`TimeSync`]: estimating Binance's clock from round trips to its server-time endpoint, and
//! handing out timestamps Binance accepts, or refusing when it cannot be sure.
//!
//! Most programs want the shared, thread-safe [`ServerClock`](crate::ServerClock), which
//! wraps a `TimeSync` and the system clocks. `TimeSync` itself is pure: it takes clock readings
//! as arguments, never reads a clock, sleeps or does I/O, which is what the property tests and
//! the fuzzer drive.
//!
//! # How the estimate is made
//!
//! Each probe of `GET /api/v3/time` gives a sample: the server read its clock somewhere between
//! sending and receiving, so at the local midpoint the server time is `serverTime + 0.5 ms`
//! (it reports whole milliseconds) within half the round trip (+0.5 ms). Like NTP's clock
//! filter, the estimate starts from the sample that leaves the *lowest* uncertainty; averaging
//! would let one slow probe drag the estimate off.
//!
//! Between samples, time is measured on the local *monotonic* clock. The server clock runs at a
//! slightly different rate (drift). Until drift is measured, it is bounded by
//! [`TimeSyncConfig::max_drift_ppm`] (500 ppm by default), and the uncertainty grows at that
//! rate. Every pair of samples bounds the drift by `(Δserver ± (u₁ + u₂)) / Δmonotonic`; the
//! bounds of all kept samples (the oldest, the newest and the most precise, over up to two
//! hours) are intersected, and once that interval is narrower than the assumed bound the
//! estimate is extrapolated at its middle and the uncertainty grows only at its half-width. So
//! periodic samples learn a drift of 500 ppm (or up to twice `max_drift_ppm`) instead of being
//! overrun by it. Samples that cannot all be true under one plausible drift (the server clock
//! was stepped, or the machine slept and the monotonic clock stopped) are dropped but for the
//! newest, which is reported in [`Observation::reset`].
//!
//! # The guarantee, and failing safe
//!
//! [`TimeSync::timestamp`] returns `estimate − uncertainty − margin`, rounded down, never
//! earlier than a timestamp handed out before. Before handing it out, it checks it with
//! [`check_window`] against the estimate for a request that reaches
//! Binance at any time within [`TimeSyncConfig::max_delay`], with
//! [`TimeSyncConfig::recv_window`]. If the estimate says Binance could reject it, the call
//! fails with [`SyncError::ResyncNeeded`] instead: probe the server time again. It also fails
//! with [`SyncError::ClockJump`] when the wall clock ran ahead of the monotonic clock since the
//! last sample (the machine slept: the monotonic clock stops during suspend, so the estimate
//! would lag behind by the whole sleep).
//!
//! **The bound.** When the server clock's drift against the local monotonic clock stays within
//! `max_drift_ppm` (or is constant while samples are taken), each sample's one-way delays are at
//! most 1000 ms, and a request reaches Binance within `max_delay` after `timestamp()`, every
//! timestamp handed out is accepted. Outside it, `timestamp()` refuses rather than guess,
//! except for the one case no estimate can see: a drift beyond `max_drift_ppm` with a single
//! sample. With the defaults (500 ppm, 5000 ms window, 1000 ms delay) a single sample stays
//! usable for about 30 minutes; [`TimeSync::needs_resync`] asks for a probe well before (every
//! 5 minutes by default). The property tests in `tests/clock_sync.rs` check it: true offsets
//! in ±1 day, asymmetric delays, slow outlier probes, drift up to 500 ppm with periodic
//! samples, wall-clock steps, suspends of 10 s and 60 s, and a 6-hour-old sample.
//!
//! ```
//! use binance_sign::{LocalReading, ServerTime, TimeSync};
//! let mut sync = TimeSync::new();
//! // A probe sent at local wall 1_700_000_000_000 ms (monotonic 10_000 ms), answered with
//! // serverTime 1_700_000_002_040 and received 80 ms later.
//! let sent = LocalReading::from_millis(1_700_000_000_000, 10_000);
//! let received = LocalReading::from_millis(1_700_000_000_080, 10_080);
//! let obs = sync.observe(sent, ServerTime::from_millis(1_700_000_002_040)?, received)?;
//! assert_eq!(obs.offset_micros, 2_000_500); // the local clock is 2 s behind
//! assert_eq!(obs.uncertainty.as_micros(), 40_521); // half the round trip, + 0.5 ms, + drift
//! let now = LocalReading::from_millis(1_700_000_001_000, 11_000);
//! let ts = sync.timestamp(now)?;
//! // 960 ms after the probe's midpoint, minus the uncertainty and the 1 ms margin:
//! assert_eq!(ts.as_millis(), 1_700_000_002_958);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::recv_window::RecvWindow;
use crate::server_time::ServerTime;
use crate::timestamp::{TimeUnit, Timestamp};
use crate::window::{WindowVerdict, check_window};

/// A reading of the local clocks at one instant: the wall clock (µs since the Unix epoch) and a
/// monotonic clock (µs since any fixed origin).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LocalReading {
    wall_micros: u64,
    mono_micros: u64,
}

impl LocalReading {
    /// A reading in microseconds.
    pub fn from_micros(wall_micros: u64, mono_micros: u64) -> Self {
        Self {
            wall_micros,
            mono_micros,
        }
    }

    /// A reading in milliseconds.
    pub fn from_millis(wall_millis: u64, mono_millis: u64) -> Self {
        Self::from_micros(
            wall_millis.saturating_mul(1000),
            mono_millis.saturating_mul(1000),
        )
    }

    /// The wall clock, µs since the Unix epoch.
    pub fn wall_micros(self) -> u64 {
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

/// Why a sample was refused, or why no timestamp can be handed out. A refused sample leaves
/// the estimate as it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The response was received before the request was sent (monotonic clock).
    #[error(
        "negative round trip: received {by:?} before sending; the readings are swapped or not from one clock"
    )]
    NegativeRoundTrip {
        /// By how much.
        by: Duration,
    },
    /// The round trip is longer than the configured maximum: too uncertain to use.
    #[error("round trip of {round_trip:?} is over the {max:?} limit; retry the probe")]
    RoundTripTooLong {
        /// The round trip.
        round_trip: Duration,
        /// The limit.
        max: Duration,
    },
    /// The wall clock moved by a different amount than the monotonic clock during the probe.
    #[error("the wall clock stepped by {step_micros} µs during the probe; retry it")]
    WallClockSteppedDuringProbe {
        /// The step, µs (positive: forward).
        step_micros: i64,
    },
    /// The offset is larger than the configured maximum.
    #[error(
        "offset of {offset_micros} µs between the local and the server clock is over the {max:?} limit; fix the system clock"
    )]
    OffsetTooLarge {
        /// The offset, µs.
        offset_micros: i64,
        /// The limit.
        max: Duration,
    },
    /// No sample has been observed yet.
    #[error("no server time sample yet; probe the server time first")]
    NoEstimate,
    /// The wall clock ran ahead of the monotonic clock since the last sample: the machine
    /// slept (the monotonic clock stops during suspend) or the wall clock was stepped.
    #[error(
        "the wall clock ran {wall_ahead:?} ahead of the monotonic clock since the last sample (the machine slept or the clock was stepped); probe the server time again"
    )]
    ClockJump {
        /// How far ahead.
        wall_ahead: Duration,
    },
    /// The estimate is too uncertain (old, or from slow probes) to hand out a timestamp Binance
    /// is sure to accept with the configured `recvWindow`.
    #[error(
        "the server time estimate (uncertainty {uncertainty:?}) could get this timestamp rejected ({verdict:?}); probe the server time again"
    )]
    ResyncNeeded {
        /// What [`check_window`] said of the timestamp.
        verdict: WindowVerdict,
        /// The estimate's uncertainty.
        uncertainty: Duration,
    },
    /// The estimate gives a timestamp outside the range Binance accepts.
    #[error("estimated timestamp refused")]
    Timestamp(#[source] Error),
    /// A server-time response without a plausible `serverTime`.
    #[error("not a server-time response with a plausible serverTime: `{body}`")]
    BadResponse {
        /// The body (escaped, cut to 100 bytes).
        body: String,
    },
}

/// Reads the `serverTime` (ms) of a `GET /api/v3/time` body (`{"serverTime":1499827319559}`).
///
/// ```
/// use binance_sign::time_sync::parse_server_time;
/// assert_eq!(parse_server_time(r#"{"serverTime":1499827319559}"#)?.as_millis(), 1499827319559);
/// assert!(parse_server_time(r#"{"serverTime":0}"#).is_err());
/// assert!(parse_server_time("<html>").is_err());
/// # Ok::<(), binance_sign::SyncError>(())
/// ```
///
/// # Errors
///
/// [`SyncError::BadResponse`] when the body is not such an object, or the time is not between
/// 2017 and year 2286.
pub fn parse_server_time(body: &str) -> Result<ServerTime, SyncError> {
    #[derive(serde::Deserialize)]
    struct Time {
        #[serde(rename = "serverTime")]
        server_time: u64,
    }
    serde_json::from_str::<Time>(body)
        .ok()
        .and_then(|t| ServerTime::from_millis(t.server_time).ok())
        .ok_or_else(|| SyncError::BadResponse {
            body: crate::error::excerpt(body, 100),
        })
}

/// Settings of a [`TimeSync`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeSyncConfig {
    /// How many samples to keep (1 to 64): the oldest, the newest and the most precise in
    /// between. Default 16.
    pub window: usize,
    /// Samples older than this (but the newest) are dropped: drift is measured over at most
    /// this span. Default 2 hours.
    pub max_sample_age: Duration,
    /// Samples with a longer round trip are refused. Default 10 s.
    pub max_round_trip: Duration,
    /// Samples with a larger offset are refused. Default 7 days.
    pub max_offset: Duration,
    /// The most the server clock may run fast or slow against the local monotonic clock, in
    /// parts per million, until drift is measured from samples. Default 500.
    pub max_drift_ppm: u32,
    /// Subtracted from every timestamp on top of the uncertainty. Default 1 ms.
    pub margin: Duration,
    /// The `recvWindow` requests are sent with. Default 5000 ms (Binance's default).
    pub recv_window: RecvWindow,
    /// The longest a request takes from [`TimeSync::timestamp`] to Binance's check (including
    /// the check just before the matching engine). Default 1000 ms.
    pub max_delay: Duration,
    /// [`TimeSync::needs_resync`] asks for a probe when the newest sample is older. Default
    /// 5 minutes.
    pub resync_after: Duration,
    /// How far the wall clock may run ahead of the monotonic clock before a suspend is assumed.
    /// Default 100 ms.
    pub jump_tolerance: Duration,
}

impl Default for TimeSyncConfig {
    fn default() -> Self {
        Self {
            window: 16,
            max_sample_age: Duration::from_secs(2 * 3600),
            max_round_trip: Duration::from_secs(10),
            max_offset: Duration::from_secs(7 * 24 * 3600),
            max_drift_ppm: 500,
            margin: Duration::from_millis(1),
            recv_window: RecvWindow::DEFAULT,
            max_delay: Duration::from_millis(1000),
            resync_after: Duration::from_secs(300),
            jump_tolerance: Duration::from_millis(100),
        }
    }
}

/// What one accepted sample said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Observation {
    /// `server − local wall clock` from this sample, µs.
    pub offset_micros: i64,
    /// Half the round trip, plus half a millisecond and the drift over it.
    pub uncertainty: Duration,
    /// How far the wall clock stepped since the previous sample, beyond what the monotonic
    /// clock and drift explain, if it did, µs.
    pub wall_step_micros: Option<i64>,
    /// Whether earlier samples were dropped because they cannot be true together with this one
    /// (the server clock stepped, or the monotonic clock stopped during a suspend).
    pub reset: bool,
}

/// The current estimate of the server clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Estimate {
    /// The server time now.
    pub server: ServerTime,
    /// How far the true server time may be from `server`.
    pub uncertainty: Duration,
    /// `server − local wall clock` now, µs.
    pub offset_micros: i64,
    /// How old the sample behind the estimate is.
    pub age: Duration,
    /// The drift of the server clock against the local monotonic clock used for the estimate,
    /// in parts per billion (0 until two samples measure it).
    pub drift_ppb: i64,
}

/// One probe, at its local midpoint: µs values, `half` is its uncertainty.
#[derive(Clone, Copy, Debug)]
struct Sample {
    server_mid: i128,
    wall_mid: i128,
    mono_mid: i128,
    half: i128,
}

/// The drift of the server clock against the monotonic clock: an interval in ppb.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Drift {
    lo: i128,
    hi: i128,
}

impl Drift {
    fn center(self) -> i128 {
        (self.lo + self.hi).div_euclid(2)
    }

    /// Half the width, rounded up.
    fn half_width(self) -> i128 {
        (self.hi - self.lo + 1) / 2
    }
}

const PPB: i128 = 1_000_000_000;

/// Estimates the server clock from round-trip samples and hands out accepted timestamps.
///
/// See the [module documentation](self) for the method and the guarantee.
#[derive(Clone, Debug)]
pub struct TimeSync {
    config: TimeSyncConfig,
    samples: VecDeque<Sample>,
    drift: Drift,
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
        let config = TimeSyncConfig {
            window: config.window.clamp(1, 64),
            ..config
        };
        Self {
            drift: prior(&config),
            config,
            samples: VecDeque::new(),
            last_issued_micros: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> &TimeSyncConfig {
        &self.config
    }

    /// Feeds one probe of the server-time endpoint: the local readings just before sending and
    /// just after receiving, and the `serverTime` it returned.
    ///
    /// # Errors
    ///
    /// A [`SyncError`] when the sample is unusable (negative or too long round trip, a wall
    /// clock step during the probe, an offset over the limit); the estimate is left alone.
    pub fn observe(
        &mut self,
        sent_at: LocalReading,
        server_time: ServerTime,
        received_at: LocalReading,
    ) -> Result<Observation, SyncError> {
        let (sent_mono, received_mono) = (
            i128::from(sent_at.mono_micros),
            i128::from(received_at.mono_micros),
        );
        let rtt = received_mono - sent_mono;
        if rtt < 0 {
            return Err(SyncError::NegativeRoundTrip { by: micros(-rtt) });
        }
        if rtt > as_micros(self.config.max_round_trip) {
            return Err(SyncError::RoundTripTooLong {
                round_trip: micros(rtt),
                max: self.config.max_round_trip,
            });
        }
        let wall_rtt = i128::from(received_at.wall_micros) - i128::from(sent_at.wall_micros);
        let step = wall_rtt - rtt;
        if step.abs() > 100_000 + rtt / 100 {
            return Err(SyncError::WallClockSteppedDuringProbe {
                step_micros: clamp_i64(step),
            });
        }
        let server_mid = i128::from(server_time.as_micros()) + 500;
        let wall_mid = i128::from(sent_at.wall_micros) + wall_rtt / 2;
        let offset = server_mid - wall_mid;
        if offset.abs() > as_micros(self.config.max_offset) {
            return Err(SyncError::OffsetTooLarge {
                offset_micros: clamp_i64(offset),
                max: self.config.max_offset,
            });
        }
        let half_rtt = rtt / 2;
        let sample = Sample {
            server_mid,
            wall_mid,
            mono_mid: sent_mono + half_rtt,
            half: half_rtt + 500 + ppb_of(half_rtt, self.prior_ppb()) + 1,
        };
        let wall_step_micros = self.samples.back().and_then(|prev| {
            let step = (sample.wall_mid - prev.wall_mid) - (sample.mono_mid - prev.mono_mid);
            let tolerance = 50_000
                + ppb_of((sample.mono_mid - prev.mono_mid).abs(), self.prior_ppb())
                + sample.half
                + prev.half;
            (step.abs() > tolerance).then(|| clamp_i64(step))
        });
        self.samples.push_back(sample);
        self.evict();
        let prior = prior(&self.config);
        let plausible = Drift {
            lo: prior.lo * 2,
            hi: prior.hi * 2,
        };
        let reset = match drift_of(&self.samples, plausible) {
            Some(measured) => {
                // Measured drift replaces the assumed bound once it is narrower.
                self.drift = if measured.half_width() < prior.half_width() {
                    measured
                } else {
                    prior
                };
                false
            }
            None => {
                // No single plausible drift explains every sample: keep the newest.
                self.samples.drain(..self.samples.len() - 1);
                self.drift = prior;
                true
            }
        };
        Ok(Observation {
            offset_micros: clamp_i64(offset),
            uncertainty: micros(sample.half),
            wall_step_micros,
            reset,
        })
    }

    /// Keeps at most `window` samples: drops those older than `max_sample_age` (but the
    /// newest), then the least precise ones, keeping the oldest and the newest so the drift is
    /// measured over the longest span.
    fn evict(&mut self) {
        let Some(newest) = self.samples.back().copied() else {
            return;
        };
        let max_age = as_micros(self.config.max_sample_age);
        while self.samples.len() > 1
            && self
                .samples
                .front()
                .is_some_and(|s| newest.mono_mid - s.mono_mid > max_age)
        {
            self.samples.pop_front();
        }
        while self.samples.len() > self.config.window {
            let last = self.samples.len() - 1;
            let worst = (1..last)
                .max_by_key(|&i| (self.samples[i].half, std::cmp::Reverse(i)))
                .unwrap_or(0);
            self.samples.remove(worst);
        }
    }

    fn prior_ppb(&self) -> i128 {
        prior(&self.config).hi
    }

    /// The estimate of the server clock at `now`, from the sample that leaves the least
    /// uncertainty.
    ///
    /// # Errors
    ///
    /// [`SyncError::NoEstimate`] before the first sample, [`SyncError::ClockJump`] when the
    /// wall clock ran ahead of the monotonic clock since the newest sample (a suspend).
    pub fn estimate(&self, now: LocalReading) -> Result<Estimate, SyncError> {
        let newest = self.samples.back().ok_or(SyncError::NoEstimate)?;
        let mono = i128::from(now.mono_micros);
        let since = mono - newest.mono_mid;
        let wall_ahead = (i128::from(now.wall_micros) - newest.wall_mid) - since;
        if wall_ahead
            > as_micros(self.config.jump_tolerance) + ppb_of(since.abs(), self.prior_ppb())
        {
            return Err(SyncError::ClockJump {
                wall_ahead: micros(wall_ahead),
            });
        }
        let center = self.drift.center();
        let spread = self.drift.half_width();
        let (server, uncertainty, age) = self
            .samples
            .iter()
            .map(|s| {
                let elapsed = mono - s.mono_mid;
                let server = s.server_mid + elapsed + elapsed * center / PPB;
                let uncertainty = s.half + ppb_of(elapsed.abs(), spread);
                (server, uncertainty, elapsed.abs())
            })
            .min_by_key(|(_, uncertainty, _)| *uncertainty)
            .ok_or(SyncError::NoEstimate)?;
        Ok(Estimate {
            server: ServerTime::clamped(server),
            uncertainty: micros(uncertainty),
            offset_micros: clamp_i64(server - i128::from(now.wall_micros)),
            age: micros(age),
            drift_ppb: clamp_i64(center),
        })
    }

    /// Whether to probe the server again: no usable estimate, the newest sample older than
    /// [`TimeSyncConfig::resync_after`], or an uncertainty past a quarter of what the window
    /// allows.
    pub fn needs_resync(&self, now: LocalReading) -> bool {
        let Ok(estimate) = self.estimate(now) else {
            return true;
        };
        let newest_age = self.samples.back().map_or(Duration::MAX, |s| {
            micros((i128::from(now.mono_micros) - s.mono_mid).abs())
        });
        let budget = self
            .config
            .recv_window
            .as_duration()
            .saturating_sub(self.config.max_delay.saturating_add(self.config.margin));
        newest_age > self.config.resync_after || estimate.uncertainty.saturating_mul(4) > budget
    }

    /// A millisecond `timestamp` for a request sent at `now`; see the
    /// [module documentation](self) for the guarantee. Never earlier than one handed out before.
    ///
    /// # Errors
    ///
    /// [`SyncError::NoEstimate`], [`SyncError::ClockJump`], or
    /// [`SyncError::ResyncNeeded`] when the estimate says Binance could reject the timestamp.
    pub fn timestamp(&mut self, now: LocalReading) -> Result<Timestamp, SyncError> {
        self.issue(now, TimeUnit::Millis)
    }

    /// A microsecond `timestamp` (spot only) for a request sent at `now`.
    ///
    /// # Errors
    ///
    /// As [`timestamp`](Self::timestamp).
    pub fn timestamp_micros(&mut self, now: LocalReading) -> Result<Timestamp, SyncError> {
        self.issue(now, TimeUnit::Micros)
    }

    fn issue(&mut self, now: LocalReading, unit: TimeUnit) -> Result<Timestamp, SyncError> {
        let estimate = self.estimate(now)?;
        let safe = estimate
            .server
            .as_micros()
            .saturating_sub(u64::try_from(estimate.uncertainty.as_micros()).unwrap_or(u64::MAX))
            .saturating_sub(u64::try_from(self.config.margin.as_micros()).unwrap_or(u64::MAX));
        let scale = unit.micros();
        // Rounding up only matters after a microsecond timestamp: it keeps the sequence from
        // going backwards.
        let value = (safe - safe % scale)
            .max(self.last_issued_micros)
            .div_ceil(scale);
        let timestamp = Timestamp::new(value, unit).map_err(SyncError::Timestamp)?;
        // The request reaches Binance at any time within `max_delay`: check the whole span.
        let half_delay = self.config.max_delay / 2;
        let verdict = check_window(
            timestamp,
            Some(self.config.recv_window),
            estimate.server.saturating_add(half_delay),
            estimate.uncertainty.saturating_add(half_delay),
        );
        if !verdict.is_accepted() {
            return Err(SyncError::ResyncNeeded {
                verdict,
                uncertainty: estimate.uncertainty,
            });
        }
        self.last_issued_micros = timestamp.as_micros();
        Ok(timestamp)
    }
}

/// The drift bound before any measurement.
fn prior(config: &TimeSyncConfig) -> Drift {
    let ppb = i128::from(config.max_drift_ppm) * 1000;
    Drift { lo: -ppb, hi: ppb }
}

/// The drift interval every pair of samples allows, within `prior`; `None` when they cannot
/// all be true under one drift.
fn drift_of(samples: &VecDeque<Sample>, prior: Drift) -> Option<Drift> {
    let mut drift = prior;
    for (i, a) in samples.iter().enumerate() {
        for b in samples.iter().skip(i + 1) {
            let span = b.mono_mid - a.mono_mid;
            if span <= 0 {
                continue;
            }
            let excess = (b.server_mid - a.server_mid) - span;
            let slack = a.half + b.half;
            drift.lo = drift.lo.max(((excess - slack) * PPB).div_euclid(span));
            drift.hi = drift.hi.min(-((-(excess + slack) * PPB).div_euclid(span)));
        }
    }
    (drift.lo <= drift.hi).then_some(drift)
}

/// `micros × ppb / 10⁹`, rounded up.
fn ppb_of(micros: i128, ppb: i128) -> i128 {
    let product = micros * ppb;
    -((-product).div_euclid(PPB))
}

fn as_micros(d: Duration) -> i128 {
    i128::try_from(d.as_micros()).unwrap_or(i128::MAX / 4)
}

fn micros(v: i128) -> Duration {
    Duration::from_micros(u64::try_from(v.max(0)).unwrap_or(u64::MAX))
}

fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}
