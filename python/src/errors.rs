//! The exception hierarchy: one base class, `binance_sign.Error`, and one subclass per layer.
//! Messages are the Rust errors' own (they name the parameter and the rule, never a secret).

use binance_sign::limits::LimitsError as RustLimitsError;
use binance_sign::{Error as SignError, SyncError};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    binance_sign,
    Error,
    PyException,
    "Every error binance_sign raises."
);
create_exception!(
    binance_sign,
    ParamsError,
    Error,
    "A parameter was refused: empty or duplicate key, reserved key, empty value, control character, a number Binance cannot read, a value of an unsupported type."
);
create_exception!(
    binance_sign,
    WireError,
    Error,
    "A pre-encoded query or body is malformed (bad escape, unsafe byte, missing timestamp)."
);
create_exception!(
    binance_sign,
    KeyMaterialError,
    Error,
    "A secret, API key or PEM key was refused, or the key cannot do what was asked."
);
create_exception!(
    binance_sign,
    VerifyError,
    Error,
    "A signature is missing, misplaced, malformed or does not match the bytes."
);
create_exception!(
    binance_sign,
    TimeError,
    Error,
    "A timestamp, recvWindow or product rule was broken."
);
create_exception!(
    binance_sign,
    ClockError,
    Error,
    "The server clock cannot give a timestamp Binance will accept: probe /api/v3/time. `kind` names why."
);
create_exception!(
    binance_sign,
    LimitsError,
    Error,
    "Rate-limit data (exchangeInfo, headers) could not be read."
);
create_exception!(
    binance_sign,
    DoctorError,
    Error,
    "A pasted request or WebSocket params could not be read."
);

/// The Python exception for a crate error, by layer (a repeated `timestamp`/`recvWindow` and
/// the doctor's inputs keep the Python classes they have always had).
pub(crate) fn sign_error(e: impl Into<SignError>) -> PyErr {
    use binance_sign::{ParamError as P, TimeError as T, WireError as W};
    let e = e.into();
    let message = e.to_string();
    match e {
        SignError::Params(P::SignerKeyTwice { .. })
        | SignError::Encoding(_)
        | SignError::Wire(
            W::MalformedWire { .. }
            | W::MissingTimestamp
            | W::AlreadySigned { .. }
            | W::FixFieldSeparator { .. },
        ) => WireError::new_err(message),
        SignError::Params(_) => ParamsError::new_err(message),
        SignError::Key(_) => KeyMaterialError::new_err(message),
        SignError::Verify(_) => VerifyError::new_err(message),
        SignError::Time(T::ServerTimeOutOfRange { .. }) => {
            let err = ClockError::new_err(message);
            Python::attach(|py| {
                let _ = err.value(py).setattr("kind", "server-time-out-of-range");
            });
            err
        }
        SignError::Time(_) | SignError::Product(_) => TimeError::new_err(message),
        SignError::Clock(_) => ClockError::new_err(message),
        SignError::Wire(
            W::PastedRequest { .. } | W::MalformedJson { .. } | W::InvalidUrl { .. },
        ) => DoctorError::new_err(message),
        _ => Error::new_err(message),
    }
}

/// A `ClockError` whose `kind` attribute names the refusal (`no-estimate`, `resync-needed`,
/// `suspended`, `clock-jump`, `beyond-panic-threshold`, ...).
pub(crate) fn sync_error(py: Python<'_>, e: &SyncError) -> PyErr {
    let kind = match e {
        SyncError::NegativeRoundTrip { .. } => "negative-round-trip",
        SyncError::RoundTripTooLong { .. } => "round-trip-too-long",
        SyncError::WallClockSteppedDuringProbe { .. } => "wall-clock-stepped",
        SyncError::OffsetTooLarge { .. } => "offset-too-large",
        SyncError::NoEstimate => "no-estimate",
        SyncError::ClockJump { .. } => "clock-jump",
        SyncError::Suspended { .. } => "suspended",
        SyncError::BeyondPanicThreshold { .. } => "beyond-panic-threshold",
        SyncError::ResyncNeeded { .. } => "resync-needed",
        SyncError::Timestamp(_) => "timestamp",
        SyncError::BadResponse { .. } => "bad-response",
        _ => "other",
    };
    let err = ClockError::new_err(e.to_string());
    // Setting an attribute on a fresh exception instance cannot fail in practice; if it does,
    // the exception is raised without it.
    let _ = err.value(py).setattr("kind", kind);
    err
}

pub(crate) fn limits_error(e: &RustLimitsError) -> PyErr {
    LimitsError::new_err(e.to_string())
}

/// Registers the exception classes.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<Error>())?;
    m.add("ParamsError", py.get_type::<ParamsError>())?;
    m.add("WireError", py.get_type::<WireError>())?;
    m.add("KeyMaterialError", py.get_type::<KeyMaterialError>())?;
    m.add("VerifyError", py.get_type::<VerifyError>())?;
    m.add("TimeError", py.get_type::<TimeError>())?;
    m.add("ClockError", py.get_type::<ClockError>())?;
    m.add("LimitsError", py.get_type::<LimitsError>())?;
    m.add("DoctorError", py.get_type::<DoctorError>())?;
    Ok(())
}

/// A secret, PEM or passphrase argument as text, refused without echoing it (a lone surrogate,
/// as `os.environ` gives for undecodable bytes, would otherwise put the whole value in a
/// `UnicodeEncodeError`).
pub(crate) fn secret_text<'a>(
    value: &'a Bound<'_, pyo3::types::PyString>,
    what: &str,
) -> PyResult<std::borrow::Cow<'a, str>> {
    value.to_cow().map_err(|_| {
        KeyMaterialError::new_err(format!(
            "the {what} is not valid text (it holds a lone surrogate, as undecodable bytes from the environment do)"
        ))
    })
}

/// A non-negative integer argument, or a typed error naming it (never `OverflowError`).
pub(crate) fn whole(value: &Bound<'_, PyAny>, what: &str) -> PyResult<u64> {
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(ParamsError::new_err(format!(
            "{what}: a bool is not a number"
        )));
    }
    value.extract::<u64>().map_err(|_| {
        ParamsError::new_err(format!(
            "{what}: expected a whole number from 0 to 18446744073709551615, got {}",
            value
                .repr()
                .map_or_else(|_| "?".to_owned(), |r| short(&r.to_string()))
        ))
    })
}

/// At most 60 characters of `text`, for messages.
fn short(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}
