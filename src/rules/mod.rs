//! Binance's format rules for parameters, as one rule book: the oracle ([`check`](crate::check)),
//! the doctor ([`diagnose`](crate::diagnose)) and [`Params`](crate::Params) all ask it, so they
//! never disagree about what Binance refuses.
//!
//! The rules are data: [`rows`] lists which keys are plain decimals, integers, JSON lists,
//! ARRAY parameters that may repeat, and the `timestamp` and `recvWindow` rules, each row
//! citing the Binance documentation it comes from. [`check_value`] and [`check_repeats`] apply
//! them and return a typed [`Violation`]; each tool maps it to its own finding code.
//!
//! ```
//! use binance_sign::Product;
//! use binance_sign::rules::{Violation, check_repeats, check_value};
//! assert_eq!(check_value("quantity", "1e-05", None), Err(Violation::NotDecimal));
//! assert_eq!(check_value("quantity", "0.00001", None), Ok(()));
//! assert_eq!(check_value("orderId", "12.0", None), Err(Violation::NotInteger));
//! assert_eq!(check_value("symbols", r#"["BTCUSDT", "BNBUSDT"]"#, None), Err(Violation::ListNotCompact));
//! assert_eq!(check_value("symbols", "['BTCUSDT','BNBUSDT']", None), Err(Violation::ListNotJson));
//! assert_eq!(check_value("symbols", "BTCUSDT,BNBUSDT", None), Ok(())); // isolated margin
//! assert_eq!(check_value("permissions", "SPOT", None), Ok(()));
//! assert_eq!(
//!     check_value("recvWindow", "6000.5", Some(Product::UsdMFutures)),
//!     Err(Violation::RecvWindowFractional(Product::UsdMFutures))
//! );
//! assert_eq!(check_repeats("side", 2, 0), Err(Violation::Repeated { count: 2 }));
//! assert_eq!(check_repeats("asset", 2, 0), Ok(()));
//! ```

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use crate::encoding::is_digits;
use crate::product::Product;
use crate::source::reasons;
use crate::time::error::{RecvWindowRule, TimeError};
use crate::time::recv_window::RecvWindow;
use crate::time::timestamp::parse_timestamp;
use crate::time::unit::TimeUnit;

pub(crate) mod decimal;
mod json_split;
mod rewrite;
mod table;

pub(crate) use json_split::json_splits;
pub(crate) use rewrite::client_rewrite;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// Binance refuses the request (or checks other bytes than were signed).
    Error,
    /// Binance may read the request differently from what was meant; legal as it is.
    Warning,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// What a value must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Any text (only the rules every parameter shares apply).
    Text,
    /// A plain decimal: `^([0-9]{1,20})(\.[0-9]{1,20})?$`.
    Decimal,
    /// A whole number: digits only, fitting a signed 64-bit LONG.
    Integer,
    /// A list: one compact JSON array (no whitespace outside strings) when it starts with
    /// `[`; a single value, or the comma-separated form some endpoints document
    /// (`symbols=BTCUSDT,BNBUSDT` on isolated margin), otherwise.
    JsonList,
    /// Milliseconds since the epoch (or microseconds, on spot).
    Timestamp,
    /// Milliseconds, at most 60000 (up to three decimals on spot).
    RecvWindow,
}

/// Whether a key may be sent more than once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Repeat {
    /// Once per request (`-1101` otherwise).
    Once,
    /// An ARRAY parameter: repeated within one part (`asset=BTC&asset=USDT`).
    Array,
}

/// Which keys a row covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Keys {
    /// These exact keys.
    Exact(&'static [&'static str]),
    /// Keys ending with one of these (case-sensitive).
    Suffix(&'static [&'static str]),
}

impl Keys {
    fn matches(self, key: &str) -> bool {
        match self {
            Keys::Exact(keys) => keys.contains(&key),
            Keys::Suffix(ends) => ends
                .iter()
                .any(|end| key.len() > end.len() && key.ends_with(end)),
        }
    }
}

/// One row of the rule book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Row {
    /// The keys it covers.
    pub keys: Keys,
    /// What their values must look like.
    pub format: Format,
    /// Whether they may repeat.
    pub repeat: Repeat,
    /// The Binance documentation the row comes from.
    pub source: &'static str,
}

/// Every row of the rule book; the first row matching a key decides.
pub fn rows() -> &'static [Row] {
    table::ROWS
}

/// The row for `key`, if any (keys without one are text that must not repeat).
pub fn row_for(key: &str) -> Option<&'static Row> {
    // The exact keys in a map built once (FNV-1a: keys are short, and the map is ours), then
    // the rows by suffix, in table order. The first row naming a key exactly wins, as in a
    // scan of the table.
    type Exact = HashMap<&'static str, usize, BuildHasherDefault<Fnv>>;
    static EXACT: OnceLock<Exact> = OnceLock::new();
    let exact = EXACT.get_or_init(|| {
        let mut exact = Exact::default();
        for (i, row) in table::ROWS.iter().enumerate() {
            if let Keys::Exact(keys) = row.keys {
                for k in keys {
                    exact.entry(*k).or_insert(i);
                }
            }
        }
        exact
    });
    if let Some(&i) = exact.get(key) {
        return table::ROWS.get(i);
    }
    table::ROWS
        .iter()
        .find(|row| matches!(row.keys, Keys::Suffix(_)) && row.keys.matches(key))
}

/// FNV-1a, for the rule book's map of a few dozen short keys.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A rule a parameter breaks. `Display` says what is wrong and Binance's answer; the key is
/// the caller's to name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// An empty value (`-1102`).
    #[error("has an empty value; Binance answers -1102")]
    Empty,
    /// Not a plain decimal (`-1100`).
    #[error(
        "is not a plain decimal (1 to 20 digits, optionally a point and 1 to 20 digits; no sign, exponent or comma); Binance answers -1100"
    )]
    NotDecimal,
    /// Not a whole number (`-1100`).
    #[error("is not a whole number (digits only, at most 19); Binance answers -1100")]
    NotInteger,
    /// A list parameter that is not one JSON array (`-1100`).
    #[error(
        "is not one JSON array (double quotes, e.g. [\"BTCUSDT\",\"BNBUSDT\"]); Binance answers -1100"
    )]
    ListNotJson,
    /// A JSON list with whitespace (`-1100`).
    #[error("is a JSON list with spaces; Binance answers -1100")]
    ListNotCompact,
    /// A list sent as indexed keys, `symbols[]=...` (`-1101`/`-1100`).
    #[error("sends a list as indexed keys; Binance answers -1101/-1100")]
    IndexedKey,
    /// A `timestamp` in seconds.
    #[error("is in seconds; Binance takes milliseconds (-1021)")]
    TimestampSeconds,
    /// A `timestamp` that is not a whole number of milliseconds after 2017 (`-1100`/`-1021`).
    #[error("is not a whole number of milliseconds after 2017; Binance answers -1100 or -1021")]
    TimestampMalformed,
    /// A `timestamp` in microseconds to a product that takes milliseconds.
    #[error("is in microseconds, which only spot accepts, not {0}")]
    TimestampMicros(Product),
    /// A `recvWindow` Binance does not take (`-1131`/`-1100`); the rule broken.
    #[error("is not a recvWindow Binance takes: {0}")]
    RecvWindow(RecvWindowRule),
    /// A fractional `recvWindow` to a product that takes whole milliseconds.
    #[error("has decimals, which only spot accepts, not {0}")]
    RecvWindowFractional(Product),
    /// A key repeated within one part that is not an ARRAY parameter (`-1101`).
    #[error(
        "is sent {count} times; only ARRAY parameters (such as `asset` on /sapi/v1/asset/dust) may repeat, Binance answers -1101"
    )]
    Repeated {
        /// How many times it was sent.
        count: usize,
    },
    /// A signed request without `timestamp` (`-1102`).
    #[error("is missing: a signed request needs `timestamp`; Binance answers -1102")]
    TimestampMissing,
    /// A key in both the query and the body (`-1101`, or Binance reads the query's).
    #[error("is sent in both the query and the body; Binance answers -1101 (or reads the query's)")]
    InBothParts,
}

impl Violation {
    /// The finding code `check` and `diagnose` both report it under (`number-format`,
    /// `list-format`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Violation::Empty => "empty-value",
            Violation::NotDecimal | Violation::NotInteger => "number-format",
            Violation::ListNotJson | Violation::ListNotCompact | Violation::IndexedKey => {
                "list-format"
            }
            Violation::TimestampSeconds | Violation::TimestampMicros(_) => "timestamp-unit",
            Violation::TimestampMalformed => "timestamp-malformed",
            Violation::TimestampMissing => "timestamp-missing",
            Violation::RecvWindow(_) | Violation::RecvWindowFractional(_) => "recv-window-invalid",
            Violation::Repeated { .. } | Violation::InBothParts => "duplicate-parameter",
        }
    }

    /// What is wrong, in one line: the parameter (`key=value` when the rule is about the
    /// value, the key alone when it is about the key or its repeats) and the rule broken.
    ///
    /// ```
    /// use binance_sign::rules::Violation;
    /// assert_eq!(
    ///     Violation::NotInteger.describe("orderId", "12.0"),
    ///     "`orderId=12.0` is not a whole number (digits only, at most 19); Binance answers -1100"
    /// );
    /// ```
    pub fn describe(self, key: &str, value: &str) -> String {
        use crate::source::excerpt;
        match self {
            Violation::Repeated { .. }
            | Violation::InBothParts
            | Violation::IndexedKey
            | Violation::TimestampMissing => format!("parameter `{}` {self}", excerpt(key, 40)),
            _ => format!("`{}={}` {self}", excerpt(key, 40), excerpt(value, 60)),
        }
    }

    /// What to change, in one line.
    pub fn fix(self) -> &'static str {
        match self {
            Violation::Empty => "leave the parameter out, or give it a value",
            Violation::NotDecimal => {
                "write numbers as plain decimals with a point, e.g. 0.00001 (format floats without exponent, sign or comma)"
            }
            Violation::NotInteger => "send digits only, e.g. 12 (no point, sign or words)",
            Violation::ListNotJson | Violation::ListNotCompact | Violation::IndexedKey => {
                "send one parameter holding a compact JSON array, e.g. symbols=[\"BTCUSDT\",\"BNBUSDT\"] (then percent-encoded)"
            }
            Violation::TimestampSeconds | Violation::TimestampMalformed => {
                "send the current time in milliseconds since the epoch: 13 digits, e.g. 1700000000000"
            }
            Violation::TimestampMicros(_) => "send milliseconds (13 digits)",
            Violation::RecvWindow(_) => {
                "use a recvWindow of at most 60000 ms (5000 is Binance's default); fix the clock instead of widening the window"
            }
            Violation::RecvWindowFractional(_) => "use a whole number of milliseconds",
            Violation::Repeated { .. } => {
                "send the key once (or as one JSON list if the endpoint takes a list)"
            }
            Violation::InBothParts => "send the key once, in either the query or the body",
            Violation::TimestampMissing => {
                "append timestamp=<milliseconds since the epoch> before the signature"
            }
        }
    }
}

/// Checks one decoded value of `key` against the rule book: the rules every parameter shares
/// (not empty, no indexed list keys, JSON lists compact), then its row's format. `product`,
/// when known, applies the rules that differ between products; unknown, the widest (spot's)
/// apply. Of `signature` only emptiness is judged (its form is the signer's).
///
/// # Errors
///
/// The first [`Violation`] found.
pub fn check_value(key: &str, value: &str, product: Option<Product>) -> Result<(), Violation> {
    check_empty(value)?;
    if key == "signature" {
        return Ok(());
    }
    if key.ends_with(']') && key.contains('[') {
        return Err(Violation::IndexedKey);
    }
    let format = row_for(key).map_or(Format::Text, |row| row.format);
    match format {
        Format::Text => json_list(value, false),
        Format::Decimal => decimal::is_plain(value)
            .then_some(())
            .ok_or(Violation::NotDecimal),
        Format::Integer => (is_digits(value) && value.parse::<i64>().is_ok())
            .then_some(())
            .ok_or(Violation::NotInteger),
        Format::JsonList => json_list(value, value.starts_with('[')),
        Format::Timestamp => timestamp(value, product),
        Format::RecvWindow => recv_window(value, product),
    }
}

/// The rule of a signed request: it carries a `timestamp`.
///
/// # Errors
///
/// [`Violation::TimestampMissing`] when `signed` and not `has_timestamp`.
pub fn check_signed(signed: bool, has_timestamp: bool) -> Result<(), Violation> {
    if signed && !has_timestamp {
        Err(Violation::TimestampMissing)
    } else {
        Ok(())
    }
}

/// The rule every value keeps, whatever its key: not empty (`-1102`). [`Params`](crate::Params)
/// applies it at `push`.
///
/// # Errors
///
/// [`Violation::Empty`].
#[inline]
pub fn check_empty(value: &str) -> Result<(), Violation> {
    if value.is_empty() {
        Err(Violation::Empty)
    } else {
        Ok(())
    }
}

/// Checks how often `key` was sent: `in_query` times in the query and `in_body` in the body.
///
/// # Errors
///
/// [`Violation::InBothParts`], or [`Violation::Repeated`] for a key that is not an ARRAY
/// parameter sent more than once.
pub fn check_repeats(key: &str, in_query: usize, in_body: usize) -> Result<(), Violation> {
    if in_query > 0 && in_body > 0 {
        return Err(Violation::InBothParts);
    }
    let count = in_query + in_body;
    if count > 1 && row_for(key).is_none_or(|row| row.repeat != Repeat::Array) {
        return Err(Violation::Repeated { count });
    }
    Ok(())
}

/// Checks a whole list of decoded pairs, all in one part, as [`check_value`] and
/// [`check_repeats`] do: returns the first key that breaks a rule, with the rule.
///
/// ```
/// use binance_sign::rules::{Violation, check_pairs};
/// assert_eq!(check_pairs(&[("asset", "BTC"), ("asset", "USDT")], None), Ok(()));
/// assert_eq!(
///     check_pairs(&[("side", "BUY"), ("side", "SELL")], None),
///     Err(("side", Violation::Repeated { count: 2 }))
/// );
/// ```
///
/// # Errors
///
/// The first key breaking a rule, and the [`Violation`].
pub fn check_pairs<'a>(
    pairs: &[(&'a str, &'a str)],
    product: Option<Product>,
) -> Result<(), (&'a str, Violation)> {
    for &(key, value) in pairs {
        check_value(key, value, product).map_err(|v| (key, v))?;
    }
    let mut keys: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    keys.sort_unstable();
    for run in keys.chunk_by(|a, b| a == b) {
        check_repeats(run[0], run.len(), 0).map_err(|v| (run[0], v))?;
    }
    Ok(())
}

/// A JSON list must be one compact array; `required` for list parameters, else only a value
/// that is a JSON array is held to it.
fn json_list(value: &str, required: bool) -> Result<(), Violation> {
    let looks = value.starts_with('[') && value.ends_with(']');
    if !looks && !required {
        return Ok(());
    }
    match serde_json::from_str::<serde::de::IgnoredAny>(value) {
        Ok(_) if looks => {
            if spaced(value) {
                Err(Violation::ListNotCompact)
            } else {
                Ok(())
            }
        }
        _ if required => Err(Violation::ListNotJson),
        _ => Ok(()),
    }
}

/// Whether JSON text holds whitespace outside its strings.
fn spaced(json: &str) -> bool {
    let (mut in_string, mut escaped) = (false, false);
    for b in json.bytes() {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') | (false, _, b'"') => in_string = !in_string,
            (false, _, b' ' | b'\t' | b'\n' | b'\r') => return true,
            _ => {}
        }
    }
    false
}

fn timestamp(value: &str, product: Option<Product>) -> Result<(), Violation> {
    match parse_timestamp(value) {
        Ok(t) if t.unit() == TimeUnit::Micros => match product {
            Some(p) if !p.allows_micros() => Err(Violation::TimestampMicros(p)),
            _ => Ok(()),
        },
        Ok(_) => Ok(()),
        Err(_) if value.len() == 10 && is_digits(value) => Err(Violation::TimestampSeconds),
        Err(_) => Err(Violation::TimestampMalformed),
    }
}

fn recv_window(value: &str, product: Option<Product>) -> Result<(), Violation> {
    match value.parse::<RecvWindow>() {
        Ok(rw) => match product {
            Some(p) if rw.is_fractional() && !p.allows_fractional_recv_window() => {
                Err(Violation::RecvWindowFractional(p))
            }
            _ => Ok(()),
        },
        Err(TimeError::RecvWindowInvalid { rule, .. }) => Err(Violation::RecvWindow(rule)),
        Err(_) => Err(Violation::RecvWindow(RecvWindowRule::NotDigits)),
    }
}

reasons! {
    /// Why a number cannot be written the way Binance reads decimals.
    pub enum NumberRule {
        /// NaN or an infinity.
        NotFinite => "is not a finite number; Binance reads decimals only",
        /// More than 20 digits on a side of the point.
        TooManyDigits => "has more than 20 digits before or after the point, which Binance does not read",
    }
}

/// The float rule [`Params`](crate::Params) applies at `push` (Binance reads decimals as
/// [`Format::Decimal`]; Rust's `Display` for floats never writes an exponent, so what remains
/// to refuse is NaN, the infinities and more than 20 digits either side of the point).
///
/// Whether `text`, a float's `Display` output, is a decimal Binance reads: an optional `-`, 1 to
/// 20 digits, optionally a point and 1 to 20 digits. `NaN`, `inf` and `-inf` are refused as
/// not finite.
///
/// The sign is left to the caller (Binance's number rules are per parameter).
pub(crate) fn float_text(text: &str) -> Result<(), NumberRule> {
    if matches!(text, "NaN" | "inf" | "-inf") {
        return Err(NumberRule::NotFinite);
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    if decimal::is_plain(unsigned) {
        Ok(())
    } else {
        Err(NumberRule::TooManyDigits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_violation_code_is_a_code_of_both_tools() {
        let p = Product::UsdMFutures;
        for v in [
            Violation::Empty,
            Violation::NotDecimal,
            Violation::NotInteger,
            Violation::ListNotJson,
            Violation::ListNotCompact,
            Violation::IndexedKey,
            Violation::TimestampSeconds,
            Violation::TimestampMalformed,
            Violation::TimestampMicros(p),
            Violation::TimestampMissing,
            Violation::RecvWindow(RecvWindowRule::Zero),
            Violation::RecvWindowFractional(p),
            Violation::Repeated { count: 2 },
            Violation::InBothParts,
        ] {
            assert!(crate::check::Code::from_text(v.code()).is_some(), "{v:?}");
            assert!(
                crate::diagnose::Code::from_text(v.code()).is_some(),
                "{v:?}"
            );
        }
    }

    #[test]
    fn floats_as_binance_reads_them() {
        for ok in [
            "0",
            "-1.5",
            "0.00001",
            "12345678901234567890.12345678901234567890",
        ] {
            assert_eq!(float_text(ok), Ok(()), "{ok}");
        }
        for (bad, rule) in [
            ("NaN", NumberRule::NotFinite),
            ("inf", NumberRule::NotFinite),
            ("-inf", NumberRule::NotFinite),
            ("1000000000000000000000", NumberRule::TooManyDigits),
            ("0.000000000000000000001", NumberRule::TooManyDigits),
        ] {
            assert_eq!(float_text(bad), Err(rule), "{bad}");
        }
        assert_eq!(
            float_text(&1e21_f64.to_string()),
            Err(NumberRule::TooManyDigits)
        );
        assert_eq!(
            float_text(&1e-21_f64.to_string()),
            Err(NumberRule::TooManyDigits)
        );
        assert_eq!(float_text(&1e19_f64.to_string()), Ok(()));
    }
}
