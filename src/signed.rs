//! [`SignedRequest`]: what was signed, together with the signature, ready to send.

use std::sync::Arc;

/// The name of the header that carries the API key.
pub const API_KEY_HEADER: &str = "X-MBX-APIKEY";

/// A signed request: the exact query and body to send, and the signature inside them.
///
/// Send [`query`](Self::query) and [`body`](Self::body) byte for byte: any re-encoding by an
/// HTTP client after signing makes Binance answer `-1022`.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    query: String,
    body: String,
    signature_at: usize,
    api_key: Option<Arc<str>>,
}

impl std::fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedRequest")
            .field("query", &self.query)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

impl SignedRequest {
    pub(crate) fn new(
        query: String,
        body: String,
        signature_at: usize,
        api_key: Option<Arc<str>>,
    ) -> Self {
        Self {
            query,
            body,
            signature_at,
            api_key,
        }
    }

    /// The query string, without the leading `?` (empty when everything is in the body).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The `application/x-www-form-urlencoded` body (empty for a query-only request).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The signature exactly as it appears on the wire: hex for HMAC, percent-encoded base64
    /// for Ed25519 and RSA.
    pub fn signature(&self) -> &str {
        let last = if self.body.is_empty() {
            &self.query
        } else {
            &self.body
        };
        last.get(self.signature_at..).unwrap_or_default()
    }

    /// The API key, for the [`API_KEY_HEADER`] (`X-MBX-APIKEY`); `None` when the signer has
    /// none ([`Signer::hmac_without_api_key`](crate::Signer::hmac_without_api_key)).
    pub fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// The two pieces of the signed payload: the query and the body, each without the
    /// signature. The payload is their concatenation, with nothing between them.
    pub fn payload_parts(&self) -> (&str, &str) {
        let cut = self.signature_at.saturating_sub("&signature=".len());
        if self.body.is_empty() {
            (self.query.get(..cut).unwrap_or_default(), "")
        } else {
            (&self.query, self.body.get(..cut).unwrap_or_default())
        }
    }

    /// The exact bytes that were signed: query immediately followed by body, without the
    /// signature.
    pub fn payload(&self) -> String {
        let (query, body) = self.payload_parts();
        let mut payload = String::with_capacity(query.len() + body.len());
        payload.push_str(query);
        payload.push_str(body);
        payload
    }

    /// `path?query`, or `path` alone when the query is empty.
    ///
    /// ```
    /// # use binance_sign::{Params, Signer, Timestamp};
    /// # let signer = Signer::hmac("key", "secret")?;
    /// # let req = signer.sign_query(&Params::new(), Timestamp::from_millis(1_700_000_000_000)?, None)?;
    /// assert!(req.path_and_query("/api/v3/account").starts_with("/api/v3/account?timestamp=1700000000000&signature="));
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    pub fn path_and_query(&self, path: &str) -> String {
        if self.query.is_empty() {
            path.to_owned()
        } else {
            let mut out = String::with_capacity(path.len() + 1 + self.query.len());
            out.push_str(path);
            out.push('?');
            out.push_str(&self.query);
            out
        }
    }
}
