//! [`Fallback::LocalShare`](super::Fallback::LocalShare): deciding on this process's share of
//! each limit while the store cannot be reached.

use super::{Fallback, FleetError, FleetGovernor};
use crate::limits::Decision;
use crate::time::server_time::ServerTime;

/// Windows longer than this (ms) do not count as spent when a local share starts without
/// knowing what the fleet used in them.
const LONG_WINDOW_MILLIS: u64 = 3_600_000;

impl FleetGovernor {
    /// The decision without the store: an error, or one on this process's share. The share
    /// starts from the fleet's counts at this process's last decision, scaled to the share (a
    /// window the fleet had half used is half used in every share).
    pub(super) fn fall_back(
        &self,
        now: ServerTime,
        weight: u32,
        is_order: bool,
        costs: &[u64],
        error: FleetError,
    ) -> Result<Decision, FleetError> {
        // A store that answers with values it cannot hold is not an unreachable store: no
        // local share decides around it.
        if matches!(error, FleetError::Corrupt { .. }) {
            return Err(error);
        }
        let decision = {
            let mut local = self.lock();
            local.lost_store();
            let now_ms = now.as_millis();
            let seed: Vec<(usize, u64, u64)> = if local.share_seeded {
                Vec::new()
            } else {
                local
                    .seen
                    .iter()
                    .zip(&self.limits)
                    .enumerate()
                    .filter_map(|(i, (seen, l))| {
                        let window = now_ms - now_ms % l.len;
                        let share = l.limit.limit / u64::from(self.share_of().max(1));
                        match *seen {
                            // Scaled to the share: a window the fleet had half used is half
                            // used in every share.
                            Some((w, count)) if w == window => {
                                let used = u128::from(share) * u128::from(count);
                                let used = used.div_ceil(u128::from(l.limit.limit.max(1)));
                                Some((i, window, u64::try_from(used).unwrap_or(u64::MAX)))
                            }
                            // Nothing known of this window: spent, the share starts with the
                            // next one; but a window longer than an hour (the daily order
                            // count) would stop the process for too long, and its share is
                            // small next to what the shorter windows allow meanwhile.
                            _ if l.len <= LONG_WINDOW_MILLIS => Some((i, window, share)),
                            _ => None,
                        }
                    })
                    .collect()
            };
            local.share_seeded = true;
            let Some(share) = &local.fallback else {
                return Err(error);
            };
            for (i, window, used) in seed {
                share.seed(now_ms, i, window, used);
            }
            // A request larger than this process's share is not sent on a guess either.
            match share.acquire(now, weight, is_order) {
                Decision::TooHeavy { .. } => return Err(error),
                decision => decision,
            }
        };
        if decision == Decision::Send {
            self.record(now.as_millis(), costs, true);
        }
        Ok(decision)
    }

    /// The fleet size of [`Fallback::LocalShare`] (1 for none).
    fn share_of(&self) -> u32 {
        match self.config.fallback {
            Fallback::LocalShare { fleet_size } => fleet_size,
            Fallback::FailClosed => 1,
        }
    }
}
