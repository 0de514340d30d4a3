//! A probe's sample: the server time at its local midpoint, and how sure that is.

use super::drift::{as_micros, clamp_i64, micros, ppb_of};
use super::{LocalReading, ServerTime, SyncError, TimeSync};

/// One probe, at its local midpoint: µs values, `half` is its uncertainty.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sample {
    pub(super) server_mid: i128,
    pub(super) wall_mid: i128,
    pub(super) mono_mid: i128,
    /// The boot-time clock at the midpoint, when the readings have one.
    pub(super) boot_mid: Option<i128>,
    pub(super) half: i128,
    /// The `serverTime` as received, ms: the same value twice is the same answer (a cache).
    pub(super) server_ms: u64,
    /// The monotonic clock when the probe was sent and when its answer arrived.
    pub(super) sent_mono: i128,
    pub(super) received_mono: i128,
}

/// A sample that disagreed with the estimate, waiting for confirmation.
#[derive(Clone, Copy, Debug)]
pub(super) struct Candidate {
    pub(super) sample: Sample,
    /// Later, independent probes that must agree with it before the clock follows it.
    pub(super) confirmations_needed: u8,
    /// Past the panic threshold: never used for timestamps while held.
    pub(super) panic: bool,
}

impl TimeSync {
    /// Checks a probe and makes its sample; also returns `server − wall` at its midpoint.
    pub(super) fn sample(
        &self,
        sent_at: LocalReading,
        server_time: ServerTime,
        received_at: LocalReading,
    ) -> Result<(Sample, i128), SyncError> {
        let (sent_mono, received_mono) = (
            i128::from(sent_at.mono_micros()),
            i128::from(received_at.mono_micros()),
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
        let wall_rtt = i128::from(received_at.wall_micros()) - i128::from(sent_at.wall_micros());
        let step = wall_rtt - rtt;
        let resolution = sent_at
            .resolution_micros()
            .max(received_at.resolution_micros());
        if step.abs() > 100_000 + rtt / 100 + 2 * resolution {
            return Err(SyncError::WallClockSteppedDuringProbe {
                step_micros: clamp_i64(step),
            });
        }
        // Binance reports whole milliseconds: the server read its clock within [ms, ms + 1).
        let server_mid = i128::from(server_time.as_micros()) + 500;
        let wall_mid = i128::from(sent_at.wall_micros()) + wall_rtt / 2;
        let offset = server_mid - wall_mid;
        if offset.abs() > as_micros(self.config.max_offset) {
            return Err(SyncError::OffsetTooLarge {
                offset_micros: clamp_i64(offset),
                max: self.config.max_offset,
            });
        }
        let half_rtt = rtt / 2;
        let boot_mid = match (sent_at.boot_micros(), received_at.boot_micros()) {
            (Some(a), Some(b)) => Some(i128::from(a) + (i128::from(b) - i128::from(a)) / 2),
            _ => None,
        };
        Ok((
            Sample {
                server_mid,
                wall_mid,
                mono_mid: sent_mono + half_rtt,
                boot_mid,
                // Half the round trip; the server's whole milliseconds (±0.5 ms); the local
                // readings' own resolution, which moves the midpoint and the round trip by up
                // to one quantum each; drift over the half round trip; 1 µs of rounding.
                half: half_rtt + 500 + 2 * resolution + ppb_of(half_rtt, self.prior_ppb()) + 1,
                server_ms: server_time.as_millis(),
                sent_mono,
                received_mono,
            },
            offset,
        ))
    }
}
