//! The local governor as a [`RateGate`]: permits settled by responses, Binance's 2026-04-02
//! refund of a successful order's request weight, and a blocking wait for bots without a
//! runtime.

use super::{Governor, GovernorConfig};
use crate::limits::gate::{
    Admission, GateError, GateFuture, GateResponse, Permit, RateGate, Weight, body_ban, settled,
};
use crate::limits::{LimitsError, RateLimitType};
use crate::time::server_time::ServerTime;

impl Governor {
    /// Waits (blocking the thread) until a request of `weight` may go at the `clock`'s time:
    /// the permit, or the error that says nothing may be sent. For bots without an async
    /// runtime; async code uses [`RateGate::acquire_wait`].
    ///
    /// ```
    /// use binance_sign::limits::{Governor, RateLimit, Weight};
    /// use binance_sign::ServerClock;
    /// let governor = Governor::new(RateLimit::spot_defaults());
    /// let clock = ServerClock::new();
    /// // A clock with no time yet: refused, never the local clock instead.
    /// assert!(governor.acquire_blocking(&clock, Weight::order(1)).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`GateError::Banned`], [`GateError::TooHeavy`], [`GateError::Clock`] when the clock has
    /// no time.
    pub fn acquire_blocking(
        &self,
        clock: &crate::ServerClock,
        weight: Weight,
    ) -> Result<Permit, GateError> {
        loop {
            let now = clock.now().map_err(GateError::Clock)?;
            match settled(self.decide(now, weight))? {
                Ok(permit) => return Ok(permit),
                Err(wait) => std::thread::sleep(wait),
            }
        }
    }

    /// Gives back the request weight of a permitted order (the request-weight limits only;
    /// orders still count against the order limits).
    pub(super) fn refund(&self, permit: &Permit) {
        let sent = permit.sent().as_millis();
        let mut state = self.lock();
        let margin = state.margin(&self.config);
        for counter in &mut state.counters {
            let kind = counter.limit.rate_limit_type;
            if kind != RateLimitType::RequestWeight {
                continue;
            }
            let cost = kind.cost(permit.weight().weight, false);
            counter.refund(sent, cost, margin);
        }
    }

    /// Learns from a response as the [`RateGate`] reads it: headers, and the ban end of a
    /// `-1003` body (capped at [`MAX_HOLD`](super::MAX_HOLD)).
    pub(super) fn learn(
        &self,
        sent: ServerTime,
        response: &GateResponse<'_>,
    ) -> Result<(), LimitsError> {
        let read = self.observe(
            sent,
            response.received,
            response.status,
            response.headers.iter().copied(),
        );
        if let Some(until) = body_ban(response.received, response.body) {
            self.ban_until(until.as_millis());
        }
        read
    }
}

/// The local governor as a [`RateGate`]: every future is ready at once.
impl RateGate for Governor {
    fn acquire(
        &self,
        now: ServerTime,
        weight: Weight,
    ) -> GateFuture<'_, Result<Admission, GateError>> {
        let admission = self.decide(now, weight);
        Box::pin(std::future::ready(Ok(admission)))
    }

    fn settle<'a>(
        &'a self,
        permit: Permit,
        response: GateResponse<'a>,
    ) -> GateFuture<'a, Result<(), GateError>> {
        let learned = self
            .learn(permit.sent(), &response)
            .map_err(GateError::from);
        if refunds(&self.config, &permit, response.status) {
            self.refund(&permit);
        }
        Box::pin(std::future::ready(learned))
    }

    fn observe<'a>(
        &'a self,
        sent: ServerTime,
        response: GateResponse<'a>,
    ) -> GateFuture<'a, Result<(), GateError>> {
        let learned = self.learn(sent, &response).map_err(GateError::from);
        Box::pin(std::future::ready(learned))
    }

    fn banned_until(&self) -> Option<ServerTime> {
        self.lock()
            .banned_until
            .map(ServerTime::from_millis_clamped)
    }
}

/// Whether a settled permit's request weight goes back: an order, answered with a success,
/// under a config that follows Binance's 2026-04-02 rule.
pub(crate) fn refunds(config: &GovernorConfig, permit: &Permit, status: u16) -> bool {
    config.refund_successful_orders && permit.weight().is_order && (200..300).contains(&status)
}
