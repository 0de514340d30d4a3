//! [`Governor`]: decides when a request may go out.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::gate::{Admission, Binding, Permit, Weight};
use super::headers::{Reported, ResponseHeaders, parse_ban_until};
use super::{Decision, LimitsError, RateLimit};
use crate::time::server_time::ServerTime;

mod rate_gate;
mod responses;

#[cfg(feature = "redis")]
pub(crate) use rate_gate::refunds;

/// Settings of a [`Governor`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct GovernorConfig {
    /// Fraction of each limit kept free as a safety margin (0.02 keeps 2% free). Default 0.02.
    pub headroom: f64,
    /// How far the server-time estimate may be off. Requests sent this close to a window
    /// boundary may land on either side of it on Binance's clock, so they count in both windows.
    /// Default 200 ms.
    pub boundary_margin: Duration,
    /// Hold after a 429 whose `Retry-After` is missing or unreadable. Default 60 s.
    pub default_retry_after: Duration,
    /// Ban after a 418 whose `Retry-After` is missing or unreadable and whose message names no
    /// end. Default 2 minutes (Binance's shortest ban).
    pub default_ban: Duration,
    /// Give an order's request weight back when its response is a success (Binance's rule
    /// since 2026-04-02 on spot: successful order requests cost 0 request weight; failed ones
    /// are still charged). Turn it off where the rule does not apply. Default on.
    pub refund_successful_orders: bool,
}

crate::source::with_setters!(GovernorConfig {
    with_headroom => headroom: f64,
    with_boundary_margin => boundary_margin: Duration,
    with_default_retry_after => default_retry_after: Duration,
    with_default_ban => default_ban: Duration,
    with_refund_successful_orders => refund_successful_orders: bool,
});

impl Default for GovernorConfig {
    fn default() -> Self {
        Self {
            headroom: 0.02,
            boundary_margin: Duration::from_millis(200),
            default_retry_after: Duration::from_secs(60),
            default_ban: Duration::from_secs(120),
            refund_successful_orders: true,
        }
    }
}

impl GovernorConfig {
    /// The budget of `limit` after headroom; a limit of at least 1 never drops to 0.
    pub fn budget(&self, limit: &RateLimit) -> u64 {
        let headroom = if self.headroom.is_finite() {
            self.headroom.clamp(0.0, 0.99)
        } else {
            0.0
        };
        // `limit × headroom`, rounded up, in parts per million: exact integer arithmetic.
        let ppm = (headroom * 1e6).round();
        let kept = if ppm >= 1.0 {
            // In 1..=990_000: the cast is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let ppm = ppm as u64;
            (u128::from(limit.limit) * u128::from(ppm)).div_ceil(1_000_000)
        } else {
            0
        };
        let budget = u64::try_from(u128::from(limit.limit).saturating_sub(kept)).unwrap_or(0);
        budget.max(limit.limit.min(1))
    }

    /// The end of the hold (429) or ban (418) a response received at `received` imposes: the
    /// latest of the ends it `asked` for (`Retry-After`, a `-1003` message's time, each
    /// already capped) that is still ahead, else the configured default. `None` for any
    /// other status. The one rule both governors and the client engine hold by.
    pub(crate) fn hold_end(
        &self,
        status: u16,
        received: ServerTime,
        asked: impl IntoIterator<Item = ServerTime>,
    ) -> Option<ServerTime> {
        let default = match status {
            429 => self.default_retry_after,
            418 => self.default_ban,
            _ => return None,
        };
        let until = asked
            .into_iter()
            .max()
            .filter(|until| *until > received)
            .unwrap_or_else(|| received.saturating_add(default));
        Some(until)
    }

    fn margin_millis(&self) -> u64 {
        u64::try_from(self.boundary_margin.as_millis()).unwrap_or(u64::MAX)
    }
}

/// One limit's count, in milliseconds of server time. Requests sent within `boundary_margin` of
/// a window boundary (by the server-time estimate) may land on either side of it on the server,
/// so they are counted in both windows: `carry` is what the tail of this window adds to the
/// next, `prev` what the previous window holds while the head of this one is still within the
/// margin.
#[derive(Debug)]
struct Counter {
    limit: RateLimit,
    budget: u64,
    len: u64,
    window_start: u64,
    used: u64,
    carry: u64,
    prev: u64,
    /// The window and count of the last report adopted.
    last_report: Option<(u64, u64)>,
}

/// How far past the boundary margin a reported count may still show the estimate off (see
/// [`Counter::attribute`]), ms: the most the margin is ever widened by.
const CONTINUATION_MILLIS: u64 = 1_000;
/// A count only reads as a new window's when the last one was at least this high.
const MIN_RESET_COUNT: u64 = 4;
/// Added to a margin learned from counts, ms.
const LEARNED_SLACK_MILLIS: u64 = 200;

impl Counter {
    fn new(limit: RateLimit, config: &GovernorConfig) -> Self {
        Self {
            budget: config.budget(&limit),
            len: limit.window_millis(),
            limit,
            window_start: 0,
            used: 0,
            carry: 0,
            prev: 0,
            last_report: None,
        }
    }

    fn start_of(&self, now: u64) -> u64 {
        now - now % self.len
    }

    /// Moves to the window containing `now`. The window after the current one starts with what
    /// the current one's tail carried; when exactly one window was skipped, that skipped
    /// window held only the carry, and it is the previous window of the new one.
    fn roll(&mut self, now: u64) {
        let start = self.start_of(now);
        if start <= self.window_start {
            return;
        }
        let next = self.window_start.saturating_add(self.len);
        let (prev, used) = if start == next {
            (self.used, self.carry)
        } else if start == next.saturating_add(self.len) {
            (self.carry, 0)
        } else {
            (0, 0)
        };
        self.prev = prev;
        self.used = used;
        self.carry = 0;
        self.window_start = start;
    }

    /// How long to wait before `cost` fits, at `now` (0: it fits now).
    fn wait(&self, now: u64, cost: u64, margin: u64) -> u64 {
        // A request heavier than the headroom-reduced budget still goes into an empty window,
        // as long as it fits the real limit.
        let budget = self.budget.max(cost);
        let head_end = self.window_start.saturating_add(margin);
        if self.used.saturating_add(cost) > budget {
            self.window_start
                .saturating_add(self.len)
                .saturating_add(margin)
                .saturating_sub(now)
        } else if now < head_end && self.prev.saturating_add(cost) > budget {
            head_end.saturating_sub(now)
        } else {
            0
        }
    }

    fn count(&mut self, now: u64, cost: u64, margin: u64) {
        self.used = self.used.saturating_add(cost);
        if now < self.window_start.saturating_add(margin) {
            self.prev = self.prev.saturating_add(cost);
        }
        if now
            >= self
                .window_start
                .saturating_add(self.len)
                .saturating_sub(margin)
        {
            self.carry = self.carry.saturating_add(cost);
        }
    }

    /// Takes back `cost` counted at `sent` (with `margin`), where it still is: the window it
    /// was counted in (now `used`, or `prev` once rolled), and the neighbours the margins
    /// counted it in too; never below the count Binance last reported for a window.
    fn refund(&mut self, sent: u64, cost: u64, margin: u64) {
        let start = self.start_of(sent);
        let reported = |window: u64, report: Option<(u64, u64)>| {
            report.filter(|(w, _)| *w == window).map_or(0, |(_, c)| c)
        };
        let report = self.last_report;
        let take = |slot: &mut u64, window: u64| {
            *slot = slot
                .saturating_sub(cost)
                .max(reported(window, report).min(*slot));
        };
        let in_head = sent < start.saturating_add(margin);
        let in_tail = sent >= start.saturating_add(self.len).saturating_sub(margin);
        let next = start.saturating_add(self.len);
        if start == self.window_start {
            take(&mut self.used, start);
            if in_head {
                take(&mut self.prev, start.saturating_sub(self.len));
            }
            if in_tail {
                take(&mut self.carry, next);
            }
        } else if next == self.window_start {
            take(&mut self.prev, start);
            if in_tail {
                take(&mut self.used, next);
            }
        }
    }

    /// What this counter holds for the window starting at `window`.
    fn held(&self, window: u64) -> u64 {
        if window == self.window_start {
            self.used
        } else if window == self.window_start.saturating_add(self.len) {
            self.carry
        } else if window.saturating_add(self.len) == self.window_start {
            self.prev
        } else {
            0
        }
    }

    /// The window a count reported for a request sent at `sent` and answered at `received`
    /// was counted in, and the boundary margin that would have placed it right.
    ///
    /// By time, it is the earliest window the request can have reached Binance in, given the
    /// margin. But a new window's count starts from zero, so when the server-time estimate is
    /// off by more than the margin, the counts tell: a count at least half the last one of the
    /// previous window (responses to concurrent requests arrive out of order), higher than
    /// anything this window holds, within a second of the boundary, still belongs to the
    /// previous window (the estimate runs ahead); a count under half of this window's last,
    /// answered less than a second before the next boundary, already belongs to the next one
    /// (the estimate runs behind). Without this, a previous window's count taken for the next
    /// window's halves the throughput.
    fn attribute(&mut self, sent: u64, received: u64, count: u64, margin: u64) -> (u64, u64) {
        let by_time = self.start_of(sent.saturating_sub(margin));
        let next = by_time.saturating_add(self.len);
        let reach = margin.saturating_add(CONTINUATION_MILLIS);
        let (window, needed) = match self.last_report {
            Some((last_window, last_count))
                if last_window.saturating_add(self.len) == by_time
                    && count.saturating_mul(2) >= last_count
                    && count > self.held(by_time)
                    && sent < by_time.saturating_add(reach) =>
            {
                (last_window, sent.saturating_sub(by_time))
            }
            Some((last_window, last_count))
                if last_window == by_time
                    && last_count >= MIN_RESET_COUNT
                    && count.saturating_mul(2) < last_count
                    && received < next
                    && received.saturating_add(reach) >= next =>
            {
                (next, next.saturating_sub(received))
            }
            _ => (by_time, 0),
        };
        if self.last_report.is_none_or(|(last, _)| window >= last) {
            self.last_report = Some((window, count));
        }
        (window, needed)
    }

    /// Adopts a count Binance reported for the window starting at `window`.
    fn adopt(&mut self, window: u64, count: u64) {
        if window == self.window_start {
            self.used = self.used.max(count);
        } else if window.saturating_add(self.len) == self.window_start {
            self.prev = self.prev.max(count);
        } else if window == self.window_start.saturating_add(self.len) {
            self.carry = self.carry.max(count);
        }
    }
}

#[derive(Debug, Default)]
struct State {
    counters: Vec<Counter>,
    hold_until: Option<u64>,
    banned_until: Option<u64>,
    /// A boundary margin the reported counts showed necessary (0: the configured one holds).
    learned_margin: u64,
}

impl State {
    fn margin(&self, config: &GovernorConfig) -> u64 {
        config.margin_millis().max(self.learned_margin)
    }
}

/// Decides when requests may go out so that Binance's limits are never hit. `Send + Sync`:
/// share one per IP and account between threads (or tasks). No method blocks for more than a
/// short critical section.
#[derive(Debug)]
pub struct Governor {
    config: GovernorConfig,
    state: Mutex<State>,
}

impl Governor {
    /// A governor for `limits` with the default settings.
    pub fn new(limits: Vec<RateLimit>) -> Self {
        Self::with_config(limits, GovernorConfig::default())
    }

    /// A governor for `limits` with `config`.
    pub fn with_config(limits: Vec<RateLimit>, config: GovernorConfig) -> Self {
        let counters = limits
            .into_iter()
            .map(|limit| Counter::new(limit, &config))
            .collect();
        Self {
            config,
            state: Mutex::new(State {
                counters,
                ..State::default()
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> &GovernorConfig {
        &self.config
    }

    /// The boundary margin in use: the configured one, or a wider one Binance's reported
    /// counts showed necessary (the server-time estimate was off by more than the configured
    /// margin; widened by at most one second).
    pub fn boundary_margin(&self) -> Duration {
        Duration::from_millis(self.lock().margin(&self.config))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Before sending a request of `weight` (an order if `is_order`) at server time `now`:
    /// send now (it is counted), wait, or not at all (banned, or too heavy for any window).
    pub fn acquire(&self, now: ServerTime, weight: u32, is_order: bool) -> Decision {
        let weight = if is_order {
            Weight::order(weight)
        } else {
            Weight::of(weight)
        };
        match self.decide(now, weight) {
            Admission::Send(_) => Decision::Send,
            Admission::Wait { wait, .. } => Decision::Wait(wait),
            Admission::Banned { until } => Decision::Banned { until },
            Admission::TooHeavy { limit } => Decision::TooHeavy { limit },
        }
    }

    /// [`acquire`](Self::acquire), naming what binds a wait and handing back a permit.
    fn decide(&self, now_time: ServerTime, weight: Weight) -> Admission {
        let now = now_time.as_millis();
        let mut state = self.lock();
        let margin = state.margin(&self.config);
        // Kept once over: a caller whose `now` was read a moment before another's (threads,
        // a clock re-estimated backwards) is still held.
        if let Some(until) = state.banned_until.filter(|until| now < *until) {
            return Admission::Banned {
                until: ServerTime::from_millis_clamped(until),
            };
        }
        if let Some(until) = state.hold_until.filter(|until| now < *until) {
            return Admission::Wait {
                wait: wait(until - now),
                binding: Binding::Hold,
            };
        }
        let mut longest: Option<(u64, RateLimit)> = None;
        for counter in &mut state.counters {
            counter.roll(now);
            let cost = counter
                .limit
                .rate_limit_type
                .cost(weight.weight, weight.is_order);
            if cost == 0 {
                continue;
            }
            if cost > counter.limit.limit {
                return Admission::TooHeavy {
                    limit: counter.limit,
                };
            }
            let this = counter.wait(now, cost, margin);
            if this > longest.map_or(0, |(ms, _)| ms) {
                longest = Some((this, counter.limit));
            }
        }
        if let Some((ms, limit)) = longest {
            return Admission::Wait {
                wait: wait(ms),
                binding: Binding::Limit(limit),
            };
        }
        for counter in &mut state.counters {
            let cost = counter
                .limit
                .rate_limit_type
                .cost(weight.weight, weight.is_order);
            counter.count(now, cost, margin);
        }
        Admission::Send(Permit::new(now_time, weight))
    }

    /// Learns from a response to a request sent at `sent` and received at `received` (server
    /// times): its HTTP status and headers (name/value pairs, any case).
    ///
    /// A 429 holds every request until `Retry-After` (seconds or an HTTP date) has passed; a
    /// 418 bans until it has. The hold is recorded first, whatever else the response holds; a
    /// missing or unreadable `Retry-After` holds for the configured default. Reported counts
    /// (`X-MBX-USED-WEIGHT-*`, ...) are adopted as a maximum in the window the request was
    /// counted in: the one containing `sent` to `received` (widened by the boundary margin),
    /// or, when that span crosses a boundary, the earlier one (the next response settles the
    /// later window).
    ///
    /// # Errors
    ///
    /// The first malformed rate-limit header or `Retry-After`, after everything readable was
    /// applied and the hold is in place.
    pub fn observe<'a>(
        &self,
        sent: ServerTime,
        received: ServerTime,
        status: u16,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), LimitsError> {
        let read = ResponseHeaders::read(headers, received);
        self.hold(received, status, read.retry_after);
        self.apply(sent, received, &read.reported);
        read.first_error.map_or(Ok(()), Err)
    }

    /// Learns the ban end from a `-1003` error body (`... IP banned until 1659146400123 ...`),
    /// if it names one; returns whether it did. Call it with the body of a 418 or 429.
    pub fn observe_body(&self, body: &str) -> bool {
        let Some(until) = parse_ban_until(body) else {
            return false;
        };
        self.ban_until(until.as_millis());
        true
    }

    /// Records the hold of a 429 or the ban of a 418; the (hold, ban) end it recorded, in ms
    /// (0: none).
    pub(crate) fn hold(
        &self,
        received: ServerTime,
        status: u16,
        retry_after: Option<ServerTime>,
    ) -> (u64, u64) {
        let Some(until) = self.config.hold_end(status, received, retry_after) else {
            return (0, 0);
        };
        let until = until.as_millis();
        if status == 418 {
            self.ban_until(until);
            (0, until)
        } else {
            self.hold_until(until);
            (until, 0)
        }
    }

    /// Holds every request until `until` (ms), or longer if already held.
    pub(crate) fn hold_until(&self, until: u64) {
        extend(&mut self.lock().hold_until, until);
    }

    /// Bans every request until `until` (ms), or longer if already banned.
    pub(crate) fn ban_until(&self, until: u64) {
        extend(&mut self.lock().banned_until, until);
    }

    /// The hold and ban ends still in force at `now` (ms; 0: none).
    #[cfg(feature = "redis")]
    pub(crate) fn holds_after(&self, now: u64) -> (u64, u64) {
        let state = self.lock();
        let after = |slot: Option<u64>| slot.filter(|until| *until > now).unwrap_or(0);
        (after(state.hold_until), after(state.banned_until))
    }

    fn apply(&self, sent: ServerTime, received: ServerTime, reported: &[Reported]) {
        if reported.is_empty() {
            return;
        }
        let (sent, received) = (sent.as_millis(), received.as_millis().max(sent.as_millis()));
        let mut state = self.lock();
        let margin = state.margin(&self.config);
        let mut needed = 0;
        for r in reported {
            for counter in state
                .counters
                .iter_mut()
                .filter(|c| c.limit.is(r.kind, r.window))
            {
                counter.roll(received);
                let (window, off_by) = counter.attribute(sent, received, r.count, margin);
                needed = needed.max(off_by);
                counter.adopt(window, r.count);
            }
        }
        if needed > 0 {
            let cap = self
                .config
                .margin_millis()
                .saturating_add(CONTINUATION_MILLIS);
            state.learned_margin = state
                .learned_margin
                .max(needed.saturating_add(LEARNED_SLACK_MILLIS).min(cap));
        }
    }

    /// Counts `count` as already used, at `now`, in limit `index`'s window starting at
    /// `window` (as a maximum, like a reported count): how the fleet governor's local share
    /// starts from what the fleet had sent.
    #[cfg(feature = "redis")]
    pub(crate) fn seed(&self, now: u64, index: usize, window: u64, count: u64) {
        let mut state = self.lock();
        if let Some(counter) = state.counters.get_mut(index) {
            counter.roll(now);
            counter.adopt(window, count);
        }
    }

    /// The count this governor holds for a limit, in the window containing `now`.
    pub fn used(
        &self,
        now: ServerTime,
        kind: super::RateLimitType,
        window: Duration,
    ) -> Option<u64> {
        let now = now.as_millis();
        let state = self.lock();
        state
            .counters
            .iter()
            .find(|c| c.limit.is(kind, window))
            .map(|c| {
                let start = c.start_of(now);
                if start == c.window_start {
                    c.used
                } else if start == c.window_start.saturating_add(c.len) {
                    c.carry
                } else {
                    0
                }
            })
    }
}

fn extend(slot: &mut Option<u64>, until: u64) {
    *slot = Some(slot.map_or(until, |u| u.max(until)));
}

/// A wait of `ms`, at least a millisecond (a `Wait` is never zero).
pub(crate) fn wait(ms: u64) -> Duration {
    Duration::from_millis(ms.max(1))
}
