//! The bans and holds an exchange keeps: on the local boot clock (so that they count before
//! the clock has any time and through a suspend), for every request of the same settings.

use std::time::Duration;

use super::{ClientError, Exchange, LocalReading, ServerTime, Stage, local_micros};
use crate::edge::client::{Action, events};
use crate::limits::{GovernorConfig, MAX_HOLD};

impl Exchange {
    /// A ban this engine saw (stop) or a hold (sleep it out, then start over); `None` when
    /// neither is in force.
    pub(super) fn barrier(&mut self, now: LocalReading) -> Option<Action> {
        let local = local_micros(now);
        let (ban, hold) = {
            let shared = self.shared();
            (shared.banned_until, shared.held_until)
        };
        if let Some((until, server)) = ban.filter(|(until, _)| local < *until) {
            return Some(Action::Fail(ClientError::Banned {
                until: server,
                remaining: Duration::from_micros(until - local),
            }));
        }
        let until = hold.filter(|until| local < *until)?;
        self.stage = Stage::Start;
        Some(Action::Sleep(Duration::from_micros(until - local)))
    }

    /// The server time a response arrived at: the clock's, else the response's `Date`, else
    /// the local wall clock (only to place a hold or ban from a response before the clock
    /// has any time: the local record of it counts on the boot clock, not on this).
    pub(super) fn server_time(
        &self,
        now: LocalReading,
        headers: &[(String, String)],
    ) -> ServerTime {
        if let Ok(at) = self.settings.clock().now_at(now) {
            return at;
        }
        let date = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("date"))
            .and_then(|(_, v)| httpdate::parse_http_date(v).ok())
            .and_then(|d| d.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| u64::try_from(d.as_millis()).ok());
        ServerTime::from_millis_clamped(date.unwrap_or(now.wall_micros() / 1000))
    }

    /// Keeps a 429's hold or a 418's ban on the local boot clock, for every request of these
    /// settings, gate or not (capped at [`MAX_HOLD`]).
    pub(super) fn record_hold(
        &self,
        status: u16,
        headers: &[(String, String)],
        body: Option<&str>,
        received: ServerTime,
        now: LocalReading,
    ) {
        let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let read = crate::limits::headers::ResponseHeaders::read(pairs, received);
        let body_ban = crate::limits::gate::body_ban(received, body);
        let asked = read.retry_after.into_iter().chain(body_ban);
        let Some(until) = GovernorConfig::default().hold_end(status, received, asked) else {
            return;
        };
        if let Some(e @ crate::limits::LimitsError::HoldTooLong { .. }) = &read.first_error {
            events::hold_capped(e);
        }
        let remaining = Duration::from_micros(until.as_micros() - received.as_micros());
        if status == 418 {
            events::banned(remaining);
            let known = self.settings.clock().now_at(now).is_ok();
            self.keep_ban(now, remaining, known.then_some(until));
        } else {
            events::held(status, remaining);
            let local_until = local_micros(now).saturating_add(micros(remaining));
            let mut shared = self.shared();
            shared.held_until = Some(shared.held_until.unwrap_or(0).max(local_until));
        }
    }

    /// With no server time (before the first probe, after a suspend): a ban the gate holds,
    /// when it is not over by the last time known plus the boot clock since (or, never having
    /// known a time, by the local wall clock).
    pub(super) fn gate_ban_without_time(&self, now: LocalReading) -> Option<Action> {
        if self.settings.clock().now_at(now).is_ok() {
            return None;
        }
        let until = self.settings.gate_ref()?.banned_until()?;
        let anchor = self.shared().anchor;
        let estimate = match anchor {
            Some((boot, at)) => at.saturating_add(Duration::from_micros(
                local_micros(now).saturating_sub(boot),
            )),
            None => ServerTime::from_millis_clamped(now.wall_micros() / 1000),
        };
        let remaining = until.as_micros().checked_sub(estimate.as_micros())?;
        let remaining = Duration::from_micros(remaining).min(MAX_HOLD);
        self.keep_ban(now, remaining, Some(until));
        Some(Action::Fail(ClientError::Banned {
            until: Some(until),
            remaining,
        }))
    }

    /// Keeps a ban of `remaining` from `now` on the local boot clock (the longer of two).
    pub(super) fn keep_ban(
        &self,
        now: LocalReading,
        remaining: Duration,
        until: Option<ServerTime>,
    ) {
        let local_until = local_micros(now).saturating_add(micros(remaining));
        let mut shared = self.shared();
        if local_until > shared.banned_until.map_or(0, |(u, _)| u) {
            shared.banned_until = Some((local_until, until));
        }
    }

    pub(super) fn ban_error(&self, now: LocalReading) -> ClientError {
        let local = local_micros(now);
        let ban = self.shared().banned_until;
        let (until, server) = ban.unwrap_or((local, None));
        ClientError::Banned {
            until: server,
            remaining: Duration::from_micros(until.saturating_sub(local)),
        }
    }
}

/// `remaining`, capped at [`MAX_HOLD`], in µs.
fn micros(remaining: Duration) -> u64 {
    u64::try_from(remaining.min(MAX_HOLD).as_micros()).unwrap_or(u64::MAX)
}
