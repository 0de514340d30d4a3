//! Integrations at the edge of the crate: the `http` crate's requests (feature `http`) and the
//! client engine and its adapters (features `http`, `reqwest-middleware`, `tower`, `ureq`). Nothing below imports from
//! here.

#[cfg(feature = "http")]
pub mod client;
#[cfg(feature = "http")]
pub(crate) mod http;
