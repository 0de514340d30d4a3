//! `LocalReading`, `TimeSync` (pure: readings as arguments) and `ServerClock` (shared, reads
//! the system clocks).

use std::time::Duration;

use binance_sign::parse_server_time;
use binance_sign::{
    LocalReading as RustReading, Observation, ServerClock as RustClock, ServerTime,
    TimeSync as RustSync, Timestamp,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{sign_error, sync_error};

/// The local clocks at one instant: the wall clock (µs since the epoch), a monotonic clock and,
/// when known, the boot-time clock (µs), and the readings' resolution.
#[pyclass(frozen, module = "binance_sign")]
#[derive(Clone, Copy)]
pub(crate) struct LocalReading {
    pub(crate) inner: RustReading,
}

#[pymethods]
impl LocalReading {
    /// A reading in microseconds.
    #[new]
    #[pyo3(signature = (wall_micros, mono_micros, boot_micros=None))]
    fn new(wall_micros: u64, mono_micros: u64, boot_micros: Option<u64>) -> Self {
        let inner = RustReading::from_micros(wall_micros, mono_micros);
        Self {
            inner: boot_micros.map_or(inner, |b| inner.with_boot_micros(b)),
        }
    }

    /// A reading in whole milliseconds (resolution 1 ms, which the estimate accounts for).
    #[staticmethod]
    fn from_millis(wall_millis: u64, mono_millis: u64) -> Self {
        Self {
            inner: RustReading::from_millis(wall_millis, mono_millis),
        }
    }

    #[getter]
    fn wall_micros(&self) -> u64 {
        self.inner.wall_micros()
    }

    #[getter]
    fn mono_micros(&self) -> u64 {
        self.inner.mono_micros()
    }

    #[getter]
    fn boot_micros(&self) -> Option<u64> {
        self.inner.boot_micros()
    }

    fn __repr__(&self) -> String {
        format!(
            "LocalReading(wall_micros={}, mono_micros={}, boot_micros={:?})",
            self.inner.wall_micros(),
            self.inner.mono_micros(),
            self.inner.boot_micros()
        )
    }
}

fn observation<'py>(py: Python<'py>, obs: &Observation) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("offset_micros", obs.offset_micros)?;
    d.set_item("uncertainty_micros", micros(obs.uncertainty))?;
    d.set_item("wall_step_micros", obs.wall_step_micros)?;
    d.set_item("reset", obs.reset)?;
    d.set_item("held", obs.held)?;
    Ok(d)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn server_time(ms: u64) -> PyResult<ServerTime> {
    // Out of Binance's range: the sample is refused as a clock error.
    ServerTime::from_millis(ms).map_err(sign_error)
}

fn millis(ts: Timestamp) -> u64 {
    ts.value()
}

/// The clock estimator with no system clocks: feed it probes of `/api/v3/time` with the
/// readings around them, ask for timestamps at a reading. For simulations and tests.
#[pyclass(module = "binance_sign")]
pub(crate) struct TimeSync {
    inner: RustSync,
}

#[pymethods]
impl TimeSync {
    #[new]
    fn new() -> Self {
        Self {
            inner: RustSync::new(),
        }
    }

    /// Feeds one probe: the readings just before sending and just after receiving, and the
    /// `serverTime` (ms) it returned. Returns what the sample said; raises `ClockError`.
    fn observe<'py>(
        &mut self,
        py: Python<'py>,
        sent: &LocalReading,
        server_time_ms: u64,
        received: &LocalReading,
    ) -> PyResult<Bound<'py, PyDict>> {
        let obs = self
            .inner
            .observe(sent.inner, server_time(server_time_ms)?, received.inner)
            .map_err(|e| sync_error(py, &e))?;
        observation(py, &obs)
    }

    /// As `observe`, with the body of `GET /api/v3/time`.
    fn observe_json<'py>(
        &mut self,
        py: Python<'py>,
        sent: &LocalReading,
        body: &str,
        received: &LocalReading,
    ) -> PyResult<Bound<'py, PyDict>> {
        let time = parse_server_time(body).map_err(|e| sync_error(py, &e))?;
        let obs = self
            .inner
            .observe(sent.inner, time, received.inner)
            .map_err(|e| sync_error(py, &e))?;
        observation(py, &obs)
    }

    /// A millisecond timestamp Binance accepts for a request sent at `now`, or `ClockError`.
    fn timestamp(&mut self, py: Python<'_>, now: &LocalReading) -> PyResult<u64> {
        self.inner
            .timestamp(now.inner)
            .map(millis)
            .map_err(|e| sync_error(py, &e))
    }

    /// Whether to probe the server time now.
    fn needs_resync(&self, now: &LocalReading) -> bool {
        self.inner.needs_resync(now.inner)
    }

    /// Seconds until the next probe is due (0 when due now).
    fn next_probe_in(&self, now: &LocalReading) -> f64 {
        self.inner.next_probe_in(now.inner).as_secs_f64()
    }
}

/// One shared estimate of Binance's clock, reading the system clocks (on Linux the boot-time
/// clock too, so a suspend is measured). Make the HTTP calls yourself:
///
/// ```text
/// sent = clock.reading()
/// body = requests.get(BASE + "/api/v3/time").text
/// clock.observe_json(sent, body)
/// ts = clock.timestamp()
/// ```
#[pyclass(frozen, module = "binance_sign")]
pub(crate) struct ServerClock {
    pub(crate) inner: RustClock,
}

#[pymethods]
impl ServerClock {
    #[new]
    fn new() -> Self {
        Self {
            inner: RustClock::new(),
        }
    }

    /// The local clocks now: take it just before sending a probe.
    fn reading(&self) -> LocalReading {
        LocalReading {
            inner: self.inner.reading(),
        }
    }

    /// Feeds a probe's answer (the body of `GET /api/v3/time`) sent at `sent`; received now.
    fn observe_json<'py>(
        &self,
        py: Python<'py>,
        sent: &LocalReading,
        body: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let obs = self
            .inner
            .observe_json(sent.inner, body)
            .map_err(|e| sync_error(py, &e))?;
        observation(py, &obs)
    }

    /// Feeds a probe's `serverTime` (ms), sent at `sent`, received now.
    fn observe<'py>(
        &self,
        py: Python<'py>,
        sent: &LocalReading,
        server_time_ms: u64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let obs = self
            .inner
            .observe(sent.inner, server_time(server_time_ms)?)
            .map_err(|e| sync_error(py, &e))?;
        observation(py, &obs)
    }

    /// A millisecond timestamp Binance accepts, or `ClockError` (never a guess).
    fn timestamp(&self, py: Python<'_>) -> PyResult<u64> {
        self.inner
            .timestamp()
            .map(millis)
            .map_err(|e| sync_error(py, &e))
    }

    /// A microsecond timestamp (spot only), or `ClockError`.
    fn timestamp_micros(&self, py: Python<'_>) -> PyResult<u64> {
        self.inner
            .timestamp_micros()
            .map(millis)
            .map_err(|e| sync_error(py, &e))
    }

    /// The server time now, ms, or `ClockError`.
    fn now_ms(&self, py: Python<'_>) -> PyResult<u64> {
        self.inner
            .now()
            .map(|t| t.as_millis())
            .map_err(|e| sync_error(py, &e))
    }

    /// Whether to probe the server time now.
    fn needs_resync(&self) -> bool {
        self.inner.needs_resync()
    }

    /// Seconds until the next probe is due (0 when due now).
    fn next_probe_in(&self) -> f64 {
        self.inner.next_probe_in().as_secs_f64()
    }

    fn __repr__(&self) -> String {
        match self.inner.estimate() {
            Ok(e) => format!(
                "ServerClock(offset_micros={}, uncertainty_micros={})",
                e.offset_micros,
                micros(e.uncertainty)
            ),
            Err(_) => "ServerClock(no estimate)".to_owned(),
        }
    }
}
