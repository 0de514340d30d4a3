//! Findings read from the request's shape, whatever the signature says.

use super::{Code, Finding, Input};
use crate::product::Product;
use crate::recv_window::RecvWindow;
use crate::window::{WindowVerdict, check_window};
use crate::wire::parse_timestamp;

/// Checks the decoded `(key, value)` pairs, in the order sent.
pub(super) fn structure(
    pairs: &[(String, String)],
    input: &Input<'_>,
    findings: &mut Vec<Finding>,
) {
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in pairs {
        if seen.contains(&key.as_str()) {
            findings.push(Finding::new(
                Code::DuplicateParameter,
                format!("parameter `{key}` is sent more than once; Binance answers -1101 (or takes the query's value)"),
                format!("send `{key}` once, in either the query or the body"),
            ));
        }
        seen.push(key);
        if value.is_empty() && key != "signature" {
            findings.push(Finding::new(
                Code::EmptyValue,
                format!("parameter `{key}` has an empty value; Binance answers -1102"),
                format!("leave `{key}` out, or give it a value"),
            ));
        }
        list_format(key, value, findings);
        number_format(key, value, findings);
    }
    timing(pairs, input, findings);
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
                value.replace(" ", "")
            ),
        ));
    }
}

fn number_format(key: &str, value: &str, findings: &mut Vec<Finding>) {
    let digits = crate::encoding::is_digits;
    let mantissa = |s: &str| {
        let s = s.strip_prefix('-').unwrap_or(s);
        match s.split_once('.') {
            Some((a, b)) => digits(a) && digits(b),
            None => digits(s),
        }
    };
    let exponent = value
        .split_once(['e', 'E'])
        .is_some_and(|(m, e)| mantissa(m) && digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    let comma = value
        .split_once(',')
        .is_some_and(|(a, b)| digits(a) && digits(b) && !b.contains(','));
    if exponent || comma || matches!(value, "NaN" | "nan" | "inf" | "-inf" | "Infinity") {
        findings.push(Finding::new(
            Code::NumberFormat,
            format!("`{key}={value}` is not a decimal Binance reads (no exponent, no decimal comma); Binance answers -1100"),
            "write numbers as plain decimals with a point, e.g. 0.00001 (format floats without exponent)",
        ));
    }
}

fn timing(pairs: &[(String, String)], input: &Input<'_>, findings: &mut Vec<Finding>) {
    let get = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
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
        findings.push(Finding::new(
            Code::NumberFormat,
            format!("timestamp={text} is not a millisecond (or microsecond) time after 2017; Binance answers -1102 or -1021"),
            "send the current time in milliseconds since the epoch, e.g. 1700000000000",
        ));
        return;
    };
    if let Some(product) = input.product {
        if product != Product::Spot && timestamp.value() > crate::timestamp::MAX_TIMESTAMP_MILLIS {
            findings.push(Finding::new(
                Code::TimestampAhead,
                format!(
                    "timestamp={text} is in microseconds, which only spot accepts, not {product}"
                ),
                "send milliseconds",
            ));
        }
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
                "your clock runs about {skew_ms} ms fast: an offset of {} ms would have worked; estimate it with TimeSync from GET /api/v3/time",
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
                "your clock runs about {} ms slow (or the request was delayed): an offset of +{} ms would have worked; estimate it with TimeSync rather than widening recvWindow",
                -skew_ms, -skew_ms
            ),
        )),
        _ => {}
    }
}

/// Findings about the API key itself, from the error code Binance answered.
pub(super) fn api_key(
    signer_api_key: &str,
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
            let shape = if signer_api_key.len() == 64 && signer_api_key.bytes().all(|b| b.is_ascii_alphanumeric()) {
                String::new()
            } else {
                format!(" (the key given here has {} characters; Binance keys are 64 letters and digits)", signer_api_key.len())
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
