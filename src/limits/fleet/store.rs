//! The store side of a [`FleetGovernor`]: its Lua scripts (in `lua/`, loaded by
//! `include_str!`), the calls with their deadline, putting back what the store lost, and
//! Binance's word written for the fleet.

use std::hash::{BuildHasher, Hasher};

use super::ledger::{Local, OwnSends, linger};
use super::{FleetError, FleetGovernor};
use crate::limits::MAX_HOLD;
use crate::limits::store_value::parse_store_count;
use crate::source::Source;
use crate::time::server_time::ServerTime;

/// The decision: refuse (1: wait ms for a window, 2: banned until ms, 3: the store lost its
/// data since this process last looked, 4: wait ms for a 429 hold), or reserve the cost in
/// every window it may land in (0). Codes 0 and 1 also answer the fleet's count in each
/// limit's current window (after the reservation).
///
/// Every script starts with `lua/read.lua`, which reads values from the store without trusting
/// them (a value that is not a count, or a hold or ban past [`MAX_HOLD`] from now, fails the
/// script with `CORRUPT <key>`), and ends its ARGV with the latest hold or ban it accepts.
///
/// KEYS: epoch, hold, ban, then per limit: previous, current and next window's counter.
/// ARGV: my epoch, now (ms), margin (ms), n, then per limit: length, budget, cost, ttl (ms).
pub(super) const ACQUIRE: &str = concat!(
    include_str!("lua/read.lua"),
    include_str!("lua/refused.lua"),
    include_str!("lua/acquire.lua")
);

/// The Lua helpers the scripts below start with: `lua/read.lua`, and `lua/raise.lua` (raise
/// a key to a value, with a ttl, never lower it).
macro_rules! raise_lua {
    () => {
        concat!(include_str!("lua/read.lua"), include_str!("lua/raise.lua"))
    };
}

/// Leases (the fast path): grant slices of windows, counted before they are used, or say why
/// not (codes as for [`ACQUIRE`]). Answers, after the code and its value, per request the slice
/// granted and the window's count after it; on a wait, what a full window took back of the
/// process's remainder there (never below its floor), and the count.
///
/// KEYS: epoch, hold, ban, then per request its window's counter's floor and the counter.
/// ARGV: my epoch, now (ms), n, then per request: need, want (at least the need), budget, ttl
/// (ms), when a full window frees (ms), the remainder the process holds there.
pub(super) const LEASE: &str = concat!(
    include_str!("lua/read.lua"),
    include_str!("lua/refused.lua"),
    include_str!("lua/lease.lua")
);

/// Binance's word: holds, bans and reported counts, each kept as a maximum.
///
/// KEYS: hold, ban, then per report its counter and the counter's floor. ARGV: hold until (0:
/// none), ban until, hold/ban ttl (ms), then per report: count, ttl (ms).
pub(super) const OBSERVE: &str = concat!(raise_lua!(), include_str!("lua/observe.lua"));

/// A successful order's request weight given back (Binance's 2026-04-02 rule), never below
/// what Binance reported for the window.
///
/// KEYS: per counter the order was counted in, the counter and its floor. ARGV: per counter
/// the cost.
pub(super) const REFUND: &str =
    concat!(include_str!("lua/read.lua"), include_str!("lua/refund.lua"));

/// After an outage or a loss of the store's data: put back what the store lacks, and the holds
/// and bans this process saw from Binance. With the epoch this process knew still there, that
/// is what it sent while the store was unreachable (added); with the epoch gone (the store
/// restarted empty), each open window is raised to the least it holds by what this process
/// knows: the fleet's count it last saw there plus its own sends since, or its own sends
/// (raised, never added, so nothing is counted twice). Returns the epoch now in force.
///
/// KEYS: epoch, hold, ban, then counters. ARGV: my epoch, a fresh epoch, hold until (ms, 0:
/// none), ban until, their ttl (ms), then per counter: amount sent while unreachable, the least
/// the counter holds, ttl (ms).
pub(super) const RESTORE: &str = concat!(raise_lua!(), include_str!("lua/restore.lua"));

impl FleetGovernor {
    pub(super) fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    /// The keys both scripts start with.
    pub(super) fn epoch_hold_ban(&self, invocation: &mut redis::ScriptInvocation<'_>) {
        invocation
            .key(self.key("epoch"))
            .key(self.key("hold"))
            .key(self.key("ban"));
    }

    /// Runs a script within the deadline; `now` (ms, Binance's clock) bounds the holds and bans
    /// it accepts from the store (at most [`MAX_HOLD`] later).
    pub(super) async fn run<T: redis::FromRedisValue>(
        &self,
        mut invocation: redis::ScriptInvocation<'_>,
        now: u64,
    ) -> Result<T, FleetError> {
        invocation.arg(now.saturating_add(max_hold_millis()));
        let mut conn = self.conn.clone();
        self.within(invocation.invoke_async(&mut conn)).await
    }

    /// A store call's answer within the deadline, its errors as [`FleetError`]s.
    pub(super) async fn within<T>(
        &self,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, FleetError> {
        match tokio::time::timeout(self.config.deadline, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) if e.is_timeout() => Err(FleetError::Timeout(self.config.deadline)),
            Ok(Err(e)) if e.code() == Some("CORRUPT") => Err(FleetError::Corrupt {
                key: corrupt_key(e.detail().unwrap_or("")),
            }),
            Ok(Err(e)) => Err(FleetError::Unavailable(Source::new(e))),
            Err(_) => Err(FleetError::Timeout(self.config.deadline)),
        }
    }

    /// Runs the acquire script: reserve `costs` in every window they may land in, or say why
    /// not (see [`ACQUIRE`]).
    pub(super) async fn decide_in_store(
        &self,
        epoch: &str,
        now_ms: u64,
        costs: &[u64],
    ) -> Result<Vec<u64>, FleetError> {
        let margin = self.margin();
        let mut invocation = self.acquire.prepare_invoke();
        self.epoch_hold_ban(&mut invocation);
        invocation
            .arg(epoch)
            .arg(now_ms)
            .arg(margin)
            .arg(self.limits.len());
        for (l, cost) in self.limits.iter().zip(costs) {
            let start = now_ms - now_ms % l.len;
            invocation
                .key(l.counter(start.saturating_sub(l.len)))
                .key(l.counter(start))
                .key(l.counter(start.saturating_add(l.len)));
            invocation
                .arg(l.len)
                .arg(l.budget.max(*cost))
                .arg(*cost)
                .arg(l.ttl(margin));
        }
        self.run(invocation, now_ms).await
    }

    /// Puts back what the store does not hold (and the holds and bans this process knows),
    /// and learns the epoch in force.
    /// `always`: even when another task has just restored (to put back a hold or ban the
    /// store may have lost).
    pub(super) async fn restore(&self, now: u64, always: bool) -> Result<(), FleetError> {
        // One restore at a time, and no convoy behind it: a task that finds one running waits
        // for it (at most the deadline, the longest a store call may take) and takes its
        // outcome instead of queueing a store call of its own.
        let _one_at_a_time = match self.restoring.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                let deadline = self.config.deadline;
                let finished = tokio::time::timeout(deadline, self.restoring.lock())
                    .await
                    .map_err(|_| FleetError::Timeout(deadline))?;
                drop(finished);
                return if always || !self.lock().needs_restore {
                    Ok(())
                } else {
                    Err(FleetError::Timeout(deadline))
                };
            }
        };
        let (epoch, generation, entries) = {
            let mut local = self.lock();
            if !always && !local.needs_restore {
                return Ok(());
            }
            if local.needs_restore {
                // Slices counted in a store that may have lost them are not used after it.
                self.forfeit_leases(&mut local);
            }
            (
                local.epoch.clone(),
                local.generation,
                self.to_restore(&local, now),
            )
        };
        let (hold, ban) = self.from_binance.holds_after(now);
        let mut fresh = std::collections::hash_map::RandomState::new().build_hasher();
        fresh.write_u64(now);
        fresh.write_u32(std::process::id());
        let fresh = format!("{now}-{}-{:016x}", std::process::id(), fresh.finish());
        let mut invocation = self.restore.prepare_invoke();
        self.epoch_hold_ban(&mut invocation);
        invocation
            .arg(&epoch)
            .arg(&fresh)
            .arg(hold)
            .arg(ban)
            .arg(linger(hold, ban, now));
        for (key, sent, lower_bound) in &entries {
            invocation
                .key(key)
                .arg(sent.unreachable)
                .arg(*lower_bound)
                .arg(sent.ttl);
        }
        let current: String = self.run(invocation, now).await?;
        let mut local = self.lock();
        local.epoch = current;
        if local.generation == generation {
            local.needs_restore = false;
        }
        // Only what was put back: sends recorded meanwhile wait for the next restore.
        for (key, put_back, _) in &entries {
            if let Some(sent) = local.ledger.get_mut(key) {
                sent.unreachable = sent.unreachable.saturating_sub(put_back.unreachable);
            }
        }
        Ok(())
    }

    /// What a restore writes per counter: this process's sends in it (those made while the
    /// store was unreachable are added when the store kept its data), and the least the counter
    /// holds if the store lost its data: the fleet's count this process last saw in that window
    /// (its own later sends on top), or its own sends in it, whichever is larger. A counter is
    /// raised to that, never added to: sends already inside a count Binance reported, or another
    /// process put back, are not counted twice.
    fn to_restore(&self, local: &Local, now: u64) -> Vec<(String, OwnSends, u64)> {
        let margin = self.margin();
        let mut entries: Vec<(String, OwnSends, u64)> = local
            .ledger
            .iter()
            .filter(|(_, sent)| sent.end > now)
            .map(|(key, sent)| (key.clone(), *sent, sent.all))
            .collect();
        for (seen, l) in local.seen.iter().zip(&self.limits) {
            let Some((window, count)) = *seen else {
                continue;
            };
            if window.saturating_add(l.len) <= now {
                continue; // over: nothing to decide in it any more
            }
            let key = l.counter(window);
            match entries.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, sent, lower_bound)) => {
                    *lower_bound = (*lower_bound).max(count.saturating_add(sent.unreachable));
                }
                None => entries.push((key, l.own_sends(window, margin), count)),
            }
        }
        entries
    }

    /// Puts Binance's word in the store: a hold and a ban end (ms, 0: none), and counts per
    /// (limit, window start).
    pub(super) async fn store(
        &self,
        received: ServerTime,
        hold: u64,
        ban: u64,
        counts: &[(usize, u64, u64)],
    ) -> Result<(), FleetError> {
        if hold == 0 && ban == 0 && counts.is_empty() {
            return Ok(());
        }
        let margin = self.margin();
        let mut invocation = self.observe.prepare_invoke();
        invocation.key(self.key("hold")).key(self.key("ban"));
        invocation
            .arg(hold)
            .arg(ban)
            .arg(linger(hold, ban, received.as_millis()));
        for &(i, window, count) in counts {
            let l = &self.limits[i];
            invocation
                .key(l.counter(window))
                .key(floor_key(&l.counter(window)));
            // At most 15 digits: what the scripts read back as a count.
            invocation.arg(count.min(MAX_COUNT)).arg(l.ttl(margin));
        }
        let _: u64 = self.run(invocation, received.as_millis()).await?;
        Ok(())
    }
}

/// The key of a counter's floor: the count Binance last reported for its window.
pub(super) fn floor_key(counter: &str) -> String {
    format!("{counter}:r")
}

/// The largest count the store holds: [`MAX_COUNT_DIGITS`](crate::limits::store_value::MAX_COUNT_DIGITS)
/// digits, exact in Lua's numbers.
const MAX_COUNT: u64 = 999_999_999_999_999;

/// [`MAX_HOLD`] in ms.
fn max_hold_millis() -> u64 {
    u64::try_from(MAX_HOLD.as_millis()).unwrap_or(u64::MAX)
}

/// The key a `CORRUPT <key> script: ...` reply names (Redis appends where the script failed).
fn corrupt_key(detail: &str) -> String {
    let key = detail
        .rsplit_once(" script: ")
        .map_or(detail, |(key, _)| key);
    crate::source::excerpt(key.trim(), 200)
}

/// Reads a count the store holds the way the scripts do ([`parse_store_count`]); anything else
/// is [`FleetError::Corrupt`] naming `key`.
pub(crate) fn parse_count(key: &str, text: &[u8]) -> Result<u64, FleetError> {
    parse_store_count(text).ok_or_else(|| FleetError::Corrupt {
        key: crate::source::excerpt(key, 200),
    })
}
