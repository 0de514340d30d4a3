//! Integrations at the edge of the crate: the `http` crate's requests (feature `http`) and the
//! HTTP client adapters (features `reqwest-middleware`, `tower`). Nothing below imports from
//! here.

#[cfg(any(feature = "reqwest-middleware", feature = "tower"))]
pub mod client;
#[cfg(feature = "http")]
pub(crate) mod http;
