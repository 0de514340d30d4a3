//! What a governor learns from responses in other shapes: an `http::HeaderMap`, a WebSocket
//! API response.

use serde::Deserialize;

use super::Governor;
use crate::limits::headers::Reported;
use crate::limits::{LimitsError, RateLimit};
use crate::source::Source;
use crate::time::server_time::ServerTime;

impl Governor {
    /// Learns from an `http::HeaderMap` and status (feature `http`); see
    /// [`observe`](Self::observe). Header values that are not visible ASCII are ignored.
    ///
    /// # Errors
    ///
    /// As [`observe`](Self::observe).
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub fn observe_http(
        &self,
        sent: ServerTime,
        received: ServerTime,
        status: http::StatusCode,
        headers: &http::HeaderMap,
    ) -> Result<(), LimitsError> {
        let pairs = crate::limits::headers::http_pairs(headers);
        self.observe(sent, received, status.as_u16(), pairs)
    }

    /// Learns from a WebSocket API response (the whole JSON object): its `status` (429 and 418
    /// hold and ban as on REST, until `error.data.retryAfter` or the time in the message), and
    /// the counts in its `rateLimits`.
    ///
    /// # Errors
    ///
    /// [`LimitsError::Json`] when `rateLimits` is present but malformed (after the hold is in
    /// place).
    pub fn observe_ws(
        &self,
        sent: ServerTime,
        received: ServerTime,
        response: &serde_json::Value,
    ) -> Result<(), LimitsError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Ws {
            #[serde(flatten)]
            limit: RateLimit,
            count: u64,
        }
        let status = response
            .get("status")
            .and_then(serde_json::Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(200);
        let retry_after = response
            .pointer("/error/data/retryAfter")
            .and_then(serde_json::Value::as_u64)
            .and_then(|ms| ServerTime::from_millis(ms).ok());
        self.hold(received, status, retry_after);
        if let Some(msg) = response
            .pointer("/error/msg")
            .and_then(serde_json::Value::as_str)
        {
            self.observe_body(msg);
        }
        let Some(rate_limits) = response.get("rateLimits") else {
            return Ok(());
        };
        let items: Vec<Ws> =
            Vec::deserialize(rate_limits).map_err(|e| LimitsError::Json(Source::new(e)))?;
        let reported: Vec<Reported> = items
            .iter()
            .map(|w| Reported {
                kind: w.limit.rate_limit_type,
                window: w.limit.window(),
                count: w.count,
            })
            .collect();
        self.apply(sent, received, &reported);
        Ok(())
    }
}
