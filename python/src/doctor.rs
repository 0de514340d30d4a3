//! `diagnose` (the -1022 doctor) and `check` (the encoder oracle), with the same codes and
//! severities as the CLI's JSON.

use std::borrow::Cow;

use binance_sign::check::{Expect, Kind, Verdict, check_for, verdict_line};
use binance_sign::diagnose::{Api, Diagnosis, Input, Pasted};
use binance_sign::{Product, ServerTime, Signer as RustSigner};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::errors::{DoctorError, KeyMaterialError, ParamsError, secret_text, sign_error};
use crate::signer::Signer;

/// Inputs at least this long are read with the GIL released, so other Python threads run.
const DETACH_FROM: usize = 4096;

fn findings<'py>(py: Python<'py>, diagnosis: &Diagnosis) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for f in &diagnosis.findings {
        let d = PyDict::new(py);
        d.set_item("code", f.code.as_str())?;
        d.set_item("severity", f.severity.to_string())?;
        d.set_item("message", &f.message)?;
        d.set_item("fix", &f.fix)?;
        d.set_item("confirmed", f.confirmed)?;
        d.set_item("count", f.count)?;
        let positions = PyList::empty(py);
        for p in &f.positions {
            let place = PyDict::new(py);
            place.set_item("part", p.part.to_string())?;
            place.set_item("at", p.at)?;
            positions.append(place)?;
        }
        d.set_item("positions", positions)?;
        list.append(d)?;
    }
    Ok(list)
}

fn verdict_findings<'py>(py: Python<'py>, verdict: &Verdict) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for f in &verdict.findings {
        let item = PyDict::new(py);
        item.set_item("code", f.code.as_str())?;
        item.set_item("severity", f.severity.to_string())?;
        item.set_item("key", f.key.as_deref())?;
        item.set_item("message", &f.message)?;
        item.set_item("count", f.count)?;
        list.append(item)?;
    }
    Ok(list)
}

fn verdict<'py>(py: Python<'py>, verdict: &Verdict) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("ok", verdict.ok)?;
    d.set_item("findings", verdict_findings(py, verdict)?)?;
    Ok(d)
}

/// Tells why Binance refused a request (`-1022` and friends): pass what was sent as `query`
/// and `body`, or the whole pasted request (`curl` line, raw HTTP, URL) as `request`, or the
/// WebSocket `params` JSON as `websocket`; and the key it was signed with (`secret`, or `pem`
/// with an optional `passphrase`). Returns the findings, most likely first, each a dict with
/// `code`, `severity` (`error` or `warning`), `message`, `fix`, `confirmed`, `count` (findings
/// of this kind, aggregated into this one) and `positions` (the first few, `{"part", "at"}`).
#[pyfunction]
#[pyo3(signature = (query=None, body=None, request=None, websocket=None, secret=None, pem=None, passphrase=None, server_time=None, error_code=None, product=None, api_key=None))]
#[allow(clippy::too_many_arguments)] // Python keyword arguments
pub(crate) fn diagnose<'py>(
    py: Python<'py>,
    query: Option<&str>,
    body: Option<&str>,
    request: Option<&str>,
    websocket: Option<&str>,
    secret: Option<&Bound<'py, PyString>>,
    pem: Option<&Bound<'py, PyString>>,
    passphrase: Option<&Bound<'py, PyString>>,
    server_time: Option<u64>,
    error_code: Option<i64>,
    product: Option<&str>,
    api_key: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    let signer = match (secret, pem) {
        (Some(secret), None) => RustSigner::hmac_without_api_key(&*secret_text(secret, "secret")?),
        (None, Some(pem)) => {
            let passphrase = passphrase.map(|p| secret_text(p, "passphrase")).transpose()?;
            RustSigner::from_pem_without_api_key(
                &secret_text(pem, "PEM key")?,
                passphrase.as_deref().map(str::as_bytes),
            )
        }
        _ => {
            return Err(KeyMaterialError::new_err(
                "diagnose needs the key the request was signed with: secret=... or pem=... (one of them)",
            ));
        }
    }
    .map_err(sign_error)?;
    let form = match (request, websocket, query, body) {
        (Some(text), None, None, None) => Form::Pasted(text),
        (None, Some(params), None, None) => Form::WebSocket(params),
        (None, None, query, body) if query.is_some() || body.is_some() => {
            Form::Rest(query.unwrap_or_default(), body.unwrap_or_default())
        }
        _ => {
            return Err(DoctorError::new_err(
                "give what was sent: query= and/or body=, or request= (a pasted curl line or HTTP request), or websocket= (the params JSON)",
            ));
        }
    };
    let server_time = server_time
        .map(ServerTime::from_millis)
        .transpose()
        .map_err(sign_error)?;
    let product = product
        .map(str::parse::<Product>)
        .transpose()
        .map_err(|e| ParamsError::new_err(e.to_string()))?;
    // Reading the paste and diagnosing it: with the GIL released for large inputs.
    let run = || -> Result<Diagnosis, binance_sign::Error> {
        let pasted = match form {
            Form::Pasted(text) => Pasted::parse(text)?,
            Form::WebSocket(params) => {
                let mut pasted = Pasted::default();
                params.trim().clone_into(&mut pasted.query);
                pasted
            }
            Form::Rest(query, body) => Pasted::query_and_body(query, body),
        };
        let mut input = Input::pasted(&pasted);
        if matches!(form, Form::WebSocket(_)) {
            input.api = Api::WebSocket;
        }
        if input.api_key.is_none() {
            input.api_key = api_key;
        }
        input.server_time = server_time;
        input.error_code = error_code;
        input.product = product;
        signer.diagnose(&input)
    };
    let size = request.map_or(0, str::len)
        + websocket.map_or(0, str::len)
        + query.map_or(0, str::len)
        + body.map_or(0, str::len);
    let diagnosis = if size >= DETACH_FROM {
        py.detach(run)
    } else {
        run()
    }
    .map_err(sign_error)?;
    findings(py, &diagnosis)
}

/// What was given to diagnose.
#[derive(Clone, Copy)]
enum Form<'a> {
    Pasted(&'a str),
    WebSocket(&'a str),
    Rest(&'a str, &'a str),
}

/// One expectation: `(key, value)` or `(key, value, kind)`, kind `text`, `decimal` or `json`.
fn expectation(item: &Bound<'_, PyAny>) -> PyResult<(PyBackedStr, PyBackedStr, Kind)> {
    let bad = || {
        ParamsError::new_err(
            "an expectation is (key, value) or (key, value, kind) with kind text, decimal or json",
        )
    };
    if !(item.is_instance_of::<PyTuple>() || item.is_instance_of::<PyList>()) {
        return Err(bad());
    }
    let len = item.len().map_err(|_| bad())?;
    let key: PyBackedStr = item
        .get_item(0)
        .and_then(|k| k.extract())
        .map_err(|_| bad())?;
    let value: PyBackedStr = item
        .get_item(1)
        .and_then(|v| v.extract())
        .map_err(|_| bad())?;
    let kind = match len {
        2 => Kind::Text,
        3 => {
            let kind: PyBackedStr = item.get_item(2)?.extract().map_err(|_| bad())?;
            Kind::parse(&kind).ok_or_else(bad)?
        }
        _ => return Err(bad()),
    };
    Ok((key, value, kind))
}

/// The oracle: do `query` and `body` carry exactly the `expect`ed parameters, and will Binance
/// accept them? With a `signer`, the signature is checked too. Returns `{"ok": bool,
/// "findings": [{"code", "severity", "key", "message", "count"}]}`, the same codes as `binance-sign check --jsonl`.
/// With a `product` (`"spot"`, `"usdm-futures"`, ...), the rules that differ between products
/// apply, as in `diagnose`.
#[pyfunction]
#[pyo3(signature = (expect, query, body="", signer=None, product=None))]
pub(crate) fn check<'py>(
    py: Python<'py>,
    expect: &Bound<'py, PyAny>,
    query: &str,
    body: &str,
    signer: Option<&Signer>,
    product: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let product = product
        .map(str::parse::<Product>)
        .transpose()
        .map_err(|e| ParamsError::new_err(e.to_string()))?;
    let owned = expect
        .try_iter()?
        .map(|item| expectation(&item?))
        .collect::<PyResult<Vec<_>>>()?;
    let expected: Vec<Expect<'_>> = owned
        .iter()
        .map(|(key, value, kind)| {
            Expect::new(Cow::Borrowed(&**key), Cow::Borrowed(&**value), *kind)
        })
        .collect();
    let signer = signer.map(|s| &s.inner);
    let result = if query.len() + body.len() >= DETACH_FROM {
        py.detach(|| check_for(&expected, query, body, signer, product))
    } else {
        check_for(&expected, query, body, signer, product)
    };
    verdict(py, &result)
}

/// The oracle on one JSON line of the `check --jsonl` protocol (`{"expect": [...], "query":
/// "...", "body": "..."}`): the same verdict as the command, in process.
#[pyfunction]
#[pyo3(signature = (line, signer=None))]
pub(crate) fn check_jsonl_line<'py>(
    py: Python<'py>,
    line: &str,
    signer: Option<&Signer>,
) -> PyResult<Bound<'py, PyDict>> {
    let signer = signer.map(|s| &s.inner);
    let result = if line.len() >= DETACH_FROM {
        py.detach(|| verdict_line(line, signer))
    } else {
        verdict_line(line, signer)
    };
    verdict(py, &result)
}

/// One verdict of [`check_batch`]: `ok`, and `findings` (built as dicts when read).
#[pyclass(frozen, module = "binance_sign", name = "Verdict")]
pub(crate) struct BatchVerdict {
    inner: Verdict,
}

#[pymethods]
impl BatchVerdict {
    /// Whether the bytes carry exactly what was meant and Binance will accept them.
    #[getter]
    fn ok(&self) -> bool {
        self.inner.ok
    }

    /// The findings, each `{"code", "severity", "key", "message", "count"}`.
    #[getter]
    fn findings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        verdict_findings(py, &self.inner)
    }

    /// The same dict `check` returns.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        verdict(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        let codes: Vec<&str> = self
            .inner
            .findings
            .iter()
            .map(|f| f.code.as_str())
            .collect();
        format!("Verdict(ok={}, codes={codes:?})", self.inner.ok)
    }
}

/// The oracle on many lines of the `check --jsonl` protocol at once: parsed and checked in
/// Rust with the GIL released, on every core. Returns one `Verdict` per line, in order, with
/// the codes of `binance-sign check --jsonl` (a line that cannot be read gets `bad-input`).
#[pyfunction]
#[pyo3(signature = (lines, signer=None))]
pub(crate) fn check_batch(
    py: Python<'_>,
    lines: &Bound<'_, PyAny>,
    signer: Option<&Signer>,
) -> PyResult<Vec<BatchVerdict>> {
    let lines = lines
        .try_iter()?
        .map(|line| line?.extract::<PyBackedStr>())
        .collect::<PyResult<Vec<_>>>()?;
    let signer = signer.map(|s| &s.inner);
    let verdicts = py.detach(|| {
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let chunk = lines.len().div_ceil(threads).max(256);
        if lines.len() <= chunk {
            return lines.iter().map(|l| verdict_line(l, signer)).collect();
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = lines
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|l| verdict_line(l, signer))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            // A checking thread that panicked is a bug; its lines get no verdict rather than
            // a wrong one, and the caller sees the count mismatch.
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect::<Vec<_>>()
        })
    });
    if verdicts.len() != lines.len() {
        return Err(crate::errors::Error::new_err(
            "check_batch: a checking thread failed; no verdicts returned",
        ));
    }
    Ok(verdicts
        .into_iter()
        .map(|inner| BatchVerdict { inner })
        .collect())
}
