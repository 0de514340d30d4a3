//! What the requests of one [`Settings`](crate::client::Settings) share, and the slot of the
//! one clock probe in flight.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::super::error::ProbeError;
use crate::{LocalReading, ServerTime};

/// What the requests of one [`Settings`](crate::client::Settings) share: who probes the clock, the last probe's
/// failure, and the holds and bans seen, kept on the local boot (or monotonic) clock so that
/// they hold with no server time (before the first probe, after a suspend).
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(super) probe: Option<(u64, u64)>,
    pub(super) next_token: u64,
    pub(super) generation: u64,
    pub(super) last_failure: Option<Arc<ProbeError>>,
    pub(super) banned_until: Option<(u64, Option<ServerTime>)>,
    pub(super) held_until: Option<u64>,
    /// The last server time known, and the boot-clock reading it was known at.
    pub(super) anchor: Option<(u64, ServerTime)>,
}

pub(super) fn local_micros(reading: LocalReading) -> u64 {
    reading.boot_micros().unwrap_or(reading.mono_micros())
}

pub(super) fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The one clock probe in flight; dropping it (the probe done, the task cancelled) frees the
/// slot and tells the requests waiting on it.
#[derive(Debug)]
pub(super) struct ProbeSlot {
    pub(super) shared: Arc<Mutex<Shared>>,
    pub(super) token: u64,
}

impl Drop for ProbeSlot {
    fn drop(&mut self) {
        let mut shared = lock(&self.shared);
        if shared.probe.is_some_and(|(token, _)| token == self.token) {
            shared.probe = None;
            shared.generation = shared.generation.wrapping_add(1);
        }
    }
}
