//! Python parameters to `Params`: a dict or a list of `(key, value)` pairs; values `str`,
//! `int`, `decimal.Decimal`, `float` (Binance's plain-decimal rule), `JsonList` and `Repeated`;
//! `bool` and anything else refused naming the key.

use binance_sign::{Params, RecvWindow, Timestamp};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};

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
        refuse_text("json_list", items)?;
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
                serde_json::Value::Number(
                    item.extract::<i64>()
                        .map_err(|_| {
                            ParamsError::new_err(
                                "json_list: an int beyond 64 bits; pass it as text",
                            )
                        })?
                        .into(),
                )
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
        refuse_text("repeated", items)?;
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

/// A `str` or `bytes` where a list is wanted is refused (iterating it would split it into
/// characters).
fn refuse_text(what: &str, items: &Bound<'_, PyAny>) -> PyResult<()> {
    if items.is_instance_of::<PyString>() || items.is_instance_of::<PyBytes>() {
        return Err(ParamsError::new_err(format!(
            "{what}: give a list of items, not one {}",
            type_name(items)
        )));
    }
    Ok(())
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
        match value.extract::<i128>() {
            Ok(n) => params.push(key, n),
            Err(_) => {
                return Err(ParamsError::new_err(format!(
                    "parameter `{key}`: an int of more than 38 digits is no number Binance reads"
                )));
            }
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
        params.push(key, plain_decimal(value)?)
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

/// A `decimal.Decimal` as plain decimal text (`format(d, "f")`: never `1E-7`).
fn plain_decimal(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let decimal = decimal_type(value.py())?;
    let text = decimal.call_method1("__format__", (value, "f"))?;
    Ok(text.cast::<PyString>()?.to_cow()?.into_owned())
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

/// The `(key, value)` items of a parameter source: a dict or any other mapping (its
/// `items()`, taken as a list first, so a value that changes the mapping cannot break the
/// iteration), or an iterable of `(key, value)` tuples or two-item lists.
pub(crate) fn items<'py>(
    source: &Bound<'py, PyAny>,
) -> PyResult<Vec<(PyBackedStr, Bound<'py, PyAny>)>> {
    let bad_key = |key: &Bound<'_, PyAny>| {
        ParamsError::new_err(format!("parameter keys are str, not {}", type_name(key)))
    };
    let pairs: Bound<'py, PyAny> = if let Ok(dict) = source.cast::<PyDict>() {
        dict.items().into_any()
    } else if source.is_instance(mapping_type(source.py())?)? {
        PyList::new(
            source.py(),
            source
                .call_method0("items")?
                .try_iter()?
                .collect::<PyResult<Vec<_>>>()?,
        )?
        .into_any()
    } else if source.is_instance_of::<PyString>() || source.is_instance_of::<PyBytes>() {
        return Err(ParamsError::new_err(
            "parameters are a dict or a list of (key, value) pairs, not text",
        ));
    } else {
        source.clone()
    };
    let mut out = Vec::new();
    for pair in pairs.try_iter()? {
        let pair = pair?;
        let two = (pair.is_instance_of::<PyTuple>() || pair.is_instance_of::<PyList>())
            && pair.len()? == 2;
        if !two {
            return Err(ParamsError::new_err(format!(
                "parameters are a dict or a list of (key, value) pairs, not {}",
                type_name(&pair)
            )));
        }
        let key = pair.get_item(0)?;
        let key: PyBackedStr = key.extract().map_err(|_| bad_key(&key))?;
        out.push((key, pair.get_item(1)?));
    }
    Ok(out)
}

/// `collections.abc.Mapping`, imported once.
fn mapping_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static MAPPING: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    MAPPING.import(py, "collections.abc", "Mapping")
}

/// Reads a dict (or mapping) or an iterable of `(key, value)` pairs into `params` (cleared
/// first).
pub(crate) fn read_params(params: &mut Params, source: &Bound<'_, PyAny>) -> PyResult<()> {
    params.clear();
    if let Ok(dict) = source.cast_exact::<PyDict>() {
        // The common case, without building (key, value) tuples: a shallow copy first, so a
        // value whose conversion changes the dict cannot break the iteration.
        for (key, value) in dict.copy()?.iter() {
            let key: PyBackedStr = key.extract().map_err(|_| {
                ParamsError::new_err(format!("parameter keys are str, not {}", type_name(&key)))
            })?;
            push_value(params, &key, &value)?;
        }
        return Ok(());
    }
    for (key, value) in items(source)? {
        push_value(params, &key, &value)?;
    }
    Ok(())
}

/// A timestamp: an int of milliseconds (13 digits) or, on spot, microseconds (16 digits).
pub(crate) fn timestamp(value: &Bound<'_, PyAny>) -> PyResult<Timestamp> {
    let value = crate::errors::whole(value, "timestamp")?;
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
        return RecvWindow::from_millis(crate::errors::whole(value, "recv_window")?)
            .map(Some)
            .map_err(sign_error);
    }
    let text = if value.is_instance(decimal_type(value.py())?)? {
        plain_decimal(value)?
    } else {
        value.str()?.to_cow()?.into_owned()
    };
    text.parse::<RecvWindow>().map(Some).map_err(sign_error)
}
