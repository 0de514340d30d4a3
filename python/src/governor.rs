//! `Governor`: rate limits from Binance's own counts, with the time always from a
//! `ServerClock` (no clock, no decision: never the local clock).

use binance_sign::ServerTime;
use binance_sign::limits::parse_rate_limits;
use binance_sign::limits::{Decision as RustDecision, Governor as RustGovernor, RateLimit};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;

use crate::clock::ServerClock;
use crate::errors::{limits_error, sign_error, sync_error};

/// What to do before sending: `kind` is `"send"` (it was counted), `"wait"` (`wait` seconds,
/// then ask again), `"banned"` (until `banned_until_ms`) or `"too-heavy"` (never sendable).
#[pyclass(frozen, module = "binance_sign")]
pub(crate) struct Decision {
    #[pyo3(get)]
    kind: &'static str,
    #[pyo3(get)]
    wait: Option<f64>,
    #[pyo3(get)]
    banned_until_ms: Option<u64>,
    #[pyo3(get)]
    limit: Option<String>,
}

#[pymethods]
impl Decision {
    /// Whether to send now.
    #[getter]
    fn send(&self) -> bool {
        self.kind == "send"
    }

    fn __repr__(&self) -> String {
        match self.kind {
            "wait" => format!("Decision(wait={:.3})", self.wait.unwrap_or_default()),
            "banned" => format!(
                "Decision(banned_until_ms={})",
                self.banned_until_ms.unwrap_or_default()
            ),
            "too-heavy" => format!(
                "Decision(too_heavy, limit={:?})",
                self.limit.as_deref().unwrap_or_default()
            ),
            kind => format!("Decision({kind})"),
        }
    }
}

impl From<RustDecision> for Decision {
    fn from(d: RustDecision) -> Self {
        let blank = Self {
            kind: "send",
            wait: None,
            banned_until_ms: None,
            limit: None,
        };
        match d {
            RustDecision::Send => blank,
            RustDecision::Wait(wait) => Self {
                kind: "wait",
                wait: Some(wait.as_secs_f64()),
                ..blank
            },
            RustDecision::Banned { until } => Self {
                kind: "banned",
                banned_until_ms: Some(until.as_millis()),
                ..blank
            },
            RustDecision::TooHeavy { limit } => Self {
                kind: "too-heavy",
                limit: Some(format!("{limit:?}")),
                ..blank
            },
            // A decision this version does not know: waiting is the safe reading.
            _ => Self {
                kind: "wait",
                wait: Some(1.0),
                ..blank
            },
        }
    }
}

/// A rate-limit governor for one account and IP (spot limits by default, or the `rateLimits`
/// of an `exchangeInfo` body). Thread-safe; share one per process.
#[pyclass(frozen, module = "binance_sign")]
pub(crate) struct Governor {
    inner: RustGovernor,
}

#[pymethods]
impl Governor {
    /// `exchange_info`: the body of `GET /api/v3/exchangeInfo` (or its `rateLimits`); spot's
    /// documented limits when omitted.
    #[new]
    #[pyo3(signature = (exchange_info=None))]
    fn new(exchange_info: Option<&str>) -> PyResult<Self> {
        let limits = match exchange_info {
            Some(json) => parse_rate_limits(json).map_err(|e| limits_error(&e))?,
            None => RateLimit::spot_defaults(),
        };
        Ok(Self {
            inner: RustGovernor::new(limits),
        })
    }

    /// Asks to send a request of `weight` (an order when `is_order`) now, on the server time
    /// of `clock`. Raises `ClockError` when the clock has no estimate: it never decides on the
    /// local clock.
    fn acquire(
        &self,
        py: Python<'_>,
        clock: &ServerClock,
        weight: &Bound<'_, PyAny>,
        is_order: bool,
    ) -> PyResult<Decision> {
        let weight = u32::try_from(crate::errors::whole(weight, "weight")?)
            .map_err(|_| crate::errors::ParamsError::new_err("weight: over 4294967295"))?;
        let now = clock.inner.now().map_err(|e| sync_error(py, &e))?;
        Ok(self.inner.acquire(now, weight, is_order).into())
    }

    /// Learns from a response: its status and headers (a dict, or `requests`' and `httpx`'
    /// headers: anything with `items()`). `sent_ms` is the server time when the request was
    /// sent (the clock's `now_ms()` then); received is now, on `clock`, which must have an
    /// estimate (`ClockError` otherwise: probe the server time first). Returns `None`, or the
    /// text of a header it could not read (a malformed `Retry-After` still holds, for the
    /// default time): everything readable has been applied either way.
    #[pyo3(signature = (clock, status, headers, sent_ms=None))]
    fn observe(
        &self,
        py: Python<'_>,
        clock: &ServerClock,
        status: u16,
        headers: &Bound<'_, PyAny>,
        sent_ms: Option<u64>,
    ) -> PyResult<Option<String>> {
        let received = clock.inner.now().map_err(|e| sync_error(py, &e))?;
        let sent = match sent_ms {
            Some(ms) => ServerTime::from_millis(ms).map_err(sign_error)?,
            None => received,
        };
        let mut pairs: Vec<(PyBackedStr, PyBackedStr)> = Vec::new();
        for item in headers.call_method0("items")?.try_iter()? {
            let (name, value): (PyBackedStr, PyBackedStr) = item?.extract()?;
            pairs.push((name, value));
        }
        Ok(self
            .inner
            .observe(
                sent,
                received,
                status,
                pairs.iter().map(|(n, v)| (&**n, &**v)),
            )
            .err()
            .map(|e| e.to_string()))
    }

    /// Learns a ban's end from a `-1003` body; returns whether it named one.
    fn observe_body(&self, body: &str) -> bool {
        self.inner.observe_body(body)
    }
}
