//! The fleet governor as a [`RateGate`]: the same gate a local [`Governor`](crate::limits::Governor)
//! is, so every client adapter takes either.

use super::FleetGovernor;
use crate::ServerTime;
use crate::limits::gate::{
    Admission, Binding, GateError, GateFuture, GateResponse, Permit, RateGate, Weight,
};
use crate::limits::{Decision, RateLimit};

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
        Box::pin(self.learn(permit.sent(), response))
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
