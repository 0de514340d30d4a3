//! The crate's error: one small enum that folds each layer's own error.
//!
//! Each layer defines its error where it lives: [`ParamError`] (parameters),
//! [`EncodingError`] (percent-encoding), [`WireError`] (a request's wire form), [`KeyError`] and
//! [`VerifyError`] (the crypto layer), [`TimeError`] (timestamps and windows), [`SyncError`]
//! (the server clock) and [`ProductError`] (a product's rules). This module imports only those
//! definitions, so no layer depends on a layer above it through its errors.

use crate::encoding::EncodingError;
use crate::params::error::ParamError;
use crate::product::ProductError;
use crate::signing_key::error::{KeyError, VerifyError};
use crate::time::error::TimeError;
use crate::time::sync::error::SyncError;
use crate::wire::error::WireError;

/// Everything that can go wrong in this crate, by layer: match on the layer, then on its own
/// enum.
///
/// Messages are the layers' own: they name the parameter and the rule, show the offending
/// input (never a secret), and say what to change. Errors from dependencies are kept as the
/// [`source`](std::error::Error::source).
///
/// ```
/// use binance_sign::{Error, KeyError, SecretProblem, Signer};
/// match Signer::hmac("key", "secret\n") {
///     Err(Error::Key(KeyError::InvalidSecret(SecretProblem::LineBreak))) => {}
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter was refused.
    #[error(transparent)]
    Params(#[from] ParamError),
    /// Percent-encoded text does not decode.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    /// A request's wire form cannot carry what is asked.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// A key was refused or cannot do what was asked.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A signature is missing, misplaced, malformed or does not match.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A timestamp, server time or `recvWindow` is outside Binance's rules.
    #[error(transparent)]
    Time(#[from] TimeError),
    /// No timestamp from the server clock (not synchronized, the machine slept, or the estimate
    /// is too uncertain for the `recvWindow`): probe the server time again.
    #[error("no timestamp from the server clock")]
    Clock(#[source] SyncError),
    /// A rule of the target product was broken.
    #[error(transparent)]
    Product(#[from] ProductError),
}

impl From<SyncError> for Error {
    fn from(error: SyncError) -> Self {
        Error::Clock(error)
    }
}
