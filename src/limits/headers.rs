//! Reading what Binance reports: rate-limit headers, `Retry-After`, and the ban end in a
//! `-1003` message.

use std::time::{Duration, UNIX_EPOCH};

use super::{IntervalUnit, LimitsError, MAX_HOLD, RateLimitType};
use crate::encoding::is_digits;
use crate::source::excerpt;
use crate::time::server_time::ServerTime;

/// A count Binance reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reported {
    /// What is counted.
    pub kind: RateLimitType,
    /// The window length.
    pub window: Duration,
    /// The count in the window the request was counted in.
    pub count: u64,
}

/// What a response's headers say: the counts reported, the `Retry-After` end, and the first
/// header that could not be read (everything readable is read anyway).
#[derive(Debug, Default)]
pub(crate) struct ResponseHeaders {
    pub(crate) reported: Vec<Reported>,
    pub(crate) retry_after: Option<ServerTime>,
    pub(crate) first_error: Option<LimitsError>,
}

impl ResponseHeaders {
    pub(crate) fn read<'a>(
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        received: ServerTime,
    ) -> Self {
        let mut read = Self::default();
        for (name, value) in headers {
            let result = if name.eq_ignore_ascii_case("retry-after") {
                parse_retry_after(value, received)
                    .and_then(|until| read.hold_until(until, received))
            } else {
                parse_header(name, value).map(|r| read.reported.extend(r))
            };
            if let Err(e) = result {
                read.first_error.get_or_insert(e);
            }
        }
        read
    }

    /// Takes a `Retry-After` end: capped at [`MAX_HOLD`] after `received` (reported when it
    /// was longer), and of several values the largest.
    fn hold_until(&mut self, until: ServerTime, received: ServerTime) -> Result<(), LimitsError> {
        let cap = received.saturating_add(MAX_HOLD);
        let capped = until.min(cap);
        self.retry_after = Some(self.retry_after.map_or(capped, |held| held.max(capped)));
        if until > cap {
            let asked = Duration::from_micros(until.as_micros() - received.as_micros());
            return Err(LimitsError::HoldTooLong { asked });
        }
        Ok(())
    }
}

/// The `(name, value)` pairs of an `http::HeaderMap` that the governors read; values that are
/// not visible ASCII are left out. Both governors' `observe_http` go through it.
#[cfg(feature = "http")]
pub(crate) fn http_pairs(headers: &http::HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
}

/// Reads one response header. `Ok(None)` for headers that are not rate-limit counts (they are
/// ignored); an error for a rate-limit header whose value or interval is malformed.
///
/// ```
/// use binance_sign::advanced::parse_header;
/// use binance_sign::limits::RateLimitType;
/// let r = parse_header("x-mbx-order-count-10s", "7")?.unwrap();
/// assert_eq!((r.kind, r.window.as_secs(), r.count), (RateLimitType::Orders, 10, 7));
/// assert_eq!(parse_header("Content-Type", "application/json")?, None);
/// assert!(parse_header("X-MBX-USED-WEIGHT-1M", "12a").is_err());
/// # Ok::<(), binance_sign::limits::LimitsError>(())
/// ```
///
/// # Errors
///
/// [`LimitsError::MalformedInterval`] or [`LimitsError::MalformedValue`] for a rate-limit
/// header that cannot be read.
pub fn parse_header(name: &str, value: &str) -> Result<Option<Reported>, LimitsError> {
    const PREFIXES: [(&str, RateLimitType); 4] = [
        ("X-MBX-USED-WEIGHT-", RateLimitType::RequestWeight),
        ("X-MBX-ORDER-COUNT-", RateLimitType::Orders),
        ("X-SAPI-USED-IP-WEIGHT-", RateLimitType::SapiIpWeight),
        ("X-SAPI-USED-UID-WEIGHT-", RateLimitType::SapiUidWeight),
    ];
    let Some((kind, suffix)) = PREFIXES.iter().find_map(|(prefix, kind)| {
        let head = name.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix)
            .then(|| (*kind, &name[prefix.len()..]))
    }) else {
        return Ok(None);
    };
    let window_millis =
        parse_interval(suffix).ok_or_else(|| LimitsError::MalformedInterval(excerpt(name, 64)))?;
    let count = parse_count(value).ok_or_else(|| LimitsError::MalformedValue {
        name: excerpt(name, 64),
        value: excerpt(value, 64),
    })?;
    Ok(Some(Reported {
        kind,
        window: Duration::from_millis(window_millis),
        count,
    }))
}

fn parse_interval(suffix: &str) -> Option<u64> {
    let letter = suffix.chars().last()?;
    let digits = &suffix[..suffix.len() - letter.len_utf8()];
    if digits.len() > 6 || !is_digits(digits) {
        return None;
    }
    let num: u64 = digits.parse().ok().filter(|n| *n > 0)?;
    Some(IntervalUnit::from_letter(letter)?.millis() * num)
}

pub(super) fn parse_count(value: &str) -> Option<u64> {
    let v = value.trim();
    if v.len() > 19 || !is_digits(v) {
        return None;
    }
    v.parse().ok()
}

/// When a `Retry-After` value received at `received` ends: whole seconds after `received`, or
/// an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`), as RFC 9110 allows.
///
/// ```
/// use binance_sign::ServerTime;
/// use binance_sign::advanced::parse_retry_after;
/// let received = ServerTime::from_millis(1_700_000_000_000)?;
/// assert_eq!(parse_retry_after("7", received)?.as_millis(), 1_700_000_007_000);
/// assert_eq!(
///     parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", received)?.as_millis(),
///     1_700_000_010_000
/// );
/// assert!(parse_retry_after("soon", received).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`LimitsError::MalformedRetryAfter`] for anything else.
pub fn parse_retry_after(value: &str, received: ServerTime) -> Result<ServerTime, LimitsError> {
    if let Some(secs) = parse_count(value) {
        return Ok(received.saturating_add(Duration::from_secs(secs)));
    }
    httpdate::parse_http_date(value.trim())
        .ok()
        .and_then(|date| date.duration_since(UNIX_EPOCH).ok())
        .and_then(|since| ServerTime::from_micros(u64::try_from(since.as_micros()).ok()?).ok())
        .ok_or_else(|| LimitsError::MalformedRetryAfter(excerpt(value, 64)))
}

/// The ban end in a `-1003` message: `... IP banned until 1659146400123. ...` (a server time in
/// ms); `None` when the text names none.
///
/// ```
/// use binance_sign::advanced::parse_ban_until;
/// let body = r#"{"code":-1003,"msg":"Way too much request weight used; IP banned until 1659146400123. Please use WebSocket Streams for live updates to avoid bans."}"#;
/// assert_eq!(parse_ban_until(body).map(|t| t.as_millis()), Some(1_659_146_400_123));
/// assert_eq!(parse_ban_until(r#"{"code":-1021}"#), None);
/// ```
pub fn parse_ban_until(text: &str) -> Option<ServerTime> {
    const MARK: &str = "banned until ";
    let at = text.find(MARK)? + MARK.len();
    let rest = &text[at..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let millis = parse_count(&rest[..end])?;
    ServerTime::from_millis(millis).ok()
}
