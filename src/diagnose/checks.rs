//! Findings read from the request's shape, whatever the signature says.

use std::collections::HashMap;

use super::sent::Param;
use super::{Code, Finding, Input};
use crate::error::excerpt;
use crate::recv_window::RecvWindow;
use crate::rules::{Violation, check_repeats, check_value, client_rewrite};
use crate::window::{WindowVerdict, check_window};
use crate::wire::parse_timestamp;

/// The checks of a REST request's wire form: escapes, bytes clients rewrite, raw `+`, JSON
/// split by `&`, repeated keys; then each value's own checks.
pub(super) fn rest(params: &[Param<'_>], input: &Input<'_>, findings: &mut Vec<Finding>) {
    let split = json_splits(params, findings);
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for (i, p) in params.iter().enumerate() {
        if split.get(i).copied().unwrap_or(false) {
            continue;
        }
        let part = if p.in_body { "body" } else { "query" };
        if p.segment.is_empty() {
            findings.push(Finding::new(
                Code::EmptyValue,
                format!("{part}: an empty parameter at byte {} (`&&`, or `&` at an end); Binance signs those bytes too, and answers -1102 or -1022", p.at),
                "join the parameters with one `&` each, none at the ends",
            ));
            continue;
        }
        if !p.decodes {
            findings.push(Finding::new(
                Code::MalformedEscape,
                format!(
                    "{part}: `{}` at byte {} has a `%` not followed by two hex digits, or escapes that are not UTF-8",
                    excerpt(p.segment, 80),
                    p.at
                ),
                "percent-encode the UTF-8 bytes of the text as %XX, and a literal `%` as %25",
            ));
        }
        if p.is_signature() {
            continue;
        }
        let entry = counts.entry(p.key.as_str()).or_default();
        if p.in_body {
            entry.1 += 1;
        } else {
            entry.0 += 1;
        }
        if let Some(value) = p.raw_value.filter(|v| v.contains('+')) {
            findings.push(
                Finding::new(
                    Code::PlusInValue,
                    format!(
                        "`{}` holds a raw `+`, which Binance reads as a space: `{}`",
                        p.key,
                        excerpt(&p.value, 60)
                    ),
                    format!(
                        "if it is a plus sign, send it as %2B: {}={}",
                        p.raw_key,
                        excerpt(&value.replace('+', "%2B"), 80)
                    ),
                )
                .warning(),
            );
        }
        values(&p.key, &p.value, input, findings);
    }
    duplicates(params, &counts, findings);
    if let Some(rewrite) = client_rewrite(input.query) {
        let (c, at) = (rewrite.ch, rewrite.at);
        let fix = "percent-encode every byte outside A-Z a-z 0-9 - . _ ~ before signing";
        findings.push(if rewrite.every {
            Finding::new(
                Code::ClientReencoded,
                format!(
                    "the query holds a raw {c:?} at byte {at}, which HTTP clients percent-encode (or, for `#`, cut off) before sending: Binance verifies other bytes than were signed"
                ),
                fix,
            )
        } else {
            Finding::new(
                Code::ClientReencoded,
                format!(
                    "the query holds a raw {c:?} at byte {at}: some HTTP clients (Python requests; reqwest for `'`) percent-encode it before sending, others send it raw"
                ),
                fix,
            )
            .warning()
        });
    }
    timing(
        |name| {
            params
                .iter()
                .rev()
                .find(|p| p.key == name)
                .map(|p| p.value.as_str())
        },
        input,
        findings,
    );
}

/// Repeated keys, judged by the rule book: in both the query and the body, or repeated when
/// the key is not an ARRAY parameter, Binance answers -1101; ARRAY parameters (`asset` on
/// /sapi/v1/asset/dust) travel as repeated keys and get no finding.
fn duplicates(
    params: &[Param<'_>],
    counts: &HashMap<&str, (usize, usize)>,
    findings: &mut Vec<Finding>,
) {
    let mut reported = std::collections::HashSet::new();
    for p in params.iter().filter(|p| !p.is_signature()) {
        let Some(&(in_query, in_body)) = counts.get(p.key.as_str()) else {
            continue;
        };
        if in_query + in_body < 2 || !reported.insert(p.key.as_str()) {
            continue;
        }
        if let Err(violation) = check_repeats(&p.key, in_query, in_body) {
            findings.push(broken(&p.key, &p.value, violation));
        }
    }
}

/// The finding for `key`'s value breaking a rule of the [rule book](crate::rules).
pub(super) fn broken(key: &str, value: &str, violation: Violation) -> Finding {
    let code = match violation {
        Violation::Empty => Code::EmptyValue,
        Violation::ListNotJson | Violation::ListNotCompact | Violation::IndexedKey => {
            Code::ListFormat
        }
        Violation::TimestampSeconds | Violation::TimestampMicros(_) => Code::TimestampUnit,
        Violation::TimestampMalformed => Code::TimestampMalformed,
        Violation::RecvWindow(_) | Violation::RecvWindowFractional(_) => Code::RecvWindowInvalid,
        Violation::Repeated { .. } | Violation::InBothParts => Code::DuplicateParameter,
        _ => Code::NumberFormat,
    };
    let shown = match violation {
        Violation::Repeated { .. } | Violation::InBothParts | Violation::IndexedKey => {
            format!("parameter `{}`", excerpt(key, 40))
        }
        _ => format!("`{}={}`", excerpt(key, 40), excerpt(value, 60)),
    };
    Finding::new(code, format!("{shown} {violation}"), violation.fix())
}

/// How many segments, and how many bytes, a JSON value cut by `&` is looked for in.
const MAX_GLUED: usize = 64;
const MAX_GLUED_BYTES: usize = 16 * 1024;

/// Values that start a JSON array or object sent unencoded and cut by a raw `&`: each is one
/// finding, and the fragments (marked in the returned flags) get no other findings.
fn json_splits(params: &[Param<'_>], findings: &mut Vec<Finding>) -> Vec<bool> {
    let mut consumed = vec![false; params.len()];
    let mut i = 0;
    while i < params.len() {
        let p = &params[i];
        let starts_json = p
            .raw_value
            .is_some_and(|v| v.starts_with('[') || v.starts_with('{'));
        if !starts_json || serde_json::from_str::<serde_json::Value>(&p.value).is_ok() {
            i += 1;
            continue;
        }
        // Glue the following segments of the same part back on until the brackets close
        // (within a bound, so the work stays linear in the request's size), then parse once.
        let mut scan = Brackets::default();
        scan.feed(&p.value);
        let mut end = None;
        let mut bytes = p.value.len();
        for (j, next) in params.iter().enumerate().skip(i + 1).take(MAX_GLUED) {
            bytes += next.value.len() + next.key.len() + 2;
            if next.in_body != p.in_body || bytes > MAX_GLUED_BYTES {
                break;
            }
            scan.feed("&");
            scan.feed(&next.key);
            if next.raw_value.is_some() {
                scan.feed("=");
                scan.feed(&next.value);
            }
            if scan.closed() {
                end = Some(j);
                break;
            }
        }
        let text = end.map(|j| {
            let mut text = p.value.clone();
            for next in &params[i + 1..=j] {
                text.push('&');
                text.push_str(&next.key);
                if next.raw_value.is_some() {
                    text.push('=');
                    text.push_str(&next.value);
                }
            }
            text
        });
        let end = end.filter(|_| {
            text.as_deref()
                .is_some_and(|t| serde_json::from_str::<serde_json::Value>(t).is_ok())
        });
        let text = text.unwrap_or_default();
        match end {
            Some(j) => {
                findings.push(Finding::new(
                    Code::JsonValueSplit,
                    format!(
                        "`{}` holds JSON sent unencoded: the raw `&` inside it cut it into {} parameters, so Binance reads `{}={}` and no valid JSON",
                        p.key,
                        j - i + 1,
                        p.raw_key,
                        excerpt(&p.value, 60)
                    ),
                    format!("percent-encode the whole JSON value (`&` is %26, `\"` is %22) before signing, e.g. {}", excerpt(&crate::encoding::encode(&text), 80)),
                ));
                for flag in &mut consumed[i..=j] {
                    *flag = true;
                }
                i = j + 1;
            }
            None => i += 1,
        }
    }
    consumed
}

/// Where a JSON text stands: bracket depth, inside a string, after a backslash.
#[derive(Default)]
struct Brackets {
    depth: usize,
    opened: bool,
    in_string: bool,
    escaped: bool,
}

impl Brackets {
    fn feed(&mut self, text: &str) {
        for b in text.bytes() {
            if self.in_string {
                match (self.escaped, b) {
                    (true, _) => self.escaped = false,
                    (false, b'\\') => self.escaped = true,
                    (false, b'"') => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    self.opened = true;
                }
                b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
    }

    fn closed(&self) -> bool {
        self.opened && self.depth == 0 && !self.in_string
    }
}

/// The rule book's checks of one decoded value, whatever the API form.
pub(super) fn values(key: &str, value: &str, input: &Input<'_>, findings: &mut Vec<Finding>) {
    if let Err(violation) = check_value(key, value, input.product) {
        findings.push(broken(key, value, violation));
    }
}

/// The checks of a WebSocket request's decoded members.
pub(super) fn members(pairs: &[(String, String)], input: &Input<'_>, findings: &mut Vec<Finding>) {
    let mut seen = std::collections::HashSet::new();
    for (key, value) in pairs {
        if !seen.insert(key.as_str()) {
            findings.push(if key == "signature" {
                Finding::new(
                    Code::SignatureRepeated,
                    "`signature` appears more than once in params",
                    "send one signature",
                )
            } else {
                Finding::new(
                    Code::DuplicateParameter,
                    format!("parameter `{key}` appears more than once in params; a JSON object keeps one of them"),
                    format!("send `{key}` once (an ARRAY parameter as one JSON array)"),
                )
            });
        }
        values(key, value, input, findings);
    }
    timing(
        |name| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        },
        input,
        findings,
    );
}

/// The window check against the server time at arrival (the format of `timestamp` and
/// `recvWindow` is the rule book's, checked with the other values).
fn timing<'v>(
    get: impl Fn(&str) -> Option<&'v str>,
    input: &Input<'_>,
    findings: &mut Vec<Finding>,
) {
    let Some(server) = input.server_time else {
        return;
    };
    let recv_window = match get("recvWindow").map(str::parse::<RecvWindow>) {
        Some(Err(_)) => return,
        Some(Ok(rw)) => Some(rw),
        None => None,
    };
    let Some(Ok(timestamp)) = get("timestamp").map(parse_timestamp) else {
        return;
    };
    if input
        .product
        .is_some_and(|p| !p.allows_micros() && timestamp.unit() == crate::TimeUnit::Micros)
    {
        return;
    }
    let skew_ms = (i128::from(timestamp.as_micros()) - i128::from(server.as_micros())) / 1000;
    match check_window(timestamp, recv_window, server, std::time::Duration::ZERO) {
        WindowVerdict::TooFarAhead { by } => findings.push(Finding::new(
            Code::TimestampAhead,
            format!(
                "timestamp is {skew_ms} ms ahead of the server time {server}; Binance needs it less than 1000 ms ahead (over by {:.3} ms) and answers -1021",
                by.as_secs_f64() * 1000.0
            ),
            format!(
                "your clock runs about {skew_ms} ms fast: an offset of {} ms would have worked; estimate it with ServerClock from GET /api/v3/time",
                -skew_ms
            ),
        )),
        WindowVerdict::Expired { by } => findings.push(Finding::new(
            Code::TimestampExpired,
            format!(
                "timestamp is {} ms behind the server time {server}, past recvWindow={} by {:.3} ms; Binance answers -1021",
                -skew_ms,
                recv_window.unwrap_or_default(),
                by.as_secs_f64() * 1000.0
            ),
            format!(
                "your clock runs about {} ms slow (or the request was delayed): an offset of +{} ms would have worked; estimate it with ServerClock rather than widening recvWindow",
                -skew_ms, -skew_ms
            ),
        )),
        _ => {}
    }
}

/// Findings about the API key itself, from the error code Binance answered. `api_key` is the
/// key actually given (sent or configured); without one, nothing is said about its shape.
pub(super) fn api_key(
    api_key: Option<&str>,
    valid: bool,
    input: &Input<'_>,
    findings: &mut Vec<Finding>,
) {
    let signature = if valid {
        "the signature is valid, so the secret is right; "
    } else {
        ""
    };
    match input.error_code {
        Some(-2015) => findings.push(Finding::new(
            Code::ApiKeyPermissions,
            format!("{signature}Binance refused the key itself (-2015 Invalid API-key, IP, or permissions for action)"),
            "check that the key has the permission this product needs (e.g. Enable Spot & Margin Trading, Enable Futures), that this machine's IP is on the key's whitelist, that the key was not reset, deleted or expired, and that testnet keys go to the testnet",
        )),
        Some(-2014) => {
            let shape = match api_key {
                Some(key) if !(key.len() == 64 && key.bytes().all(|b| b.is_ascii_alphanumeric())) => format!(
                    " (the key given has {} characters{}; Binance keys are 64 letters and digits)",
                    key.len(),
                    if key.trim() == key { "" } else { ", with surrounding whitespace" }
                ),
                _ => String::new(),
            };
            findings.push(Finding::new(
                Code::ApiKeyFormat,
                format!("{signature}Binance could not read the API key (-2014 API-key format invalid){shape}"),
                "send the API key, exactly, in the X-MBX-APIKEY header (not as a parameter), with no quotes, spaces or line breaks",
            ));
        }
        _ => {}
    }
}
