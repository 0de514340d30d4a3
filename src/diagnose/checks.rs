//! Findings read from the request's shape, whatever the signature says.

use super::sent::{Param, ReadRequest};
use super::{Code, Finding, Findings, Input, Position};
use crate::rules::{Violation, check_repeats, check_signed, check_value, client_rewrite};
use crate::source::excerpt;
use crate::time::acceptance::{WindowVerdict, check_window};
use crate::time::recv_window::RecvWindow;
use crate::time::timestamp::parse_timestamp;

/// The checks of a REST request's wire form: empty segments, escapes, bytes clients rewrite,
/// raw `+`, JSON split by `&`, repeated keys; then each value's own checks. Findings of one
/// kind are counted into the first (see [`Findings`]), never built once per segment.
pub(super) fn rest(sent: &ReadRequest<'_>, input: &Input<'_>, findings: &mut Findings) {
    empty_segments(sent, findings);
    let params = &sent.params;
    let split = json_splits(params, findings);
    // The parameters that count toward repeats, as positions (4 bytes each), to be sorted by
    // key: however many distinct keys a paste holds, no map of them is built.
    let mut counted: Vec<u32> = Vec::with_capacity(params.len());
    let mut signed = false;
    for (i, p) in params.iter().enumerate() {
        if split.get(i).copied().unwrap_or(false) {
            continue;
        }
        let place = Some(Position {
            part: p.part(),
            at: p.at,
        });
        if !p.decodes {
            malformed_escape(p, place, findings);
        }
        let key = p.key();
        if key == "signature" {
            signed = true;
            continue;
        }
        counted.extend(u32::try_from(i).ok());
        plus_in_value(p, &key, place, findings);
        values(&key, &p.value(), input, place, findings);
    }
    repeats(params, counted, signed, findings);
    client_rewrites(input.query, findings);
    let last = |name: &str| {
        params
            .iter()
            .rev()
            .find(|p| p.key() == name)
            .map(Param::value)
    };
    let (timestamp, recv_window) = (last("timestamp"), last("recvWindow"));
    timing(
        timestamp.as_deref(),
        recv_window.as_deref(),
        input,
        findings,
    );
}

/// Empty segments (`&&`, or `&` at an end), counted into one finding.
fn empty_segments(sent: &ReadRequest<'_>, findings: &mut Findings) {
    if let Some(&(part, at)) = sent.empty_at.first() {
        let mut finding = Finding::new(
            Code::EmptyValue,
            format!(
                "{part}: an empty parameter at byte {at} (`&&`, or `&` at an end); Binance signs those bytes too, and answers -1102 or -1022"
            ),
            "join the parameters with one `&` each, none at the ends",
        );
        finding.count = sent.empty;
        finding.positions = sent
            .empty_at
            .iter()
            .map(|&(part, at)| Position { part, at })
            .collect();
        findings.push(finding);
    }
}

/// A segment that does not decode.
fn malformed_escape(p: &Param<'_>, place: Option<Position>, findings: &mut Findings) {
    if findings.tally(Code::MalformedEscape, place) {
        return;
    }
    findings.push(
            Finding::new(
                Code::MalformedEscape,
                format!(
                    "{}: `{}` at byte {} has a `%` not followed by two hex digits, or escapes that are not UTF-8",
                    p.part(),
                    excerpt(p.segment, 80),
                    p.at
                ),
                "percent-encode the UTF-8 bytes of the text as %XX, and a literal `%` as %25",
            )
            .at(p.part(), p.at),
        );
}

/// A raw `+` in a value, which Binance reads as a space.
fn plus_in_value(p: &Param<'_>, key: &str, place: Option<Position>, findings: &mut Findings) {
    if let Some(raw) = p.raw_value().filter(|v| v.contains('+'))
        && !findings.tally(Code::PlusInValue, place)
    {
        findings.push(
            Finding::new(
                Code::PlusInValue,
                format!(
                    "`{}` holds a raw `+`, which Binance reads as a space: `{}`",
                    excerpt(key, 40),
                    excerpt(&p.value(), 60)
                ),
                format!(
                    "if it is a plus sign, send it as %2B: {}={}",
                    excerpt(p.raw_key(), 40),
                    excerpt(&raw.replace('+', "%2B"), 80)
                ),
            )
            .warning()
            .at(p.part(), p.at),
        );
    }
}

/// A byte of the query that HTTP clients change before sending.
fn client_rewrites(query: &str, findings: &mut Findings) {
    if let Some(rewrite) = client_rewrite(query) {
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
        }.at(crate::Part::Query, at));
    }
}

/// Repeated keys, judged by the rule book, and a signed request's `timestamp`: the positions
/// in `counted` are sorted by key (stably, so each run starts at the key's first occurrence)
/// and each run of one key is one decision.
fn repeats(params: &[Param<'_>], mut counted: Vec<u32>, signed: bool, findings: &mut Findings) {
    let key = |i: u32| params[i as usize].key();
    counted.sort_by(|&a, &b| key(a).cmp(&key(b)));
    let mut has_timestamp = false;
    let mut broken_runs: Vec<(u32, Violation)> = Vec::new();
    for run in counted.chunk_by(|&a, &b| key(a) == key(b)) {
        let name = key(run[0]);
        has_timestamp |= name == "timestamp";
        if run.len() < 2 {
            continue;
        }
        let in_body = run.iter().filter(|&&i| params[i as usize].in_body).count();
        if let Err(violation) = check_repeats(&name, run.len() - in_body, in_body) {
            broken_runs.push((run[0], violation));
        }
    }
    if let Err(violation) = check_signed(signed, has_timestamp) {
        findings.push(broken("timestamp", "", violation));
    }
    // In the order first sent, so the first finding shown is the first key repeated.
    broken_runs.sort_by_key(|run| run.0);
    for (first, violation) in broken_runs {
        if !findings.tally(code_of(violation), None) {
            let p = &params[first as usize];
            findings.push(broken(&p.key(), &p.value(), violation));
        }
    }
}

/// The finding code of a rule-book violation.
fn code_of(violation: Violation) -> Code {
    // Every rule-book code is one of the doctor's (a test in `rules` holds them to it).
    Code::from_text(violation.code()).unwrap_or(Code::UnknownMismatch)
}

/// The finding for `key`'s value breaking a rule of the [rule book](crate::rules).
pub(super) fn broken(key: &str, value: &str, violation: Violation) -> Finding {
    Finding::new(
        code_of(violation),
        violation.describe(key, value),
        violation.fix(),
    )
}

/// Values that start a JSON array or object sent unencoded and cut by a raw `&` (found by the
/// rule book, [`crate::rules::json_splits`]): each is one finding, and the fragments (marked in
/// the returned flags) get no other findings.
fn json_splits(params: &[Param<'_>], findings: &mut Findings) -> Vec<bool> {
    let mut consumed = vec![false; params.len()];
    let splits = crate::rules::json_splits(params.len(), |i| {
        let p = &params[i];
        (p.in_body, p.key(), p.raw_value().map(|_| p.value()))
    });
    for split in splits {
        let p = &params[split.start];
        let place = Some(Position {
            part: p.part(),
            at: p.at,
        });
        if !findings.tally(Code::JsonValueSplit, place) {
            findings.push(
                Finding::new(
                    Code::JsonValueSplit,
                    format!(
                        "`{}` holds JSON sent unencoded: the raw `&` inside it cut it into {} parameters, so Binance reads `{}={}` and no valid JSON",
                        excerpt(&p.key(), 40),
                        split.end - split.start + 1,
                        excerpt(p.raw_key(), 40),
                        excerpt(&p.value(), 60)
                    ),
                    format!("percent-encode the whole JSON value (`&` is %26, `\"` is %22) before signing, e.g. {}", excerpt(&crate::encoding::encode(&split.text), 80)),
                )
                .at(p.part(), p.at),
            );
        }
        for flag in &mut consumed[split.start..=split.end] {
            *flag = true;
        }
    }
    consumed
}

/// The rule book's checks of one decoded value, whatever the API form.
pub(super) fn values(
    key: &str,
    value: &str,
    input: &Input<'_>,
    place: Option<Position>,
    findings: &mut Findings,
) {
    if let Err(violation) = check_value(key, value, input.product)
        && !findings.tally(code_of(violation), place)
    {
        let finding = broken(key, value, violation);
        findings.push(match place {
            Some(place) => finding.at(place.part, place.at),
            None => finding,
        });
    }
}

/// The checks of a WebSocket request's decoded members.
pub(super) fn members(pairs: &[(String, String)], input: &Input<'_>, findings: &mut Findings) {
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
        values(key, value, input, None, findings);
    }
    let has = |name: &str| seen.contains(name);
    if let Err(violation) = check_signed(has("signature"), has("timestamp")) {
        findings.push(broken("timestamp", "", violation));
    }
    let last = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    timing(last("timestamp"), last("recvWindow"), input, findings);
}

/// The window check against the server time at arrival (the format of `timestamp` and
/// `recvWindow` is the rule book's, checked with the other values).
fn timing(
    timestamp: Option<&str>,
    recv_window: Option<&str>,
    input: &Input<'_>,
    findings: &mut Findings,
) {
    let Some(server) = input.server_time else {
        return;
    };
    let recv_window = match recv_window.map(str::parse::<RecvWindow>) {
        Some(Err(_)) => return,
        Some(Ok(rw)) => Some(rw),
        None => None,
    };
    let Some(Ok(timestamp)) = timestamp.map(parse_timestamp) else {
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
    findings: &mut Findings,
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
