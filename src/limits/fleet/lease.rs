//! Leases, the fleet governor's fast path ([`Leases`](super::Leases)): slices of each open
//! window, counted in the store before they are used, from which this process decides locally.
//!
//! Why the fleet stays within every limit (the full argument is in `docs/rate-limits.md`): a
//! slice is granted only when the window's counter plus the slice stays within the budget, and
//! is added to the counter in that same atomic script; a send takes its cost from the slices of
//! every window it may land in (the boundary margin). So what the fleet holds or spent in a
//! window (grants less returns) never exceeds the budget, and every send is inside it. A
//! report from Binance only raises the counter; a return gives back only units never used (and
//! never takes the counter below Binance's count); a killed process, a failed call or a
//! cancelled `acquire` leaves units counted and unused: the fleet sends less, never more. The
//! bound holds while the store keeps its data; a process that finds the store lost,
//! unreachable or corrupt stops deciding from its slices at once, and gives them up before it
//! decides again, putting back only what it sent from them.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::ledger::Local;
use super::store::floor_key;
use super::{FleetError, FleetGovernor};
use crate::limits::Decision;
use crate::limits::governor::wait;

/// A slice of one window this process holds for one limit.
#[derive(Clone, Copy, Debug)]
struct Held {
    window: u64,
    left: u64,
}

/// The leases of one limit: at most the windows a request may land in, and how large the
/// next slice asks to be.
#[derive(Clone, Debug)]
pub(super) struct LimitLeases {
    held: Vec<Held>,
    slice: u64,
    last_top_up: Option<u64>,
}

/// This process's leases, per limit, and when the store last confirmed no hold or ban.
#[derive(Clone, Debug)]
pub(super) struct LeaseBook {
    per_limit: Vec<LimitLeases>,
    pub(super) checked: Option<u64>,
}

impl LeaseBook {
    pub(super) fn new(limits: usize) -> Self {
        Self {
            per_limit: vec![
                LimitLeases {
                    held: Vec::new(),
                    slice: 1,
                    last_top_up: None,
                };
                limits
            ],
            checked: None,
        }
    }
}

/// What one lease call asks for one limit's window. What the lease had left (less than the
/// request) is taken out of it for the call: it goes into the request, or back to the store if
/// the window is full, or back into the lease if the call fails.
#[derive(Clone, Copy, Debug)]
pub(super) struct TopUp {
    limit: usize,
    window: u64,
    left: u64,
    need: u64,
    want: u64,
}

/// What one lease call came to.
enum Leased {
    /// The answer for `acquire` (`None`: the store lost its data).
    Answer(Option<Result<Decision, FleetError>>),
    /// Granted, but another task of this process took the grant first.
    Contended,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl FleetGovernor {
    /// Whether the leases cover a request of `costs` at `now` (and the store was asked within
    /// the horizon); if so, the costs are taken from them.
    pub(super) fn take_from_leases(&self, local: &mut Local, now: u64, costs: &[u64]) -> bool {
        let Some(leases) = self.config.leases else {
            return false;
        };
        let book = &mut local.leases;
        let fresh = book
            .checked
            .is_some_and(|c| now >= c && now - c < millis(leases.horizon));
        if !fresh {
            return false;
        }
        let margin = self.margin();
        let covered =
            self.limits
                .iter()
                .zip(costs)
                .zip(&book.per_limit)
                .all(|((l, &cost), mine)| {
                    cost == 0
                        || l.windows(now, margin)
                            .all(|w| mine.held.iter().any(|h| h.window == w && h.left >= cost))
                });
        if !covered {
            return false;
        }
        for ((l, &cost), mine) in self.limits.iter().zip(costs).zip(&mut book.per_limit) {
            if cost == 0 {
                continue;
            }
            for w in l.windows(now, margin) {
                if let Some(h) = mine.held.iter_mut().find(|h| h.window == w) {
                    h.left -= cost;
                }
            }
        }
        true
    }

    /// Gives a successful order's `cost` back to this process's lease of `window` in limit
    /// `i`, if it holds one (the store keeps it counted, for this process to use again).
    pub(super) fn refund_to_lease(&self, i: usize, window: u64, cost: u64) -> bool {
        if self.config.leases.is_none() {
            return false;
        }
        let mut local = self.lock();
        let Some(mine) = local.leases.per_limit.get_mut(i) else {
            return false;
        };
        match mine.held.iter_mut().find(|h| h.window == window) {
            Some(h) => {
                h.left = h.left.saturating_add(cost);
                true
            }
            None => false,
        }
    }

    /// Gives up every slice held (the store was lost: it may have lost them too), taking
    /// their unused part off this process's record of what it put in the store, so that a
    /// restore puts back only what was sent.
    pub(super) fn forfeit_leases(&self, local: &mut Local) {
        let Local {
            leases: book,
            ledger,
            ..
        } = local;
        for (l, mine) in self.limits.iter().zip(&mut book.per_limit) {
            for h in mine.held.drain(..) {
                if let Some(own) = ledger.get_mut(&l.counter(h.window)) {
                    own.all = own.all.saturating_sub(h.left);
                }
            }
        }
        book.checked = None;
    }

    /// What to ask the store for: per limit and window the request may land in, what the
    /// lease lacks (and a slice on top, sized by demand). Drops the leases of closed windows
    /// first, their unused part taken off this process's record of what it put in the store.
    fn top_ups(&self, local: &mut Local, now: u64, costs: &[u64]) -> Vec<TopUp> {
        let Some(leases) = self.config.leases else {
            return Vec::new();
        };
        let margin = self.margin();
        let horizon = millis(leases.horizon);
        let mut top_ups = Vec::new();
        local.ledger.retain(|_, sent| sent.end > now);
        for (i, (l, &cost)) in self.limits.iter().zip(costs).enumerate() {
            let Local {
                leases: book,
                ledger,
                ..
            } = &mut *local;
            let mine = &mut book.per_limit[i];
            mine.held.retain(|h| {
                let open = h.window.saturating_add(l.len).saturating_add(margin) > now;
                if !open && let Some(own) = ledger.get_mut(&l.counter(h.window)) {
                    own.all = own.all.saturating_sub(h.left);
                }
                open
            });
            if cost == 0 {
                continue;
            }
            let start = now - now % l.len;
            let mut adapted = false;
            for window in l.windows(now, margin) {
                let held = mine.held.iter_mut().find(|h| h.window == window);
                let left = match held {
                    Some(h) if h.left >= cost => continue,
                    Some(h) => std::mem::take(&mut h.left),
                    None => 0,
                };
                if !adapted {
                    adapted = true;
                    let most = max_slice(l.budget, leases.max_slice);
                    mine.slice = match mine.last_top_up {
                        Some(t) if now.saturating_sub(t) < horizon / 2 => {
                            mine.slice.saturating_mul(2).min(most)
                        }
                        Some(t) if now.saturating_sub(t) > horizon.saturating_mul(2) => {
                            (mine.slice / 2).max(1)
                        }
                        _ => mine.slice.min(most),
                    };
                    mine.last_top_up = Some(now);
                }
                let need = cost - left;
                // A slice of a window about to close is of no use past its margin.
                let want = if window < start {
                    need
                } else {
                    need.max(mine.slice)
                };
                top_ups.push(TopUp {
                    limit: i,
                    window,
                    left,
                    need,
                    want,
                });
            }
        }
        top_ups
    }

    /// Tops up what the leases lack for a request of `costs` at `now_ms` and takes the request
    /// from them, or the store's refusal. `Ok(None)`: the store lost its data (restore and ask
    /// again). Another task of this process may take a fresh grant first: then the store is
    /// asked again, up to three times, before the answer is a wait of a millisecond.
    pub(super) async fn lease(
        &self,
        epoch: &str,
        now_ms: u64,
        costs: &[u64],
    ) -> Result<Option<Result<Decision, FleetError>>, FleetError> {
        for _ in 0..3 {
            if let Leased::Answer(answer) = self.lease_once(epoch, now_ms, costs).await? {
                return Ok(answer);
            }
        }
        Ok(Some(Ok(Decision::Wait(wait(1)))))
    }

    /// One lease call (see [`lease`](Self::lease)).
    async fn lease_once(
        &self,
        epoch: &str,
        now_ms: u64,
        costs: &[u64],
    ) -> Result<Leased, FleetError> {
        let (top_ups, generation) = {
            let mut local = self.lock();
            (self.top_ups(&mut local, now_ms, costs), local.generation)
        };
        let margin = self.margin();
        let mut invocation = self.lease.prepare_invoke();
        self.epoch_hold_ban(&mut invocation);
        invocation.arg(epoch).arg(now_ms).arg(top_ups.len());
        for t in &top_ups {
            let l = &self.limits[t.limit];
            let counter = l.counter(t.window);
            invocation.key(floor_key(&counter)).key(counter);
            invocation
                .arg(t.need)
                .arg(t.want)
                .arg(l.budget.max(t.need))
                .arg(l.ttl(margin))
                .arg(t.window.saturating_add(l.len).saturating_add(margin))
                .arg(t.left);
        }
        // On an error the script may still have run (a reply lost or late): a remainder it
        // may have given back is not put back into the lease (it stays out: the fleet sends
        // less, never more).
        let answer: Vec<u64> = self.run(invocation, now_ms).await?;
        let code = answer.first().copied().unwrap_or(u64::MAX);
        {
            // One lock from the checks to the take: `shutdown` or a lost store seen by another
            // task cannot slip in between.
            let mut local = self.lock();
            // `shutdown` sets the flag before it takes the lock to empty the leases: read under
            // the lock, either the flag is seen here or the grant settled here is emptied there.
            if self.shut_down.load(Ordering::SeqCst) {
                // `shutdown` ran meanwhile: what this call was granted stays counted, unused.
                return Ok(Leased::Answer(Some(Err(FleetError::ShutDown))));
            }
            if local.generation != generation {
                // Another task found the store lost meanwhile, and a restore may already have
                // put back what this process sent without this grant: the grant (counted in a
                // store that may be gone) is not used, and the remainders stay out.
                return Ok(Leased::Answer(None));
            }
            if code == 0 || code == 1 {
                // The store was asked: no hold, no ban.
                local.leases.checked = Some(now_ms);
                let per_top_up = answer.get(2..).unwrap_or_default();
                self.settle_top_ups(&mut local, &top_ups, per_top_up, now_ms, code == 0);
            } else {
                self.settle_top_ups(&mut local, &top_ups, &[], now_ms, false);
            }
            if code == 0 {
                local.share_seeded = false;
                // A concurrent task may have taken part of the slice meanwhile.
                return Ok(if self.take_from_leases(&mut local, now_ms, costs) {
                    Leased::Answer(Some(Ok(Decision::Send)))
                } else {
                    Leased::Contended
                });
            }
        }
        let value = answer.get(1).copied().unwrap_or(0);
        Ok(Leased::Answer(self.answer(now_ms, costs, &[code, value])))
    }

    /// Puts the outcome of a lease call into the leases: per top-up, `answer` holds what was
    /// granted (`granted`) or given back to the store (a full window), and the window's count
    /// after it; an empty `answer` (the script refused before changing anything: a hold, a ban,
    /// a lost store) puts each lease's remainder back.
    fn settle_top_ups(
        &self,
        local: &mut Local,
        top_ups: &[TopUp],
        answer: &[u64],
        now_ms: u64,
        granted: bool,
    ) {
        let margin = self.margin();
        let mut pairs = answer.chunks_exact(2);
        for t in top_ups {
            let l = &self.limits[t.limit];
            let (amount, count) = match pairs.next() {
                Some(pair) => (pair[0], Some(pair[1])),
                None => (0, None),
            };
            if let Some(count) = count
                && t.window == now_ms - now_ms % l.len
            {
                super::ledger::raise_seen(&mut local.seen[t.limit], t.window, count);
            }
            // What the lease holds now: its remainder and the grant, or the remainder less what
            // went back to the store.
            let (held, ledger_change) = if granted {
                (t.left.saturating_add(amount), Some(amount))
            } else {
                (t.left.saturating_sub(amount), None)
            };
            let mine = &mut local.leases.per_limit[t.limit];
            match mine.held.iter_mut().find(|h| h.window == t.window) {
                Some(h) => h.left = h.left.saturating_add(held),
                None if held > 0 => mine.held.push(Held {
                    window: t.window,
                    left: held,
                }),
                None => {}
            }
            let own = local
                .ledger
                .entry(l.counter(t.window))
                .or_insert_with(|| l.own_sends(t.window, margin));
            match ledger_change {
                Some(grant) => own.all = own.all.saturating_add(grant),
                None => own.all = own.all.saturating_sub(amount),
            }
        }
    }

    /// Returns what this process's leases have left to the store (never below what Binance
    /// reported for a window), and stops deciding: every later `acquire` answers
    /// [`FleetError::ShutDown`]. Call it before a planned exit: a drop cannot give slices
    /// back (they end with their window, counted but unused).
    ///
    /// # Errors
    ///
    /// The store's error: the slices stay counted (the fleet sends less, never more); the
    /// governor is shut down anyway.
    pub async fn shutdown(&self) -> Result<(), FleetError> {
        self.shut_down.store(true, Ordering::SeqCst);
        let returns: Vec<(usize, u64, u64)> = {
            let mut local = self.lock();
            local
                .leases
                .per_limit
                .iter_mut()
                .enumerate()
                .flat_map(|(i, mine)| {
                    mine.held
                        .drain(..)
                        .filter(|h| h.left > 0)
                        .map(move |h| (i, h.window, h.left))
                })
                .collect()
        };
        if returns.is_empty() {
            return Ok(());
        }
        let mut invocation = self.refund.prepare_invoke();
        for &(i, window, left) in &returns {
            let counter = self.limits[i].counter(window);
            invocation.key(&counter).key(floor_key(&counter)).arg(left);
        }
        let latest = returns.iter().map(|r| r.1).max().unwrap_or(0);
        let _: u64 = self.run(invocation, latest).await?;
        let mut local = self.lock();
        for &(i, window, left) in &returns {
            if let Some(own) = local.ledger.get_mut(&self.limits[i].counter(window)) {
                own.all = own.all.saturating_sub(left);
            }
        }
        Ok(())
    }
}

/// The largest slice of a limit whose budget is `budget`: `fraction` of it, at least 1.
fn max_slice(budget: u64, fraction: f64) -> u64 {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let most = (budget as f64 * fraction) as u64;
    most.max(1)
}
