//! What this process knows on its own: its limits, what it sent into each counter, and the
//! fleet's counts at its last decision.

use std::collections::HashMap;

use super::FleetGovernor;
use crate::limits::{Governor, RateLimit};

/// One limit and how it is kept.
#[derive(Clone, Debug)]
pub(super) struct Limit {
    pub(super) limit: RateLimit,
    pub(super) budget: u64,
    pub(super) len: u64,
    pub(super) key: String,
}

impl Limit {
    pub(super) fn counter(&self, start: u64) -> String {
        format!("{}:{start}", self.key)
    }

    /// The windows (their starts) a request decided at `now` may land in on Binance's clock:
    /// the current one, and the previous or next one when `now` is within `margin` of a
    /// boundary. Reservations, leases and refunds all go by this rule.
    pub(super) fn windows(&self, now: u64, margin: u64) -> impl Iterator<Item = u64> + use<> {
        let start = now - now % self.len;
        let previous = (now < start.saturating_add(margin)).then(|| start.saturating_sub(self.len));
        let next = (now >= start.saturating_add(self.len).saturating_sub(margin))
            .then(|| start.saturating_add(self.len));
        std::iter::once(start).chain(previous).chain(next)
    }

    /// A counter lives until its window, and the next one that reads it, are over.
    pub(super) fn ttl(&self, margin: u64) -> u64 {
        self.len.saturating_mul(3).saturating_add(margin)
    }
}

/// What this process sent into one counter: in all (for a store that lost its data), and
/// while the store was unreachable.
#[derive(Clone, Copy, Debug)]
pub(super) struct OwnSends {
    pub(super) all: u64,
    pub(super) unreachable: u64,
    /// The counter's ttl in the store, ms.
    pub(super) ttl: u64,
    /// When the counter stops mattering (its window and the next are over), ms.
    pub(super) end: u64,
}

#[derive(Debug)]
pub(super) struct Local {
    pub(super) epoch: String,
    pub(super) needs_restore: bool,
    /// Raised whenever `needs_restore` is set, so that a restore only clears what it saw.
    pub(super) generation: u64,
    /// Counter key → what this process sent into it.
    pub(super) ledger: HashMap<String, OwnSends>,
    pub(super) fallback: Option<Governor>,
    /// Per limit: the window start and the fleet's count at this process's last decision.
    pub(super) seen: Vec<Option<(u64, u64)>>,
    /// Whether the local share has started from `seen` since the store was last reachable.
    pub(super) share_seeded: bool,
    /// The leases this process holds ([`Leases`](super::Leases)).
    pub(super) leases: super::lease::LeaseBook,
}

impl Local {
    pub(super) fn lost_store(&mut self) {
        // No slice decides again before the store has answered.
        self.leases.checked = None;
        self.needs_restore = true;
        self.generation = self.generation.wrapping_add(1);
    }
}

impl FleetGovernor {
    /// Notes a send in the ledger: the same counters the script raises.
    pub(super) fn record(&self, now: u64, costs: &[u64], unreachable: bool) {
        let margin = self.margin();
        let mut local = self.lock();
        let ledger = &mut local.ledger;
        ledger.retain(|_, sent| sent.end > now);
        for (l, &cost) in self.limits.iter().zip(costs) {
            if cost == 0 {
                continue;
            }
            for window in l.windows(now, margin) {
                let sent = ledger
                    .entry(l.counter(window))
                    .or_insert_with(|| l.own_sends(window, margin));
                sent.all = sent.all.saturating_add(cost);
                if unreachable {
                    sent.unreachable = sent.unreachable.saturating_add(cost);
                }
            }
        }
    }
}

impl Limit {
    /// A fresh ledger entry for this limit's counter of `window`.
    pub(super) fn own_sends(&self, window: u64, margin: u64) -> OwnSends {
        OwnSends {
            all: 0,
            unreachable: 0,
            ttl: self.ttl(margin),
            end: window.saturating_add(self.len.saturating_mul(2)),
        }
    }
}

/// How long the store keeps a hold or ban key (ms): until the later of the two ends, and a
/// minute more.
pub(super) fn linger(hold: u64, ban: u64, now: u64) -> u64 {
    hold.max(ban).saturating_sub(now).saturating_add(60_000)
}

/// The fleet's count known for a limit: the latest window's, as a maximum.
pub(super) fn raise_seen(seen: &mut Option<(u64, u64)>, window: u64, count: u64) {
    *seen = match *seen {
        Some((w, c)) if w == window => Some((w, c.max(count))),
        Some((w, c)) if w > window => Some((w, c)),
        _ => Some((window, count)),
    };
}
