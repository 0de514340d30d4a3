//! The fleet governor as a [`RateGate`]: the same gate a local [`Governor`](crate::limits::Governor)
//! is, so every client adapter takes either.

use super::FleetGovernor;
use super::store::floor_key;
use crate::ServerTime;
use crate::limits::gate::{
    Admission, Binding, GateError, GateFuture, GateResponse, Permit, RateGate, Weight,
};
use crate::limits::governor::refunds;
use crate::limits::{Decision, RateLimit, RateLimitType};

impl FleetGovernor {
    /// What binds a `Wait` at `now_ms` for a request of `weight`: a hold this process knows, or
    /// the first limit whose fleet count (as last seen) leaves no room.
    fn binding(&self, now_ms: u64, weight: Weight) -> Binding {
        if self.holds.holds_after(now_ms).0 > 0 {
            return Binding::Hold;
        }
        let local = self.lock();
        let full = self.limits.iter().zip(&local.seen).find(|(l, seen)| {
            let cost = l.limit.rate_limit_type.cost(weight.weight, weight.is_order);
            let window = now_ms - now_ms % l.len;
            let count = seen.filter(|(w, _)| *w == window).map_or(0, |(_, c)| c);
            cost > 0 && count.saturating_add(cost) > l.budget
        });
        match full {
            Some((l, _)) => Binding::Limit(l.limit),
            // The store answered a wait this process cannot attribute (a boundary margin, a
            // count it has not seen): the heaviest-costing limit is the one that binds.
            None => self
                .limits
                .iter()
                .map(|l| l.limit)
                .max_by_key(|l: &RateLimit| l.rate_limit_type.cost(weight.weight, weight.is_order))
                .map_or(Binding::Hold, Binding::Limit),
        }
    }

    /// Gives back a successful order's request weight, in the store and in this process's
    /// own record of its sends (so a restore does not put it back). A store that cannot be
    /// reached keeps the weight counted: over-counting is the safe side.
    async fn refund(&self, permit: &Permit) -> Result<(), GateError> {
        let sent = permit.sent().as_millis();
        let margin = self.margin();
        let cost = u64::from(permit.weight().weight);
        let mut touched = Vec::new();
        for (i, l) in self.limits.iter().enumerate() {
            if l.limit.rate_limit_type != RateLimitType::RequestWeight || cost == 0 {
                continue;
            }
            // A lease this process holds in the window takes the weight back for it to use
            // again (still counted in the store); otherwise the store's counter gives it back.
            touched.extend(
                l.windows(sent, margin)
                    .filter(|&window| !self.refund_to_lease(i, window, cost))
                    .map(|window| l.counter(window)),
            );
        }
        if touched.is_empty() {
            return Ok(());
        }
        let mut invocation = self.refund.prepare_invoke();
        for counter in &touched {
            invocation.key(counter).key(floor_key(counter));
            invocation.arg(cost);
        }
        let _: u64 = self.run(invocation, sent).await?;
        let mut local = self.lock();
        for counter in &touched {
            if let Some(own) = local.ledger.get_mut(counter) {
                own.all = own.all.saturating_sub(cost);
            }
        }
        Ok(())
    }

    async fn learn(&self, sent: ServerTime, response: GateResponse<'_>) -> Result<(), GateError> {
        let observed = self
            .observe(
                sent,
                response.received,
                response.status,
                response.headers.iter().copied(),
            )
            .await;
        if let Some(body) = response.body {
            self.observe_body(response.received, body).await?;
        }
        observed.map_err(GateError::from)
    }
}

impl RateGate for FleetGovernor {
    fn acquire(
        &self,
        now: ServerTime,
        weight: Weight,
    ) -> GateFuture<'_, Result<Admission, GateError>> {
        Box::pin(async move {
            let decision = self.acquire(now, weight.weight, weight.is_order).await?;
            Ok(match decision {
                Decision::Send => Admission::Send(Permit::new(now, weight)),
                Decision::Wait(wait) => Admission::Wait {
                    wait,
                    binding: self.binding(now.as_millis(), weight),
                },
                Decision::Banned { until } => Admission::Banned { until },
                Decision::TooHeavy { limit } => Admission::TooHeavy { limit },
            })
        })
    }

    fn settle<'a>(
        &'a self,
        permit: Permit,
        response: GateResponse<'a>,
    ) -> GateFuture<'a, Result<(), GateError>> {
        Box::pin(async move {
            let status = response.status;
            let learned = self.learn(permit.sent(), response).await;
            if refunds(&self.config.governor, &permit, status) {
                self.refund(&permit).await?;
            }
            learned
        })
    }

    fn observe<'a>(
        &'a self,
        sent: ServerTime,
        response: GateResponse<'a>,
    ) -> GateFuture<'a, Result<(), GateError>> {
        Box::pin(self.learn(sent, response))
    }

    fn banned_until(&self) -> Option<ServerTime> {
        RateGate::banned_until(&self.holds)
    }

    fn needs_runtime(&self) -> bool {
        true
    }
}
