//! Samples that disagree with the estimate: judged, held as a candidate, confirmed by a later
//! independent probe (the clock then follows the server), or discarded.

use super::drift::{as_micros, ppb_of, prior};
use super::{LocalReading, Sample, SyncError, TimeSync};

impl TimeSync {
    /// How `sample` stands against the current estimate. After a suspend measured with the
    /// boot-time clock, the estimate is carried across the sleep (its uncertainty widened by
    /// the drift bound over it); without a boot-time clock, a wall-clock jump says nothing the
    /// sample cannot: it is judged on the monotonic timeline, and a sleep shows as a
    /// disagreement to be confirmed.
    pub(super) fn judge(&self, sample: &Sample, sent_at: LocalReading) -> Verdict {
        if self.samples.is_empty() {
            return if self.candidate.is_some() {
                // Nothing to compare with but a held sample: it must be confirmed.
                Verdict::Disagrees {
                    off_by: 0,
                    panic: false,
                }
            } else {
                Verdict::Fits
            };
        }
        let slept = match self.continuity(sent_at) {
            Err(SyncError::Suspended { slept }) => Some(as_micros(slept)),
            _ => None,
        };
        let (shift, widen) = slept.map_or((0, 0), |slept| {
            (
                slept,
                ppb_of(slept, 2 * self.prior_ppb()) + as_micros(self.config.jump_tolerance),
            )
        });
        let Some((server, uncertainty, _)) = self.project(sample.mono_mid + shift, widen) else {
            return Verdict::Fits;
        };
        let off_by = sample.server_mid - server;
        if off_by.abs() <= sample.half + uncertainty {
            if slept.is_some() {
                Verdict::FitsAcrossSuspend
            } else {
                Verdict::Fits
            }
        } else {
            Verdict::Disagrees {
                off_by,
                panic: off_by.abs() > as_micros(self.config.panic_threshold),
            }
        }
    }

    /// Whether `sample` confirms the held candidate: from a later probe, not the same answer,
    /// and on the candidate's timeline within both uncertainties and the drift bound.
    pub(super) fn confirm_candidate(&mut self, sample: &Sample) -> Confirmation {
        let prior_ppb = self.prior_ppb();
        let max_age = as_micros(self.config.max_sample_age);
        let Some(candidate) = self.candidate.as_mut() else {
            return Confirmation::No;
        };
        let c = candidate.sample;
        let span = sample.mono_mid - c.mono_mid;
        let agrees = ((sample.server_mid - c.server_mid) - span).abs()
            <= sample.half + c.half + ppb_of(span.abs(), prior_ppb)
            && span <= max_age;
        if !agrees {
            return Confirmation::No;
        }
        // A probe that overlapped the held one, or the same answer again (a cache): it agrees,
        // but confirms nothing; the held sample stays as it is.
        let independent = sample.sent_mono >= c.received_mono && sample.server_ms != c.server_ms;
        if !independent {
            return Confirmation::Agrees;
        }
        candidate.confirmations_needed = candidate.confirmations_needed.saturating_sub(1);
        if candidate.confirmations_needed > 0 {
            // Agreeing, but more are needed: this sample becomes the candidate's newest.
            candidate.sample = *sample;
            return Confirmation::Agrees;
        }
        Confirmation::Confirmed
    }

    /// The server clock really moved: restart from `earlier` (the confirmed candidate) and
    /// `sample`, and let timestamps follow it back if it stepped back.
    pub(super) fn restart(&mut self, earlier: Option<Sample>, sample: Sample) {
        self.samples.clear();
        self.candidate = None;
        self.samples.extend(earlier);
        self.drift = prior(&self.config);
        self.add(sample);
        self.last_issued_micros = 0;
    }

    /// The server clock as the held candidate (not past the panic threshold) has it at `now`:
    /// `(server, uncertainty)`, µs, with the assumed drift bound.
    pub(super) fn candidate_view(&self, now: LocalReading) -> Option<(i128, i128)> {
        let candidate = self.candidate.filter(|c| !c.panic)?;
        let s = candidate.sample;
        let elapsed = i128::from(now.mono_micros()) - s.mono_mid;
        Some((
            s.server_mid + elapsed,
            s.half + ppb_of(elapsed.abs(), self.prior_ppb()) + now.resolution_micros(),
        ))
    }
}

/// What a disagreeing sample does to the held candidate.
pub(super) enum Confirmation {
    /// It confirms it: the clock follows.
    Confirmed,
    /// It agrees but is not enough (more confirmations are needed, or it is not independent):
    /// the candidate stays.
    Agrees,
    /// It does not agree with it (or there is none): it becomes the candidate.
    No,
}

/// How a new sample stands against the estimate.
pub(super) enum Verdict {
    /// Within both uncertainties (or there is no estimate yet).
    Fits,
    /// Within both uncertainties of the estimate carried across a measured suspend.
    FitsAcrossSuspend,
    /// Further apart than both uncertainties allow; `panic` past the panic threshold.
    Disagrees { off_by: i128, panic: bool },
}
