//! Drift intervals and the integer arithmetic of the estimate (µs, ppb).

use std::collections::VecDeque;
use std::time::Duration;

use super::{Sample, TimeSyncConfig};

/// The drift of the server clock against the monotonic clock: an interval in ppb.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Drift {
    pub(super) lo: i128,
    pub(super) hi: i128,
}

impl Drift {
    pub(super) fn center(self) -> i128 {
        (self.lo + self.hi).div_euclid(2)
    }

    /// Half the width, rounded up.
    pub(super) fn half_width(self) -> i128 {
        (self.hi - self.lo + 1) / 2
    }
}

pub(super) const PPB: i128 = 1_000_000_000;

/// The drift bound before any measurement.
pub(super) fn prior(config: &TimeSyncConfig) -> Drift {
    let ppb = i128::from(config.max_drift_ppm) * 1000;
    Drift { lo: -ppb, hi: ppb }
}

/// The drift interval every pair of samples allows, within `prior`; `None` when they cannot
/// all be true under one drift.
pub(super) fn drift_of(samples: &VecDeque<Sample>, prior: Drift) -> Option<Drift> {
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
pub(super) fn ppb_of(micros: i128, ppb: i128) -> i128 {
    let product = micros * ppb;
    -((-product).div_euclid(PPB))
}

pub(super) fn as_micros(d: Duration) -> i128 {
    i128::try_from(d.as_micros()).unwrap_or(i128::MAX / 4)
}

pub(super) fn micros(v: i128) -> Duration {
    Duration::from_micros(u64::try_from(v.max(0)).unwrap_or(u64::MAX))
}

pub(super) fn clamp_u64(v: i128) -> u64 {
    u64::try_from(v.max(0)).unwrap_or(u64::MAX)
}

pub(super) fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}
