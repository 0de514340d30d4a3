//! Python parameters to `Params`: a dict or a list of `(key, value)` pairs; values `str`,
//! `int`, `decimal.Decimal`, `float` (Binance's plain-decimal rule), `JsonList` and `Repeated`;
//! `bool` and anything else refused naming the key.

use binance_sign::{Params, RecvWindow, Timestamp};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString, PyType};

use crate::errors::{ParamsError, sign_error};

/// A list parameter sent as one compact JSON array under one key (`symbols`,
/// `orderIdList`): `json_list(["BTCUSDT", "BNBUSDT"])` sends `["BTCUSDT","BNBUSDT"]`.
#[pyclass(frozen, module = "binance_sign")]
pub(crate) struct JsonList {
    json: String,
}

#[pymethods]
impl JsonList {
    #[new]
    fn new(items: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut values = Vec::new();
        for item in items.try_iter()? {
            let item = item?;
            let value = if item.is_instance_of::<PyBool>() {
                return Err(ParamsError::new_err(
                    "json_list: a bool is not a list item Binance reads; pass the text",
                ));
            } else if let Ok(text) = item.cast::<PyString>() {
                serde_json::Value::String(text.to_cow()?.into_owned())
            } else if item.is_instance_of::<PyInt>() {
                serde_json::Value::Number(item.extract::<i64>()?.into())
            } else {
                return Err(ParamsError::new_err(format!(
                    "json_list: items are str or int, not {}",
                    type_name(&item)
                )));
            };
            values.push(value);
        }
        if values.is_empty() {
            return Err(ParamsError::new_err("json_list: the list is empty"));
        }
        let json = serde_json::to_string(&values)
            .map_err(|e| ParamsError::new_err(format!("json_list: {e}")))?;
        Ok(Self { json })
    }

    /// The JSON text that is sent.
    #[getter]
    fn json(&self) -> &str {
        &self.json
    }

    fn __repr__(&self) -> String {
        format!("json_list({})", self.json)
    }
}

/// An ARRAY parameter Binance takes as a repeated key: `repeated(["BTC", "USDT"])` under
/// `asset` sends `asset=BTC&asset=USDT`.
#[pyclass(frozen, module = "binance_sign")]
pub(crate) struct Repeated {
    items: Vec<Py<PyAny>>,
}

#[pymethods]
impl Repeated {
    #[new]
    fn new(items: &Bound<'_, PyAny>) -> PyResult<Self> {
        let items = items
            .try_iter()?
            .map(|item| item.map(Bound::unbind))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Self { items })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let items = self
            .items
            .iter()
            .map(|i| i.bind(py).repr().map(|r| r.to_string()))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(format!("repeated([{}])", items.join(", ")))
    }
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// `decimal.Decimal`, imported once.
fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    DECIMAL.import(py, "decimal", "Decimal")
}

/// Appends one scalar value (not a list wrapper).
fn push_scalar(params: &mut Params, key: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    let result = if let Ok(text) = value.cast_exact::<PyString>() {
        params.push(key, text.to_cow()?)
    } else if value.is_instance_of::<PyBool>() {
        return Err(ParamsError::new_err(format!(
            "parameter `{key}`: a bool is refused (Binance's flags are text such as \"true\" or \"TRUE\", per endpoint); pass the text the endpoint documents"
        )));
    } else if value.is_instance_of::<PyInt>() {
        match value.extract::<i64>() {
            Ok(n) => params.push(key, n),
            Err(_) => params.push(key, value.str()?.to_cow()?),
        }
    } else if let Ok(f) = value.cast::<PyFloat>() {
        params.push(key, f.value())
    } else if value.is_instance(decimal_type(value.py())?)? {
        if !value.call_method0("is_finite")?.extract::<bool>()? {
            return Err(ParamsError::new_err(format!(
                "parameter `{key}`: {} is not a finite number; Binance reads decimals only",
                value.str()?
            )));
        }
        // `format(d, "f")`: plain decimal, never `1E-7`.
        let text = value.call_method1("__format__", ("f",))?;
        params.push(key, text.cast::<PyString>()?.to_cow()?)
    } else if let Ok(text) = value.cast::<PyString>() {
        params.push(key, text.to_cow()?)
    } else {
        return Err(ParamsError::new_err(format!(
            "parameter `{key}`: a {} cannot be a parameter value; use str, int, decimal.Decimal, float, json_list(...) or repeated(...)",
            type_name(value)
        )));
    };
    result.map_err(sign_error)
}

/// Appends one `(key, value)`.
fn push_value(params: &mut Params, key: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    if let Ok(list) = value.cast_exact::<JsonList>() {
        return params
            .push(key, list.get().json.as_str())
            .map_err(sign_error);
    }
    if let Ok(repeated) = value.cast_exact::<Repeated>() {
        let py = value.py();
        let items = &repeated.get().items;
        if items.is_empty() {
            return params.push_repeated(key, [""; 0]).map_err(sign_error);
        }
        // Each item is checked as a scalar; the whole ARRAY goes in at once, or nothing.
        let mut one = Params::new();
        let mut texts = Vec::with_capacity(items.len());
        for item in items {
            one.clear();
            push_scalar(&mut one, key, item.bind(py))?;
            texts.push(one.get(key).unwrap_or_default().to_owned());
        }
        return params.push_repeated(key, &texts).map_err(sign_error);
    }
    push_scalar(params, key, value)
}

/// Reads a dict or an iterable of `(key, value)` pairs into `params` (cleared first).
pub(crate) fn read_params(params: &mut Params, source: &Bound<'_, PyAny>) -> PyResult<()> {
    params.clear();
    if let Ok(dict) = source.cast::<PyDict>() {
        for (key, value) in dict.iter() {
            let key: PyBackedStr = key.extract().map_err(|_| {
                ParamsError::new_err(format!("parameter keys are str, not {}", type_name(&key)))
            })?;
            push_value(params, &key, &value)?;
        }
        return Ok(());
    }
    let bad = || {
        ParamsError::new_err("parameters are a dict or a list of (key, value) pairs with str keys")
    };
    for pair in source.try_iter()? {
        let pair = pair?;
        // A tuple, or any other sequence of two (a list from JSON).
        if pair.len().map_err(|_| bad())? != 2 {
            return Err(bad());
        }
        let key: PyBackedStr = pair.get_item(0)?.extract().map_err(|_| bad())?;
        push_value(params, &key, &pair.get_item(1)?)?;
    }
    Ok(())
}

/// A timestamp: an int of milliseconds (13 digits) or, on spot, microseconds (16 digits).
pub(crate) fn timestamp(value: u64) -> PyResult<Timestamp> {
    if value >= 1_000_000_000_000_000 {
        Timestamp::from_micros(value)
    } else {
        Timestamp::from_millis(value)
    }
    .map_err(sign_error)
}

/// A `recvWindow`: an int of milliseconds, or text / float / Decimal with up to three
/// decimals (spot).
pub(crate) fn recv_window(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<RecvWindow>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if value.is_instance_of::<PyBool>() {
        return Err(ParamsError::new_err("recv_window: a bool is not a window"));
    }
    if value.is_instance_of::<PyInt>() {
        return RecvWindow::from_millis(value.extract()?)
            .map(Some)
            .map_err(sign_error);
    }
    let text = value.str()?;
    text.to_cow()?
        .parse::<RecvWindow>()
        .map(Some)
        .map_err(sign_error)
}
