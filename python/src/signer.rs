//! `Signer` and `SignedRequest`.

use binance_sign::ws::WsParams;
use binance_sign::{KeyKind, Params, SignedRequest as RustSigned, Signer as RustSigner};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyString};

use crate::errors::{ParamsError, secret_text, sign_error};
use crate::values::{read_params, recv_window, timestamp};

/// Signs Binance requests with one API key and its key material (HMAC-SHA256, Ed25519 or
/// RSA). `repr` never shows a key.
#[pyclass(frozen, module = "binance_sign")]
pub(crate) struct Signer {
    pub(crate) inner: RustSigner,
}

/// A signed request: send `query` and `body` byte for byte, with `api_key` in the
/// `X-MBX-APIKEY` header.
#[pyclass(frozen, module = "binance_sign")]
pub(crate) struct SignedRequest {
    inner: RustSigned,
}

#[pymethods]
impl SignedRequest {
    /// The query string (without `?`), exactly as signed.
    #[getter]
    fn query(&self) -> &str {
        self.inner.query()
    }

    /// The form body, exactly as signed (empty for a query-only request).
    #[getter]
    fn body(&self) -> &str {
        self.inner.body()
    }

    /// The signature as sent (hex for HMAC, percent-encoded base64 otherwise).
    #[getter]
    fn signature(&self) -> &str {
        self.inner.signature()
    }

    /// The API key for the `X-MBX-APIKEY` header.
    #[getter]
    fn api_key(&self) -> Option<&str> {
        self.inner.api_key()
    }

    fn __repr__(&self) -> String {
        format!(
            "SignedRequest(query={:?}, body={:?})",
            self.inner.query(),
            self.inner.body()
        )
    }
}

impl Signer {
    /// Signs, releasing the GIL for RSA (milliseconds of work) and keeping it for HMAC and
    /// Ed25519 (less than a switch costs).
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&RustSigner) -> Result<T, binance_sign::Error> + Send,
    ) -> PyResult<T> {
        let inner = &self.inner;
        if inner.key_kind() == KeyKind::Rsa {
            py.detach(|| f(inner))
        } else {
            f(inner)
        }
        .map_err(sign_error)
    }

    fn sign_with(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyAny>,
        ts: &Bound<'_, PyAny>,
        rw: Option<&Bound<'_, PyAny>>,
        body: bool,
    ) -> PyResult<SignedRequest> {
        let mut list = Params::new();
        read_params(&mut list, params)?;
        let (ts, rw) = (timestamp(ts)?, recv_window(rw)?);
        let signed = self.run(py, |s| {
            if body {
                s.sign_body(&list, ts, rw)
            } else {
                s.sign_query(&list, ts, rw)
            }
        })?;
        Ok(SignedRequest { inner: signed })
    }
}

#[pymethods]
impl Signer {
    /// An HMAC-SHA256 signer. The secret is refused (without being shown) when it is empty,
    /// has surrounding whitespace, a line break, quotes, or equals the API key.
    #[staticmethod]
    fn hmac(api_key: &str, secret: &Bound<'_, PyString>) -> PyResult<Self> {
        let secret = secret_text(secret, "secret")?;
        RustSigner::hmac(api_key, &*secret)
            .map(|inner| Self { inner })
            .map_err(sign_error)
    }

    /// A signer for the PKCS#8 PEM private key in `pem` (Ed25519 or RSA, read from the key),
    /// encrypted when `passphrase` is given.
    #[staticmethod]
    #[pyo3(signature = (api_key, pem, passphrase=None))]
    fn from_pem(
        api_key: &str,
        pem: &Bound<'_, PyString>,
        passphrase: Option<&Bound<'_, PyString>>,
    ) -> PyResult<Self> {
        let pem = secret_text(pem, "PEM key")?;
        let passphrase = passphrase
            .map(|p| secret_text(p, "passphrase"))
            .transpose()?;
        RustSigner::from_pem(api_key, &pem, passphrase.as_deref().map(str::as_bytes))
            .map(|inner| Self { inner })
            .map_err(sign_error)
    }

    /// `"hmac"`, `"ed25519"` or `"rsa"`.
    #[getter]
    fn key_kind(&self) -> &'static str {
        match self.inner.key_kind() {
            KeyKind::Hmac => "hmac",
            KeyKind::Ed25519 => "ed25519",
            KeyKind::Rsa => "rsa",
            _ => "other",
        }
    }

    /// The API key (it is sent in clear in the `X-MBX-APIKEY` header).
    #[getter]
    fn api_key(&self) -> Option<&str> {
        self.inner.api_key()
    }

    /// Signs a request whose parameters all travel in the query (GET, DELETE).
    #[pyo3(signature = (params, timestamp, recv_window=None))]
    fn sign_query(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyAny>,
        timestamp: &Bound<'_, PyAny>,
        recv_window: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SignedRequest> {
        self.sign_with(py, params, timestamp, recv_window, false)
    }

    /// Signs a request whose parameters all travel in the form body (POST, PUT).
    #[pyo3(signature = (params, timestamp, recv_window=None))]
    fn sign_body(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyAny>,
        timestamp: &Bound<'_, PyAny>,
        recv_window: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SignedRequest> {
        self.sign_with(py, params, timestamp, recv_window, true)
    }

    /// Signs a request with some parameters in the query and the rest in the body.
    #[pyo3(signature = (query_params, body_params, timestamp, recv_window=None))]
    fn sign_split(
        &self,
        py: Python<'_>,
        query_params: &Bound<'_, PyAny>,
        body_params: &Bound<'_, PyAny>,
        timestamp: &Bound<'_, PyAny>,
        recv_window: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SignedRequest> {
        let (mut query, mut body) = (Params::new(), Params::new());
        read_params(&mut query, query_params)?;
        read_params(&mut body, body_params)?;
        let (ts, rw) = (
            crate::values::timestamp(timestamp)?,
            recv_window_of(recv_window)?,
        );
        let signed = self.run(py, |s| s.sign_split(&query, &body, ts, rw))?;
        Ok(SignedRequest { inner: signed })
    }

    /// Signs a query and body another encoder produced, after checking they are well-formed
    /// and safe to send as they are (they must hold `timestamp`); raises `WireError`.
    #[pyo3(signature = (query, body=""))]
    fn sign_encoded(&self, py: Python<'_>, query: &str, body: &str) -> PyResult<SignedRequest> {
        let signed = self.run(py, |s| s.sign_encoded(query, body))?;
        Ok(SignedRequest { inner: signed })
    }

    /// Checks a signed request as Binance does, over the exact bytes; raises `VerifyError`.
    #[pyo3(signature = (query, body=""))]
    fn verify(&self, py: Python<'_>, query: &str, body: &str) -> PyResult<()> {
        self.run(py, |s| s.verify(query, body))
    }

    /// Signs WebSocket API `params` (a dict): returns them with `apiKey`, `timestamp`,
    /// `recvWindow` and `signature`, signed over the sorted, unencoded form.
    #[pyo3(signature = (params, timestamp, recv_window=None))]
    fn sign_ws(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyAny>,
        timestamp: &Bound<'_, PyAny>,
        recv_window: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let mut ws = WsParams::new();
        for (key, value) in crate::values::items(params)? {
            ws.insert(&*key, json_value(&key, &value)?)
                .map_err(sign_error)?;
        }
        let (ts, rw) = (
            crate::values::timestamp(timestamp)?,
            recv_window_of(recv_window)?,
        );
        let signed = self.run(py, |s| s.sign_ws(&ws, ts, rw))?;
        to_py_json(py, &serde_json::Value::Object(signed.params().clone()))
    }

    fn __repr__(&self) -> String {
        format!("Signer(key_kind={:?}, keys=<redacted>)", self.key_kind())
    }
}

fn recv_window_of(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<binance_sign::RecvWindow>> {
    recv_window(value)
}

/// A WebSocket parameter value as JSON: text, an int, a bool, or a `Decimal` (as plain
/// decimal text). Floats are refused: the signed payload holds the number's text, and Python's
/// `json` would write another (`1e-07` for `1e-7`).
fn json_value(key: &str, value: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(serde_json::Value::String(text.to_cow()?.into_owned()));
    }
    if value.is_instance_of::<PyBool>() {
        return Ok(serde_json::Value::Bool(value.extract()?));
    }
    if value.is_instance_of::<PyInt>() {
        let n: i64 = value.extract().map_err(|_| {
            ParamsError::new_err(format!(
                "parameter `{key}`: an int beyond 64 bits; pass it as text"
            ))
        })?;
        return Ok(serde_json::Value::Number(n.into()));
    }
    let decimal = value.py().import("decimal")?.getattr("Decimal")?;
    if value.is_instance(&decimal)? {
        if !value.call_method0("is_finite")?.extract::<bool>()? {
            return Err(ParamsError::new_err(format!(
                "parameter `{key}`: not a finite number"
            )));
        }
        let text = decimal.call_method1("__format__", (value, "f"))?;
        return Ok(serde_json::Value::String(text.extract()?));
    }
    let what = value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string());
    Err(ParamsError::new_err(format!(
        "parameter `{key}`: a {what} is not a WebSocket parameter value here; use str, int, bool or decimal.Decimal (a float would be sent as other text than signed)"
    )))
}

/// A JSON value as Python objects (through the `json` module: exact and simple).
pub(crate) fn to_py_json(py: Python<'_>, value: &serde_json::Value) -> PyResult<Py<PyAny>> {
    let text = value.to_string();
    let json = py.import("json")?;
    Ok(json.call_method1("loads", (text,))?.unbind())
}
