//! Findings read from the request's shape, whatever the signature says.

use std::collections::HashMap;

use super::sent::Param;
use super::{Code, Finding, Input};
use crate::encoding::is_digits;
use crate::encoding::{client_encodes, every_client_encodes};
use crate::error::excerpt;
use crate::recv_window::RecvWindow;
use crate::timestamp::TimeUnit;
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
        values(&p.key, &p.value, findings);
    }
    duplicates(params, &counts, findings);
    if let Some(at) = input.query.bytes().position(every_client_encodes) {
        let c = input.query[at..].chars().next().unwrap_or(' ');
        findings.push(Finding::new(
            Code::ClientReencoded,
            format!(
                "the query holds a raw {c:?} at byte {at}, which HTTP clients percent-encode before sending: Binance verifies other bytes than were signed"
            ),
            "percent-encode every byte outside A-Z a-z 0-9 - . _ ~ before signing",
        ));
    } else if let Some(at) = input
        .query
        .bytes()
        .position(|b| client_encodes(b) || b == b'\'')
    {
        let c = input.query[at..].chars().next().unwrap_or(' ');
        findings.push(
            Finding::new(
                Code::ClientReencoded,
                format!(
                    "the query holds a raw {c:?} at byte {at}: some HTTP clients (Python requests; reqwest for `'`) percent-encode it before sending, others send it raw"
                ),
                "percent-encode every byte outside A-Z a-z 0-9 - . _ ~ before signing",
            )
            .warning(),
        );
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

/// Repeated keys: in both the query and the body Binance answers -1101 or takes the query's
/// value; repeated within one part is how ARRAY parameters travel, so only a warning.
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
        let key = &p.key;
        let signer_key = matches!(key.as_str(), "timestamp" | "recvWindow");
        findings.push(if in_query > 0 && in_body > 0 {
            Finding::new(
                Code::DuplicateParameter,
                format!("parameter `{key}` is sent in both the query and the body; Binance answers -1101 (or takes the query's value)"),
                format!("send `{key}` once, in either the query or the body"),
            )
        } else if signer_key {
            Finding::new(
                Code::DuplicateParameter,
                format!("parameter `{key}` is sent {} times; Binance answers -1101", in_query + in_body),
                format!("send `{key}` once, after your parameters"),
            )
        } else {
            Finding::new(
                Code::DuplicateParameter,
                format!("parameter `{key}` is sent {} times; Binance takes that only for ARRAY parameters (such as `asset` on /sapi/v1/asset/dust), elsewhere it answers -1101", in_query + in_body),
                format!("send `{key}` once, or as one JSON list if the endpoint takes a list"),
            )
            .warning()
        });
    }
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
                for flag in &mut consumed[i + 1..=j] {
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

/// The checks of one decoded value, whatever the API form.
pub(super) fn values(key: &str, value: &str, findings: &mut Vec<Finding>) {
    if value.is_empty() {
        findings.push(Finding::new(
            Code::EmptyValue,
            format!("parameter `{key}` has an empty value; Binance answers -1102"),
            format!("leave `{key}` out, or give it a value"),
        ));
    }
    list_format(key, value, findings);
    // Numbers: `timestamp` and `recvWindow` have codes of their own, and other keys
    // (`newClientOrderId=1e5`, `idList=1,2`) are text.
    if numeric_key(key) {
        number_format(key, value, findings);
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
                    format!("parameter `{key}` appears more than once in params"),
                    format!("send `{key}` once"),
                )
            });
        }
        if key != "signature" {
            values(key, value, findings);
        }
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

fn list_format(key: &str, value: &str, findings: &mut Vec<Finding>) {
    let base = key.split('[').next().unwrap_or(key);
    if key.ends_with(']') && key.contains('[') {
        findings.push(Finding::new(
            Code::ListFormat,
            format!("`{key}` sends a list as repeated or indexed keys; Binance answers -1101/-1100"),
            format!("send one parameter `{base}` holding a compact JSON array, e.g. {base}=[\"BTCUSDT\",\"BNBUSDT\"]"),
        ));
    } else if value.starts_with('[')
        && value.ends_with(']')
        && (value.contains(", ")
            || value.contains(" ,")
            || value.contains("[ ")
            || value.contains(" ]"))
    {
        findings.push(Finding::new(
            Code::ListFormat,
            format!("`{key}` is a JSON list with spaces; Binance answers -1100"),
            format!(
                "write the list compactly, no spaces: {}",
                value.replace(' ', "")
            ),
        ));
    }
}

/// Keys whose values are decimals: prices, quantities, amounts.
fn numeric_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "price", "qty", "quantity", "amount", "volume", "delta", "rate", "percent",
    ]
    .iter()
    .any(|word| key.contains(word))
}

fn number_format(key: &str, value: &str, findings: &mut Vec<Finding>) {
    let mantissa = |s: &str| {
        let s = s.strip_prefix('-').unwrap_or(s);
        match s.split_once('.') {
            Some((a, b)) => is_digits(a) && is_digits(b),
            None => is_digits(s),
        }
    };
    let exponent = value
        .split_once(['e', 'E'])
        .is_some_and(|(m, e)| mantissa(m) && is_digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    let comma = value
        .split_once(',')
        .is_some_and(|(a, b)| is_digits(a) && is_digits(b) && !b.contains(','));
    if exponent || comma || matches!(value, "NaN" | "nan" | "inf" | "-inf" | "Infinity") {
        findings.push(Finding::new(
            Code::NumberFormat,
            format!("`{key}={value}` is not a decimal Binance reads (no exponent, no decimal comma); Binance answers -1100"),
            "write numbers as plain decimals with a point, e.g. 0.00001 (format floats without exponent)",
        ));
    }
}

fn timing<'v>(
    get: impl Fn(&str) -> Option<&'v str>,
    input: &Input<'_>,
    findings: &mut Vec<Finding>,
) {
    let mut recv_window = None;
    if let Some(text) = get("recvWindow") {
        match text.parse::<RecvWindow>() {
            Ok(rw) => {
                recv_window = Some(rw);
                if let Some(product) = input.product.filter(|p| rw.is_fractional() && !p.allows_fractional_recv_window()) {
                    findings.push(Finding::new(
                        Code::RecvWindowInvalid,
                        format!("recvWindow={text} has decimals, which only spot accepts, not {product}"),
                        "use a whole number of milliseconds",
                    ));
                }
            }
            Err(e) => findings.push(Finding::new(
                Code::RecvWindowInvalid,
                format!("{e}"),
                "use a recvWindow of at most 60000 ms (5000 is Binance's default); fix the clock instead of widening the window",
            )),
        }
    }
    let Some(text) = get("timestamp") else {
        return;
    };
    let Ok(timestamp) = parse_timestamp(text) else {
        findings.push(if text.len() == 10 && is_digits(text) {
            Finding::new(
                Code::TimestampUnit,
                format!("timestamp={text} is in seconds; Binance takes milliseconds"),
                "send milliseconds since the epoch: 13 digits, e.g. 1700000000000",
            )
        } else {
            Finding::new(
                Code::TimestampMalformed,
                format!("timestamp={} is not a whole number of milliseconds after 2017; Binance answers -1102", excerpt(text, 40)),
                "send the current time in milliseconds since the epoch, e.g. 1700000000000",
            )
        });
        return;
    };
    if let Some(product) = input.product
        && !product.allows_micros()
        && timestamp.unit() == TimeUnit::Micros
    {
        findings.push(Finding::new(
            Code::TimestampUnit,
            format!("timestamp={text} is in microseconds, which only spot accepts, not {product}"),
            "send milliseconds (13 digits)",
        ));
        return;
    }
    let Some(server) = input.server_time else {
        return;
    };
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
