//! [`FleetGovernor`]: one set of rate-limit counters for a fleet of processes, in Redis.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::governor::wait;
use super::headers::{ResponseHeaders, parse_ban_until};
use super::{Decision, Governor, GovernorConfig, LimitsError, RateLimit};
use crate::error::Source;
use crate::server_time::ServerTime;

/// The decision: refuse (1: wait ms for a window, 2: banned until ms, 3: the store lost its
/// data since this process last looked, 4: wait ms for a 429 hold), or reserve the cost in
/// every window it may land in (0). Codes 0 and 1 also answer the fleet's count in each
/// limit's current window (after the reservation).
///
/// KEYS: epoch, hold, ban, then per limit: previous, current and next window's counter.
/// ARGV: my epoch, now (ms), margin (ms), n, then per limit: length, budget, cost, ttl (ms).
const ACQUIRE: &str = include_str!("lua/acquire.lua");

/// The Lua helper both scripts below start with (`lua/raise.lua`): raise a key to a value
/// (with a ttl), never lower it.
macro_rules! raise_lua {
    () => {
        include_str!("lua/raise.lua")
    };
}

/// Binance's word: holds, bans and reported counts, each kept as a maximum.
///
/// KEYS: hold, ban, then one counter per report. ARGV: hold until (0: none), ban until,
/// hold/ban ttl (ms), then per report: count, ttl (ms).
const OBSERVE: &str = concat!(raise_lua!(), include_str!("lua/observe.lua"));

/// After an outage or a loss of the store's data: put back what this process sent that the
/// store does not hold, and the holds and bans it knows. With the epoch this process knew
/// still there, that is what it sent while the store was unreachable; with the epoch gone (the
/// store restarted empty), all it sent in the windows still open. Returns the epoch now in
/// force.
///
/// KEYS: epoch, hold, ban, then counters. ARGV: my epoch, a fresh epoch, hold until (ms, 0:
/// none), ban until, their ttl (ms), then per counter: amount sent while unreachable, amount
/// sent in all, ttl (ms).
const RESTORE: &str = concat!(raise_lua!(), include_str!("lua/restore.lua"));

/// Windows longer than this (ms) do not count as spent when a local share starts without
/// knowing what the fleet used in them.
const LONG_WINDOW_MILLIS: u64 = 3_600_000;

/// What to do when the store cannot be reached (or answers slower than the deadline).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fallback {
    /// Send nothing: `acquire` answers [`FleetError`] (the default).
    #[default]
    FailClosed,
    /// Decide locally on a conservative share of each limit: limit ÷ `fleet_size`, rounded
    /// down, of which the part the fleet had used in the current window (as the store told
    /// this process at its last decision) counts as spent. What is sent meanwhile is added to
    /// the store when it is back. A request heavier than the share is refused with the store's
    /// error, as with `FailClosed`.
    LocalShare {
        /// How many processes share the limits.
        fleet_size: u32,
    },
}

/// Settings of a [`FleetGovernor`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FleetConfig {
    /// Headroom, boundary margin and default holds, as for the local [`Governor`].
    pub governor: GovernorConfig,
    /// The longest a store call may take before it counts as unreachable. Default 250 ms.
    pub deadline: Duration,
    /// What to do when the store is unreachable. Default [`Fallback::FailClosed`].
    pub fallback: Fallback,
}

impl Default for FleetConfig {
    fn default() -> Self {
        Self {
            governor: GovernorConfig::default(),
            deadline: Duration::from_millis(250),
            fallback: Fallback::FailClosed,
        }
    }
}

/// Why the fleet governor could not decide.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// The store could not be reached or refused the call: nothing may be sent.
    #[error("the rate-limit store is unreachable; nothing may be sent")]
    Unavailable(#[source] Source),
    /// The store did not answer within the deadline: nothing may be sent.
    #[error("the rate-limit store did not answer within {0:?}; nothing may be sent")]
    Timeout(Duration),
    /// The store's script answered a code this crate does not know (another version of the
    /// script under the same prefix?): nothing may be sent.
    #[error(
        "the rate-limit store answered code {0}, which this crate does not know; nothing may be sent"
    )]
    UnexpectedReply(u64),
    /// The store lost its data again while this process was putting back what it sent:
    /// nothing may be sent.
    #[error("the rate-limit store lost its data again while being restored; nothing may be sent")]
    Unsettled,
    /// [`Fallback::LocalShare`] with a `fleet_size` of 0: there is no share to compute.
    #[error("Fallback::LocalShare needs a fleet_size of at least 1")]
    ZeroFleetSize,
    /// A response header could not be read (the hold is in place anyway).
    #[error(transparent)]
    Limits(#[from] LimitsError),
}

impl FleetError {
    /// Whether asking again later can succeed: the store was unreachable, slow, or settling
    /// after a restart. `false` for what waiting does not fix: a script this crate does not
    /// know under the prefix, a configuration error, an unreadable response header. Either way
    /// nothing may be sent now.
    ///
    /// ```
    /// use std::time::Duration;
    /// use binance_sign::limits::FleetError;
    /// assert!(FleetError::Timeout(Duration::from_millis(50)).is_retryable());
    /// assert!(!FleetError::ZeroFleetSize.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            FleetError::Unavailable(_) | FleetError::Timeout(_) | FleetError::Unsettled => true,
            FleetError::UnexpectedReply(_) | FleetError::ZeroFleetSize | FleetError::Limits(_) => {
                false
            }
        }
    }
}

/// One limit and how it is kept.
#[derive(Clone, Debug)]
struct Limit {
    limit: RateLimit,
    budget: u64,
    len: u64,
    key: String,
}

impl Limit {
    fn counter(&self, start: u64) -> String {
        format!("{}:{start}", self.key)
    }

    /// A counter lives until its window, and the next one that reads it, are over.
    fn ttl(&self, margin: u64) -> u64 {
        self.len.saturating_mul(3).saturating_add(margin)
    }
}

/// What this process sent into one counter: in all (for a store that lost its data), and
/// while the store was unreachable.
#[derive(Clone, Copy, Debug)]
struct Sent {
    all: u64,
    unreachable: u64,
    /// The counter's ttl in the store, ms.
    ttl: u64,
    /// When the counter stops mattering (its window and the next are over), ms.
    end: u64,
}

#[derive(Debug)]
struct Local {
    epoch: String,
    needs_restore: bool,
    /// Raised whenever `needs_restore` is set, so that a restore only clears what it saw.
    generation: u64,
    /// Counter key → what this process sent into it.
    ledger: HashMap<String, Sent>,
    fallback: Option<Governor>,
    /// Per limit: the window start and the fleet's count at this process's last decision.
    seen: Vec<Option<(u64, u64)>>,
    /// Whether the local share has started from `seen` since the store was last reachable.
    share_seeded: bool,
}

impl Local {
    fn lost_store(&mut self) {
        self.needs_restore = true;
        self.generation = self.generation.wrapping_add(1);
    }
}

/// A governor whose counters, 429 hold and 418 ban live in Redis (or Valkey), so that a fleet
/// of processes on one account and one IP stays under Binance's limits together (feature
/// `redis`).
///
/// Each decision is one Lua script, run atomically: it reserves the request's cost in every
/// window it may land in (windows keyed by their start on Binance's clock, so every process
/// agrees on the boundaries; keys expire after their window), or answers how long to wait.
/// Counts Binance reports are folded in as a maximum. The decisions are those of the local
/// [`Governor`]: `Send`, `Wait`, `Banned`, `TooHeavy`.
///
/// When the store is unreachable or slower than [`FleetConfig::deadline`], it fails closed by
/// default ([`FleetError`]: send nothing); [`Fallback::LocalShare`] decides locally on a share
/// of each limit instead. When the store is back, what was sent meanwhile is added to it first;
/// if it came back empty (a restart), each process adds what it sent in the windows still open,
/// so decisions resume without a burst. Connections are handled by a `redis` connection
/// manager, which reconnects.
///
/// ```no_run
/// use binance_sign::limits::{Decision, FleetConfig, FleetGovernor, RateLimit};
/// use binance_sign::ServerClock;
/// # async fn run(clock: ServerClock) -> Result<(), Box<dyn std::error::Error>> {
/// let governor = FleetGovernor::connect(
///     "redis://127.0.0.1:6379/",
///     "binance:account-1:ip-203.0.113.7",  // one prefix per account and IP
///     RateLimit::spot_defaults(),
///     FleetConfig::default(),
/// )
/// .await?;
/// match governor.acquire(clock.now()?, 1, true).await? {
///     Decision::Send => { /* send the order */ }
///     Decision::Wait(d) => tokio::time::sleep(d).await,
///     other => return Err(format!("{other:?}").into()),
/// }
/// # Ok(()) }
/// ```
pub struct FleetGovernor {
    conn: ConnectionManager,
    prefix: String,
    limits: Vec<Limit>,
    config: FleetConfig,
    acquire: Script,
    observe: Script,
    restore: Script,
    /// Holds and bans this process knows (from Binance or from the store): a governor with no
    /// limits, so they hold even without the store.
    holds: Governor,
    /// One restore at a time, so that no two add the same sends.
    restoring: tokio::sync::Mutex<()>,
    local: Mutex<Local>,
}

impl std::fmt::Debug for FleetGovernor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetGovernor")
            .field("prefix", &self.prefix)
            .field("limits", &self.limits)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl FleetGovernor {
    /// A governor for `limits` in the Redis at `url` (`redis://host:port/db`), under the key
    /// prefix `prefix` (one per account and IP, so one Redis serves many). The connection is
    /// made lazily: an unreachable store at start is handled like one lost later.
    ///
    /// # Errors
    ///
    /// [`FleetError::Unavailable`] for a URL that cannot be used, [`FleetError::ZeroFleetSize`]
    /// for a [`Fallback::LocalShare`] of no processes.
    pub async fn connect(
        url: &str,
        prefix: &str,
        limits: Vec<RateLimit>,
        config: FleetConfig,
    ) -> Result<Self, FleetError> {
        if config.fallback == (Fallback::LocalShare { fleet_size: 0 }) {
            return Err(FleetError::ZeroFleetSize);
        }
        let client =
            redis::Client::open(url).map_err(|e| FleetError::Unavailable(Source::new(e)))?;
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.deadline))
            .set_response_timeout(Some(config.deadline))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(100));
        let conn = ConnectionManager::new_lazy_with_config(client, manager)
            .map_err(|e| FleetError::Unavailable(Source::new(e)))?;
        // Keys are `{prefix}:...`; the braces make the prefix the keys' hash tag, so that one
        // prefix's keys would stay together on a sharded store (this governor talks to one
        // server).
        let prefix = format!("{{{prefix}}}");
        let limits = limits
            .into_iter()
            .map(|limit| Limit {
                budget: config.governor.budget(&limit),
                len: limit.window_millis().max(1),
                key: format!(
                    "{prefix}:c:{}:{}",
                    limit.rate_limit_type.name(),
                    limit.window_millis()
                ),
                limit,
            })
            .collect::<Vec<_>>();
        let fallback = match config.fallback {
            Fallback::FailClosed => None,
            Fallback::LocalShare { fleet_size } => {
                let share = limits
                    .iter()
                    .map(|l| RateLimit {
                        limit: l.limit.limit / u64::from(fleet_size),
                        ..l.limit
                    })
                    .collect();
                Some(Governor::with_config(share, config.governor))
            }
        };
        let limits_len = limits.len();
        Ok(Self {
            conn,
            prefix,
            limits,
            config,
            acquire: Script::new(ACQUIRE),
            observe: Script::new(OBSERVE),
            restore: Script::new(RESTORE),
            holds: Governor::with_config(Vec::new(), config.governor),
            restoring: tokio::sync::Mutex::new(()),
            local: Mutex::new(Local {
                epoch: String::new(),
                needs_restore: true,
                generation: 0,
                ledger: HashMap::new(),
                fallback,
                seen: vec![None; limits_len],
                share_seeded: false,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    /// The keys both scripts start with.
    fn epoch_hold_ban(&self, invocation: &mut redis::ScriptInvocation<'_>) {
        invocation
            .key(self.key("epoch"))
            .key(self.key("hold"))
            .key(self.key("ban"));
    }

    fn margin(&self) -> u64 {
        u64::try_from(self.config.governor.boundary_margin.as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs a script within the deadline.
    async fn run<T: redis::FromRedisValue>(
        &self,
        invocation: redis::ScriptInvocation<'_>,
    ) -> Result<T, FleetError> {
        let mut conn = self.conn.clone();
        self.within(invocation.invoke_async(&mut conn)).await
    }

    /// A store call's answer within the deadline, its errors as [`FleetError`]s.
    async fn within<T>(
        &self,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, FleetError> {
        match tokio::time::timeout(self.config.deadline, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) if e.is_timeout() => Err(FleetError::Timeout(self.config.deadline)),
            Ok(Err(e)) => Err(FleetError::Unavailable(Source::new(e))),
            Err(_) => Err(FleetError::Timeout(self.config.deadline)),
        }
    }

    /// Before sending a request of `weight` (an order if `is_order`) at server time `now`:
    /// send now (it is counted, for the whole fleet), wait, or not at all.
    ///
    /// # Errors
    ///
    /// [`FleetError::Unavailable`] or [`FleetError::Timeout`] when the store cannot decide and
    /// the fallback is [`Fallback::FailClosed`] (or the request is heavier than the local
    /// share); [`FleetError::Unsettled`] when the store keeps losing its data;
    /// [`FleetError::UnexpectedReply`] for a script this crate does not know. In every case:
    /// send nothing.
    pub async fn acquire(
        &self,
        now: ServerTime,
        weight: u32,
        is_order: bool,
    ) -> Result<Decision, FleetError> {
        let now_ms = now.as_millis();
        let costs: Vec<u64> = self
            .limits
            .iter()
            .map(|l| l.limit.rate_limit_type.cost(weight, is_order))
            .collect();
        if let Some(l) = self
            .limits
            .iter()
            .zip(&costs)
            .find(|(l, c)| **c > l.limit.limit)
        {
            return Ok(Decision::TooHeavy { limit: l.0.limit });
        }
        // Binance's own word, kept here too: a hold or ban holds even without the store.
        let held = self.holds.acquire(now, weight, is_order);
        if held != Decision::Send {
            // Put the hold or ban back for the fleet in case the store lost it (restarted
            // empty); a store that cannot be reached changes nothing here.
            let _ = self.restore(now_ms, true).await;
            return Ok(held);
        }
        // At most: put back what the store lacks, decide, and once more if the store turned
        // out to have lost its data meanwhile (restore, decide, restore, decide).
        for _ in 0..4 {
            let (epoch, needs_restore) = {
                let local = self.lock();
                (local.epoch.clone(), local.needs_restore)
            };
            if needs_restore {
                if let Err(e) = self.restore(now_ms, false).await {
                    return self.fall_back(now, weight, is_order, &costs, e);
                }
                continue;
            }
            let margin = self.margin();
            let mut invocation = self.acquire.prepare_invoke();
            self.epoch_hold_ban(&mut invocation);
            invocation
                .arg(&epoch)
                .arg(now_ms)
                .arg(margin)
                .arg(self.limits.len());
            for (l, cost) in self.limits.iter().zip(&costs) {
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
            let answer: Result<Vec<u64>, FleetError> = self.run(invocation).await;
            let answer = match answer {
                Ok(answer) => answer,
                Err(e) => {
                    self.lock().lost_store();
                    return self.fall_back(now, weight, is_order, &costs, e);
                }
            };
            let value = answer.get(1).copied().unwrap_or(0);
            match answer.first().copied().unwrap_or(u64::MAX) {
                0 => {
                    self.record(now_ms, &costs, false);
                    self.saw(now_ms, answer.get(2..).unwrap_or_default());
                    self.lock().share_seeded = false;
                    return Ok(Decision::Send);
                }
                1 => {
                    self.saw(now_ms, answer.get(2..).unwrap_or_default());
                    return Ok(Decision::Wait(wait(value)));
                }
                2 => {
                    self.holds.ban_until(value);
                    return Ok(Decision::Banned {
                        until: ServerTime::from_millis_clamped(value),
                    });
                }
                3 => self.lock().lost_store(),
                4 => {
                    self.holds.hold_until(now_ms.saturating_add(value));
                    return Ok(Decision::Wait(wait(value)));
                }
                code => return Err(FleetError::UnexpectedReply(code)),
            }
        }
        // The store answers but keeps losing its data: it cannot be trusted with a decision,
        // and neither can a local share that would skip its holds and bans.
        Err(FleetError::Unsettled)
    }

    /// Notes the fleet's counts (per limit, in the window containing `now`), as a maximum.
    fn saw(&self, now: u64, counts: &[u64]) {
        let mut local = self.lock();
        for ((seen, l), &count) in local.seen.iter_mut().zip(&self.limits).zip(counts) {
            raise_seen(seen, now - now % l.len, count);
        }
    }

    /// The decision without the store: an error, or one on this process's share. The share
    /// starts from the fleet's counts at this process's last decision, scaled to the share (a
    /// window the fleet had half used is half used in every share).
    fn fall_back(
        &self,
        now: ServerTime,
        weight: u32,
        is_order: bool,
        costs: &[u64],
        error: FleetError,
    ) -> Result<Decision, FleetError> {
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

    /// Notes a send in the ledger: the same counters the script raises.
    fn record(&self, now: u64, costs: &[u64], unreachable: bool) {
        let margin = self.margin();
        let mut local = self.lock();
        let ledger = &mut local.ledger;
        ledger.retain(|_, sent| sent.end > now);
        for (l, &cost) in self.limits.iter().zip(costs) {
            if cost == 0 {
                continue;
            }
            let start = now - now % l.len;
            let mut touched = vec![start];
            if now < start.saturating_add(margin) {
                touched.push(start.saturating_sub(l.len));
            }
            if now >= start.saturating_add(l.len).saturating_sub(margin) {
                touched.push(start.saturating_add(l.len));
            }
            for window in touched {
                let sent = ledger.entry(l.counter(window)).or_insert(Sent {
                    all: 0,
                    unreachable: 0,
                    ttl: l.ttl(margin),
                    end: window.saturating_add(l.len.saturating_mul(2)),
                });
                sent.all = sent.all.saturating_add(cost);
                if unreachable {
                    sent.unreachable = sent.unreachable.saturating_add(cost);
                }
            }
        }
    }

    /// Puts back what the store does not hold (and the holds and bans this process knows),
    /// and learns the epoch in force.
    /// `always`: even when another task has just restored (to put back a hold or ban the
    /// store may have lost).
    async fn restore(&self, now: u64, always: bool) -> Result<(), FleetError> {
        let _one_at_a_time = self.restoring.lock().await;
        let (epoch, generation, entries) = {
            let local = self.lock();
            if !always && !local.needs_restore {
                return Ok(());
            }
            let entries: Vec<(String, Sent)> = local
                .ledger
                .iter()
                .filter(|(_, sent)| sent.end > now)
                .map(|(key, sent)| (key.clone(), *sent))
                .collect();
            (local.epoch.clone(), local.generation, entries)
        };
        let (hold, ban) = self.holds.holds_after(now);
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
        for (key, sent) in &entries {
            invocation
                .key(key)
                .arg(sent.unreachable)
                .arg(sent.all)
                .arg(sent.ttl);
        }
        let current: String = self.run(invocation).await?;
        let mut local = self.lock();
        local.epoch = current;
        if local.generation == generation {
            local.needs_restore = false;
        }
        // Only what was put back: sends recorded meanwhile wait for the next restore.
        for (key, put_back) in &entries {
            if let Some(sent) = local.ledger.get_mut(key) {
                sent.unreachable = sent.unreachable.saturating_sub(put_back.unreachable);
            }
        }
        Ok(())
    }

    /// Learns from an `http::HeaderMap` and status (features `redis` and `http`); see
    /// [`observe`](Self::observe). Header values that are not visible ASCII are ignored.
    ///
    /// # Errors
    ///
    /// As [`observe`](Self::observe).
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "redis", feature = "http"))))]
    pub async fn observe_http(
        &self,
        sent: ServerTime,
        received: ServerTime,
        status: http::StatusCode,
        headers: &http::HeaderMap,
    ) -> Result<(), FleetError> {
        let pairs = super::headers::http_pairs(headers);
        self.observe(sent, received, status.as_u16(), pairs).await
    }

    /// Learns from a response to a request sent at `sent` and received at `received`: a 429
    /// hold or 418 ban (recorded here and in the store, whatever else is malformed), and the
    /// counts Binance reports, as a maximum in the window the request was counted in.
    ///
    /// # Errors
    ///
    /// [`FleetError::Limits`] for a malformed header (after the hold is in place), or the
    /// store's error (the hold is in place locally anyway).
    pub async fn observe<'a>(
        &self,
        sent: ServerTime,
        received: ServerTime,
        status: u16,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), FleetError> {
        let read = ResponseHeaders::read(headers, received);
        let (hold, ban) = self.holds.hold(received, status, read.retry_after);
        // Each count in the earliest window the request can have been counted in, per limit.
        let at = sent.as_millis().saturating_sub(self.margin());
        let counts: Vec<(usize, u64, u64)> = read
            .reported
            .iter()
            .flat_map(|r| {
                self.limits
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.limit.is(r.kind, r.window))
                    .map(move |(i, l)| (i, at - at % l.len, r.count))
            })
            .collect();
        {
            // Binance's counts are the fleet's too: a local share starts from them.
            let mut local = self.lock();
            for &(i, window, count) in &counts {
                raise_seen(&mut local.seen[i], window, count);
            }
        }
        let stored = self.store(received, hold, ban, &counts).await;
        match read.first_error {
            Some(e) => Err(e.into()),
            None => stored,
        }
    }

    /// Learns the ban end from a `-1003` message; whether it named one.
    ///
    /// # Errors
    ///
    /// The store's error (the ban is in place locally anyway).
    pub async fn observe_body(&self, received: ServerTime, body: &str) -> Result<bool, FleetError> {
        let Some(until) = parse_ban_until(body) else {
            return Ok(false);
        };
        self.holds.ban_until(until.as_millis());
        self.store(received, 0, until.as_millis(), &[])
            .await
            .map(|()| true)
    }

    /// Puts Binance's word in the store: a hold and a ban end (ms, 0: none), and counts per
    /// (limit, window start).
    async fn store(
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
            invocation.key(l.counter(window));
            invocation.arg(count.min(1 << 53)).arg(l.ttl(margin));
        }
        let _: u64 = self.run(invocation).await?;
        Ok(())
    }

    /// The count the store holds for a limit in the window containing `now`.
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn used(
        &self,
        now: ServerTime,
        kind: super::RateLimitType,
        window: Duration,
    ) -> Result<Option<u64>, FleetError> {
        let Some(l) = self.limits.iter().find(|l| l.limit.is(kind, window)) else {
            return Ok(None);
        };
        let now = now.as_millis();
        let mut conn = self.conn.clone();
        let mut cmd = redis::cmd("GET");
        cmd.arg(l.counter(now - now % l.len));
        let count = self
            .within(cmd.query_async::<Option<u64>>(&mut conn))
            .await?;
        Ok(Some(count.unwrap_or(0)))
    }
}

/// How long the store keeps a hold or ban key (ms): until the later of the two ends, and a
/// minute more.
fn linger(hold: u64, ban: u64, now: u64) -> u64 {
    hold.max(ban).saturating_sub(now).saturating_add(60_000)
}

/// The fleet's count known for a limit: the latest window's, as a maximum.
fn raise_seen(seen: &mut Option<(u64, u64)>, window: u64, count: u64) {
    *seen = match *seen {
        Some((w, c)) if w == window => Some((w, c.max(count))),
        Some((w, c)) if w > window => Some((w, c)),
        _ => Some((window, count)),
    };
}
