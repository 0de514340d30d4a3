//! `binance_sign._native`: the Python bindings of the binance-sign crate. The Python package
//! `binance_sign` re-exports everything from here.
#![forbid(unsafe_code)]

use pyo3::prelude::*;

mod clock;
mod doctor;
mod errors;
mod governor;
mod signer;
mod values;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<signer::Signer>()?;
    m.add_class::<signer::SignedRequest>()?;
    m.add_class::<values::JsonList>()?;
    m.add_class::<values::Repeated>()?;
    m.add_class::<clock::LocalReading>()?;
    m.add_class::<clock::TimeSync>()?;
    m.add_class::<clock::ServerClock>()?;
    m.add_class::<governor::Governor>()?;
    m.add_class::<governor::Decision>()?;
    m.add_function(wrap_pyfunction!(doctor::diagnose, m)?)?;
    m.add_function(wrap_pyfunction!(doctor::check, m)?)?;
    m.add_function(wrap_pyfunction!(doctor::check_jsonl_line, m)?)?;
    m.add_function(wrap_pyfunction!(doctor::check_batch, m)?)?;
    m.add_class::<doctor::BatchVerdict>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
