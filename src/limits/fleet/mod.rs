//! [`FleetGovernor`]: one set of rate-limit counters for a fleet of processes, in Redis.

mod config;
mod gate;
mod lease;
mod ledger;
mod share;
mod store;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::governor::wait;
use super::headers::ResponseHeaders;
use super::{Decision, Governor, RateLimit};
use crate::source::Source;
use crate::time::server_time::ServerTime;
pub use config::{Fallback, FleetConfig, FleetError, Leases};
use ledger::{Limit, Local, raise_seen};
use store::{ACQUIRE, LEASE, OBSERVE, REFUND, RESTORE};

/// A governor whose counters, 429 hold and 418 ban live in Redis (or Valkey), so that a fleet
/// of processes on one account and one IP stays under Binance's limits together (feature
/// `redis`).
///
/// Each decision is one Lua script, run atomically: it reserves the request's cost in every
/// window it may land in (windows keyed by their start on Binance's clock, so every process
/// agrees on the boundaries; keys expire after their window), or answers how long to wait.
/// Counts Binance reports are folded in as a maximum. The decisions are those of the local
/// [`Governor`]: `Send`, `Wait`, `Banned`, `TooHeavy`. With [`Leases`] (opt in through
/// [`FleetConfig::leases`]), a process leases slices of each window instead, counted in the
/// store before they are used, and decides most requests locally; call
/// [`shutdown`](Self::shutdown) before a planned exit to give back what is left.
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
    lease: Script,
    observe: Script,
    refund: Script,
    restore: Script,
    /// Holds and bans this process knows (from Binance or from the store): a governor with no
    /// limits, so they hold even without the store.
    holds: Governor,
    /// The holds and bans this process saw from Binance itself: the only ones a restore writes
    /// back, so a hold an operator deleted from the store does not come back from a process
    /// that only read it there.
    from_binance: Governor,
    /// One restore at a time, so that no two add the same sends.
    restoring: tokio::sync::Mutex<()>,
    local: Mutex<Local>,
    /// Whether [`shutdown`](Self::shutdown) was called: read without the lock on every
    /// decision.
    shut_down: AtomicBool,
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
        if let Some(leases) = config.leases
            && (leases.horizon.is_zero() || !(leases.max_slice > 0.0 && leases.max_slice <= 1.0))
        {
            return Err(FleetError::InvalidLeases);
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
                // The limit is part of the key: two fleets on one prefix with different limits
                // never share (or misread) each other's counters.
                key: format!(
                    "{prefix}:c:{}:{}:{}",
                    limit.rate_limit_type.name(),
                    limit.window_millis(),
                    limit.limit
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
            lease: Script::new(LEASE),
            observe: Script::new(OBSERVE),
            refund: Script::new(REFUND),
            restore: Script::new(RESTORE),
            holds: Governor::with_config(Vec::new(), config.governor),
            from_binance: Governor::with_config(Vec::new(), config.governor),
            restoring: tokio::sync::Mutex::new(()),
            local: Mutex::new(Local {
                epoch: String::new(),
                needs_restore: true,
                generation: 0,
                ledger: HashMap::new(),
                fallback,
                seen: vec![None; limits_len],
                share_seeded: false,
                leases: lease::LeaseBook::new(limits_len),
            }),
            shut_down: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn margin(&self) -> u64 {
        u64::try_from(self.config.governor.boundary_margin.as_millis()).unwrap_or(u64::MAX)
    }

    /// Before sending a request of `weight` (an order if `is_order`) at server time `now`:
    /// send now (it is counted, for the whole fleet), wait, or not at all.
    ///
    /// # Errors
    ///
    /// [`FleetError::Unavailable`] or [`FleetError::Timeout`] when the store cannot decide and
    /// the fallback is [`Fallback::FailClosed`] (or the request is heavier than the local
    /// share); [`FleetError::Unsettled`] when the store keeps losing its data;
    /// [`FleetError::UnexpectedReply`] for a script this crate does not know;
    /// [`FleetError::Corrupt`] for a store value this crate does not write;
    /// [`FleetError::ShutDown`] after [`shutdown`](Self::shutdown). In every case: send
    /// nothing.
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
        if self.shut_down.load(Ordering::SeqCst) {
            return Err(FleetError::ShutDown);
        }
        // Binance's own word, kept here too: a hold or ban holds even without the store.
        let held = self.holds.acquire(now, weight, is_order);
        if held != Decision::Send {
            // Put the hold or ban back for the fleet in case the store lost it (restarted
            // empty), unless another task is at it: the answer is local and never waits
            // behind a restore (at most this one caller spends the deadline on the store).
            if self.restoring.try_lock().is_ok() {
                let _ = self.restore(now_ms, true).await;
            }
            return Ok(held);
        }
        if self.config.leases.is_some() && self.take_from_leases(&mut self.lock(), now_ms, &costs) {
            return Ok(Decision::Send);
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
            let answer = if self.config.leases.is_some() {
                self.lease(&epoch, now_ms, &costs).await
            } else {
                let answer = self.decide_in_store(&epoch, now_ms, &costs).await;
                answer.map(|answer| self.answer(now_ms, &costs, &answer))
            };
            match answer {
                Ok(Some(decision)) => return decision,
                Ok(None) => {}
                Err(e) => {
                    self.lock().lost_store();
                    return self.fall_back(now, weight, is_order, &costs, e);
                }
            }
        }
        // The store answers but keeps losing its data: it cannot be trusted with a decision,
        // and neither can a local share that would skip its holds and bans.
        Err(FleetError::Unsettled)
    }

    /// What the acquire script's answer means: a decision, or `None` when the store lost its
    /// data (restore and ask again).
    fn answer(
        &self,
        now_ms: u64,
        costs: &[u64],
        answer: &[u64],
    ) -> Option<Result<Decision, FleetError>> {
        let value = answer.get(1).copied().unwrap_or(0);
        let decision = match answer.first().copied().unwrap_or(u64::MAX) {
            0 => {
                self.record(now_ms, costs, false);
                self.saw(now_ms, answer.get(2..).unwrap_or_default());
                self.lock().share_seeded = false;
                Decision::Send
            }
            1 => {
                self.saw(now_ms, answer.get(2..).unwrap_or_default());
                Decision::Wait(wait(value))
            }
            2 => {
                self.holds.ban_until(value);
                Decision::Banned {
                    until: ServerTime::from_millis_clamped(value),
                }
            }
            3 => {
                self.lock().lost_store();
                return None;
            }
            4 => {
                self.holds.hold_until(now_ms.saturating_add(value));
                Decision::Wait(wait(value))
            }
            code => return Some(Err(FleetError::UnexpectedReply(code))),
        };
        Some(Ok(decision))
    }

    /// Notes the fleet's counts (per limit, in the window containing `now`), as a maximum.
    fn saw(&self, now: u64, counts: &[u64]) {
        let mut local = self.lock();
        for ((seen, l), &count) in local.seen.iter_mut().zip(&self.limits).zip(counts) {
            raise_seen(seen, now - now % l.len, count);
        }
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
        self.from_binance.hold(received, status, read.retry_after);
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

    /// Learns the ban end from a `-1003` message (capped at [`MAX_HOLD`](crate::limits::MAX_HOLD)
    /// after `received`); whether it named one.
    ///
    /// # Errors
    ///
    /// The store's error (the ban is in place locally anyway).
    pub async fn observe_body(&self, received: ServerTime, body: &str) -> Result<bool, FleetError> {
        let Some(until) = crate::limits::gate::body_ban(received, Some(body)) else {
            return Ok(false);
        };
        self.holds.ban_until(until.as_millis());
        self.from_binance.ban_until(until.as_millis());
        self.store(received, 0, until.as_millis(), &[])
            .await
            .map(|()| true)
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
        let key = l.counter(now - now % l.len);
        let mut cmd = redis::cmd("GET");
        cmd.arg(&key);
        let stored = self
            .within(cmd.query_async::<Option<Vec<u8>>>(&mut conn))
            .await?;
        match stored {
            Some(text) => store::parse_count(&key, &text).map(Some),
            None => Ok(Some(0)),
        }
    }
}
