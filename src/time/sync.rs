//! The clock estimate: [`TimeSync`].

use std::collections::VecDeque;
use std::time::Duration;

use crate::time::acceptance::check_window;
use crate::time::server_time::ServerTime;
use crate::time::timestamp::Timestamp;
use crate::time::unit::TimeUnit;

mod config;
mod drift;
pub(crate) mod error;
mod held;
mod reading;
mod sample;

pub use config::TimeSyncConfig;
use drift::{Drift, PPB, as_micros, clamp_i64, clamp_u64, drift_of, micros, ppb_of, prior};
pub use error::{SyncError, parse_server_time};
use held::{Confirmation, Verdict};
use sample::{Candidate, Sample};

pub use reading::{LocalReading, SystemClock};

/// What one accepted sample said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Observation {
    /// `server − local wall clock` from this sample, µs.
    pub offset_micros: i64,
    /// Half the round trip, plus half a millisecond (Binance's whole milliseconds), twice the
    /// local readings' resolution, and the drift over the half round trip.
    pub uncertainty: Duration,
    /// How far the wall clock stepped since the previous sample, beyond what the monotonic
    /// clock and drift explain, if it did, µs.
    pub wall_step_micros: Option<i64>,
    /// Whether earlier samples were dropped because they cannot be true together with this one
    /// (the server clock stepped and a later probe confirmed it, or the machine was suspended).
    pub reset: bool,
    /// Whether the sample disagreed with the estimate beyond both their uncertainties and is
    /// held as a candidate, leaving the estimate as it was: a later, independent probe that
    /// agrees with it confirms a step of the server clock (the same answer seen twice, as from
    /// a cache, does not); one that agrees with the estimate discards it. While a candidate is
    /// held, timestamps must be accepted under both, and [`TimeSync::needs_resync`] asks for
    /// a probe.
    pub held: bool,
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

/// While a sample is held, the next probe is due this long after it.
const HELD_RECHECK: Duration = Duration::from_secs(1);

/// Estimates the server clock from round-trip samples and hands out accepted timestamps.
///
/// Pure: it takes clock readings as arguments, never reads a clock, sleeps or does I/O (which is
/// what the property tests and the fuzzer drive). Most programs want the shared, thread-safe
/// [`ServerClock`](crate::ServerClock), which wraps a `TimeSync` and the system clocks.
///
/// # How the estimate is made
///
/// Each probe of `GET /api/v3/time` gives a sample: the server read its clock somewhere between
/// sending and receiving, so at the local midpoint the server time is `serverTime + 0.5 ms`
/// (it reports whole milliseconds) within half the round trip (+0.5 ms). Every other
/// quantisation enters the bound too: readings made with
/// [`LocalReading::from_millis`] may each be a millisecond early, which moves the midpoint and
/// the round trip, so such a sample's uncertainty grows by 2 ms. Like NTP's clock filter, the
/// estimate starts from the sample that leaves the *lowest* uncertainty; averaging would let
/// one slow probe drag the estimate off.
///
/// # One bad sample moves nothing
///
/// A sample that disagrees with the current estimate by more than both uncertainties (a cached
/// or proxied `/time` answer, a server that stepped) is *held* as a candidate
/// ([`Observation::held`]), as NTP's popcorn-spike filter does: the estimate stays. A later,
/// independent probe that agrees with the candidate (not the same `serverTime` again, which is
/// what a cache gives) confirms that the server clock stepped, and the clock follows it, back
/// too: the floor that keeps timestamps from going backwards follows a confirmed step back. A
/// probe that agrees with the estimate discards the candidate. While a candidate is held, a
/// timestamp must be accepted under both, or is refused, and a probe is asked for. A sample
/// further than [`TimeSyncConfig::panic_threshold`] (1 hour) from the estimate is refused with
/// [`SyncError::BeyondPanicThreshold`]; two more agreeing probes make the clock follow it (a
/// first sample can be the bad one). Thresholds are measured against the estimate, never the
/// local wall clock, so a machine whose wall clock is hours off still syncs on its first
/// sample.
///
/// Between samples, time is measured on the local *monotonic* clock. The server clock runs at a
/// slightly different rate (drift). Until drift is measured, it is bounded by
/// [`TimeSyncConfig::max_drift_ppm`] (500 ppm by default), and the uncertainty grows at that
/// rate. Every pair of samples bounds the drift by `(Δserver ± (u₁ + u₂)) / Δmonotonic`; the
/// bounds of all kept samples (the oldest, the newest and the most precise, over up to two
/// hours) are intersected, and once that interval is narrower than the assumed bound the
/// estimate is extrapolated at its middle and the uncertainty grows only at its half-width. So
/// periodic samples learn a drift of 500 ppm (or up to twice `max_drift_ppm`) instead of being
/// overrun by it. Samples that cannot all be true under one plausible drift (the server clock
/// was stepped, or the machine slept and the monotonic clock stopped) are dropped but for the
/// newest, which is reported in [`Observation::reset`].
///
/// # The guarantee, and failing safe
///
/// [`TimeSync::timestamp`] returns `estimate − uncertainty − margin`, rounded down, never
/// earlier than a timestamp handed out before. Before handing it out, it checks it with
/// [`check_window`] against the estimate for a request that reaches
/// Binance at any time within [`TimeSyncConfig::max_delay`], with
/// [`TimeSyncConfig::recv_window`]. If the estimate says Binance could reject it, the call
/// fails with [`SyncError::ResyncNeeded`] instead: probe the server time again. After a suspend
/// (the monotonic clock stops while the machine sleeps, so the estimate would lag by the whole
/// sleep) it fails with [`SyncError::Suspended`], which says how long the machine slept: with
/// readings that carry the boot-time clock ([`SystemClock`] reads Linux's `CLOCK_BOOTTIME`), the
/// suspend is measured as the growth of `boot − monotonic`, and the next probe is judged
/// against the estimate carried across the measured sleep (a stale answer after waking is still
/// held or refused; a good one restores the clock at once). Without one it fails with
/// [`SyncError::ClockJump`] when the wall clock ran ahead of the monotonic clock, and the sleep
/// shows as a probe that disagrees with the estimate, which a second probe confirms.
///
/// **The bound.** When the server clock's drift against the local monotonic clock stays within
/// `max_drift_ppm` (or is constant while samples are taken), each sample's one-way delays are at
/// most 1000 ms, and a request reaches Binance within `max_delay` after `timestamp()`, every
/// timestamp handed out is accepted. Outside it, `timestamp()` refuses rather than guess,
/// except for the one case no estimate can see: a drift beyond `max_drift_ppm` with a single
/// sample. With the defaults (500 ppm, 5000 ms window, 1000 ms delay) a single sample stays
/// usable for about 30 minutes; [`TimeSync::needs_resync`] asks for a probe well before (every
/// 5 minutes by default), and [`TimeSync::next_probe_at`] says when that will be, so a loop can
/// probe ahead of any refusal: probing then, a simulated day at ±500 ppm hands out every
/// timestamp asked for (`tests/clock_simulation.rs`). The property tests in
/// `tests/clock_sync.rs` check it: true offsets
/// in ±1 day, asymmetric delays, slow outlier probes, drift up to 500 ppm with periodic
/// samples, wall-clock steps, suspends of 10 s and 60 s, and a 6-hour-old sample.
///
/// ```
/// use binance_sign::{LocalReading, ServerTime, TimeSync};
/// let mut sync = TimeSync::new();
/// // A probe sent at local wall 1_700_000_000_000 ms (monotonic 10_000 ms), answered with
/// // serverTime 1_700_000_002_040 and received 80 ms later.
/// let sent = LocalReading::from_millis(1_700_000_000_000, 10_000);
/// let received = LocalReading::from_millis(1_700_000_000_080, 10_080);
/// let obs = sync.observe(sent, ServerTime::from_millis(1_700_000_002_040)?, received)?;
/// assert_eq!(obs.offset_micros, 2_000_500); // the local clock is 2 s behind
/// // Half the round trip, + 0.5 ms (server milliseconds), + 2 ms (millisecond readings), + drift:
/// assert_eq!(obs.uncertainty.as_micros(), 42_521);
/// let now = LocalReading::from_millis(1_700_000_001_000, 11_000);
/// let ts = sync.timestamp(now)?;
/// // 960 ms after the probe's midpoint, minus the uncertainty and the 1 ms margin:
/// assert_eq!(ts.as_millis(), 1_700_000_002_955);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct TimeSync {
    config: TimeSyncConfig,
    samples: VecDeque<Sample>,
    drift: Drift,
    last_issued_micros: u64,
    candidate: Option<Candidate>,
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
            candidate: None,
        }
    }

    /// The settings.
    pub fn config(&self) -> &TimeSyncConfig {
        &self.config
    }

    /// Feeds one probe of the server-time endpoint: the local readings just before sending and
    /// just after receiving, and the `serverTime` it returned.
    ///
    /// A sample that disagrees with the current estimate beyond both uncertainties does not
    /// move it: it is held ([`Observation::held`]) until a later probe confirms or refutes it,
    /// and one past [`TimeSyncConfig::panic_threshold`] is refused. After a suspend (the
    /// estimate is void) the new sample replaces the old ones.
    ///
    /// # Errors
    ///
    /// A [`SyncError`] when the sample is unusable (negative or too long round trip, a wall
    /// clock step during the probe, an offset over the limit, past the panic threshold); the
    /// estimate is left alone.
    pub fn observe(
        &mut self,
        sent_at: LocalReading,
        server_time: ServerTime,
        received_at: LocalReading,
    ) -> Result<Observation, SyncError> {
        let (sample, offset) = self.sample(sent_at, server_time, received_at)?;
        let wall_step_micros = self.samples.back().and_then(|prev| {
            let step = (sample.wall_mid - prev.wall_mid) - (sample.mono_mid - prev.mono_mid);
            let tolerance = 50_000
                + ppb_of((sample.mono_mid - prev.mono_mid).abs(), self.prior_ppb())
                + sample.half
                + prev.half;
            (step.abs() > tolerance).then(|| clamp_i64(step))
        });
        let observation = |reset, held| Observation {
            offset_micros: clamp_i64(offset),
            uncertainty: micros(sample.half),
            wall_step_micros,
            reset,
            held,
        };
        match self.judge(&sample, sent_at) {
            Verdict::Fits => {
                self.candidate = None;
                let reset = self.add(sample);
                Ok(observation(reset, false))
            }
            Verdict::FitsAcrossSuspend => {
                // The machine slept (measured): the sample agrees with the estimate carried
                // across the sleep, but the monotonic timeline broke; start again from it.
                self.restart(None, sample);
                Ok(observation(true, false))
            }
            Verdict::Disagrees { off_by, panic } => {
                match self.confirm_candidate(&sample) {
                    Confirmation::Confirmed => {
                        let candidate = self.candidate.map(|c| c.sample);
                        self.restart(candidate, sample);
                        return Ok(observation(true, false));
                    }
                    Confirmation::Agrees => {}
                    Confirmation::No => {
                        self.candidate = Some(Candidate {
                            sample,
                            confirmations_needed: if panic { 2 } else { 1 },
                            panic,
                        });
                    }
                }
                if panic {
                    Err(SyncError::BeyondPanicThreshold {
                        off_by_micros: clamp_i64(off_by),
                        threshold: self.config.panic_threshold,
                    })
                } else {
                    Ok(observation(false, true))
                }
            }
        }
    }

    /// Adds a sample that fits, re-measuring drift; returns whether older samples were dropped
    /// because no plausible drift explains them all.
    fn add(&mut self, sample: Sample) -> bool {
        self.samples.push_back(sample);
        self.evict();
        let prior = prior(&self.config);
        let plausible = Drift {
            lo: prior.lo * 2,
            hi: prior.hi * 2,
        };
        match drift_of(&self.samples, plausible) {
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
                // No single plausible drift explains every sample: keep the newest, and let
                // timestamps follow it.
                self.samples.drain(..self.samples.len() - 1);
                self.drift = prior;
                self.last_issued_micros = 0;
                true
            }
        }
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

    /// Whether the monotonic clock still stands for the time since the newest sample: with
    /// boot-time readings on both sides, a suspend is measured; without, a wall clock that ran
    /// ahead of the monotonic clock is taken for one.
    fn continuity(&self, now: LocalReading) -> Result<i128, SyncError> {
        let Some(newest) = self.samples.back() else {
            return Err(SyncError::NoEstimate);
        };
        let since = i128::from(now.mono_micros()) - newest.mono_mid;
        let tolerance = as_micros(self.config.jump_tolerance)
            + ppb_of(since.abs(), self.prior_ppb())
            + 2 * now.resolution_micros();
        if let (Some(boot_now), Some(boot_then)) = (now.boot_micros(), newest.boot_mid) {
            let slept = (i128::from(boot_now) - boot_then) - since;
            return if slept > tolerance {
                Err(SyncError::Suspended {
                    slept: micros(slept),
                })
            } else {
                // A sleep too short to refuse over is still time the monotonic clock missed.
                Ok(slept.max(0))
            };
        }
        let wall_ahead = (i128::from(now.wall_micros()) - newest.wall_mid) - since;
        if wall_ahead > tolerance {
            return Err(SyncError::ClockJump {
                wall_ahead: micros(wall_ahead),
            });
        }
        Ok(0)
    }

    /// The server time at monotonic `mono` from the sample that leaves the least uncertainty:
    /// `(server, uncertainty, age)`, µs; `extra` is added to the uncertainty.
    fn project(&self, mono: i128, extra: i128) -> Option<(i128, i128, i128)> {
        let center = self.drift.center();
        let spread = self.drift.half_width();
        self.samples
            .iter()
            .map(|s| {
                let elapsed = mono - s.mono_mid;
                let server = s.server_mid + elapsed + elapsed * center / PPB;
                let uncertainty = s.half + ppb_of(elapsed.abs(), spread) + extra;
                (server, uncertainty, elapsed.abs())
            })
            .min_by_key(|(_, uncertainty, _)| *uncertainty)
    }

    /// The estimate of the server clock at `now`, from the sample that leaves the least
    /// uncertainty.
    ///
    /// # Errors
    ///
    /// [`SyncError::NoEstimate`] before the first sample, [`SyncError::Suspended`] (measured)
    /// or [`SyncError::ClockJump`] (the wall clock ran ahead of the monotonic clock) after a
    /// suspend since the newest sample.
    pub fn estimate(&self, now: LocalReading) -> Result<Estimate, SyncError> {
        let slept = self.continuity(now)?;
        let (server, uncertainty, age) = self
            .project(
                i128::from(now.mono_micros()) + slept,
                now.resolution_micros() + slept,
            )
            .ok_or(SyncError::NoEstimate)?;
        Ok(Estimate {
            server: ServerTime::clamped(server),
            uncertainty: micros(uncertainty),
            offset_micros: clamp_i64(server - i128::from(now.wall_micros())),
            age: micros(age),
            drift_ppb: clamp_i64(self.drift.center()),
        })
    }

    /// Whether to probe the server again: no usable estimate, a held candidate to confirm or
    /// refute, the newest sample older than [`TimeSyncConfig::resync_after`], or an
    /// uncertainty past a quarter of what the window allows. See
    /// [`next_probe_at`](Self::next_probe_at) for when that will be.
    pub fn needs_resync(&self, now: LocalReading) -> bool {
        if self.estimate(now).is_err() {
            return true;
        }
        self.next_probe_at()
            .is_none_or(|at| now.mono_micros() >= at)
    }

    /// When, on the monotonic clock of the readings (µs), this clock will next want a probe
    /// ([`needs_resync`](Self::needs_resync) turns true): at the newest sample plus
    /// [`TimeSyncConfig::resync_after`], or earlier when the uncertainty will have grown past a
    /// quarter of what the window allows; now (the newest sample's time) while a candidate is
    /// held. `None` before the first sample. A suspend or wall-clock jump is only seen at the
    /// next reading: `needs_resync` checks that too.
    ///
    /// Probing by then keeps timestamps available: with the defaults (500 ppm, 5000 ms window,
    /// 1000 ms delay) a sample is good for refusals-free timestamps for about 30 minutes and
    /// this asks for a probe every 5.
    pub fn next_probe_at(&self) -> Option<u64> {
        let newest = self.samples.back()?;
        if let Some(candidate) = &self.candidate {
            // Confirm or refute it with a later probe, soon, but not in a tight loop (a cache
            // that keeps answering the same stale time).
            return Some(clamp_u64(
                candidate.sample.received_mono + as_micros(HELD_RECHECK),
            ));
        }
        let resync = newest.mono_mid + as_micros(self.config.resync_after);
        let budget = as_micros(
            self.config
                .recv_window
                .as_duration()
                .saturating_sub(self.config.max_delay.saturating_add(self.config.margin)),
        ) / 4;
        let spread = self.drift.half_width();
        let grown = self
            .samples
            .iter()
            .map(|s| {
                if spread <= 0 {
                    return i128::MAX / 4;
                }
                s.mono_mid + ((budget - s.half).max(0) * PPB) / spread
            })
            .max()
            .unwrap_or(resync);
        Some(clamp_u64(resync.min(grown)))
    }

    /// Whether a sample that disagreed with the estimate is held ([`Observation::held`], or
    /// refused past the panic threshold), waiting for a later, independent probe to confirm or
    /// refute it.
    pub fn holds_sample(&self) -> bool {
        self.candidate.is_some()
    }

    /// How long after `now` the next probe is due ([`next_probe_at`](Self::next_probe_at));
    /// zero when it is due now, or when there is no usable estimate.
    pub fn next_probe_in(&self, now: LocalReading) -> Duration {
        if self.estimate(now).is_err() {
            return Duration::ZERO;
        }
        self.next_probe_at().map_or(Duration::ZERO, |at| {
            Duration::from_micros(at.saturating_sub(now.mono_micros()))
        })
    }

    /// A millisecond `timestamp` for a request sent at `now`; see the
    /// [type documentation](TimeSync) for the guarantee. Never earlier than one handed out
    /// before, unless the server clock was confirmed to have stepped back.
    ///
    /// # Errors
    ///
    /// [`SyncError::NoEstimate`], [`SyncError::Suspended`], [`SyncError::ClockJump`], or
    /// [`SyncError::ResyncNeeded`] when the estimate (or, while one is held, the candidate)
    /// says Binance could reject the timestamp.
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
        let margin = as_micros(self.config.margin);
        let mut views = vec![(
            i128::from(estimate.server.as_micros()),
            as_micros(estimate.uncertainty),
        )];
        views.extend(self.candidate_view(now));
        // The earliest time either view allows: accepted under both, or refused.
        let safe = views
            .iter()
            .map(|(server, uncertainty)| server - uncertainty - margin)
            .min()
            .unwrap_or(0);
        let safe = clamp_u64(safe);
        let scale = unit.micros();
        // Rounding up only matters after a microsecond timestamp: it keeps the sequence from
        // going backwards.
        let value = (safe - safe % scale)
            .max(self.last_issued_micros)
            .div_ceil(scale);
        let timestamp = Timestamp::new(value, unit).map_err(SyncError::Timestamp)?;
        // The request reaches Binance at any time within `max_delay`: check the whole span,
        // with the drift over it (at the widest plausible rate) and a millisecond for Binance
        // comparing whole milliseconds.
        let half_delay = self.config.max_delay / 2;
        let slack = ppb_of(as_micros(self.config.max_delay), 2 * self.prior_ppb()) + 1000;
        for (server, uncertainty) in views {
            let verdict = check_window(
                timestamp,
                Some(self.config.recv_window),
                ServerTime::clamped(server).saturating_add(half_delay),
                micros(uncertainty + slack).saturating_add(half_delay),
            );
            if !verdict.is_accepted() {
                return Err(SyncError::ResyncNeeded {
                    verdict,
                    uncertainty: micros(uncertainty),
                });
            }
        }
        self.last_issued_micros = timestamp.as_micros();
        Ok(timestamp)
    }
}
