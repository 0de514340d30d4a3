//! An oracle for fuzzing other encoders: do these bytes carry exactly the parameters meant,
//! and will Binance accept them?
//!
//! Give [`check`] the parameters an encoder was asked to send (an ordered list of key, value
//! and [`Kind`]; a repeated key once per value), the query and body it produced, and
//! optionally a [`Signer`] to check the signature. The [`Verdict`] is `ok`, or findings with a
//! stable code, the key concerned and a message naming the expected and the actual text.
//! Decoding is Binance's: form decoding, `+` is a space. `recvWindow`, `timestamp` and
//! `signature` are never "unexpected": they are compared when listed, and otherwise must come
//! at most once each; a `signature` must be the last parameter (with a signer, also match),
//! and a signed request needs a `timestamp`.
//!
//! ```
//! use binance_sign::check::{check, Code, Expect};
//! let expect = [Expect::text("email", "alice+tag@example.com"), Expect::decimal("quantity", "0.00001")];
//! // A form encoder that leaves `+` raw (Binance reads a space) and floats in exponent form:
//! let verdict = check(&expect, "email=alice+tag%40example.com&quantity=1e-05", "", None);
//! let codes: Vec<Code> = verdict.findings.iter().map(|f| f.code).collect();
//! assert_eq!(codes, [Code::ValueMismatch, Code::NumberFormat]);
//! assert!(check(&expect, "email=alice%2Btag%40example.com&quantity=0.000010", "", None).ok);
//! ```
//!
//! From any language, the `binance-sign check --jsonl` command speaks the same protocol over
//! standard input and output ([`serve_jsonl`]).

use std::borrow::Cow;

use serde::Serialize;

use crate::codes::finding_codes;
use crate::product::Product;
use crate::rules::decimal::canonical as canonical_decimal;
use crate::rules::{
    Violation, check_repeats, check_signed, check_value, client_rewrite, json_splits,
};
use crate::signer::Signer;

use crate::rules::Severity;

mod jsonl;
mod sent;

use crate::source::excerpt;
use sent::{KeyIndex, Odd, Request};

pub use jsonl::{Stats, serve_jsonl, verdict_line};

/// How an expected value is compared with what was sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// The exact text, after decoding.
    #[default]
    Text,
    /// A plain decimal (sign allowed, no exponent), numerically equal: `0.00001` matches
    /// `0.000010`, not `1e-05`. The expectation itself may use an exponent.
    Decimal,
    /// Equal as JSON values (key order and whitespace do not matter).
    Json,
}

impl Kind {
    /// `text`, `decimal` or `json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Decimal => "decimal",
            Kind::Json => "json",
        }
    }

    /// Reads `text`, `decimal` or `json`.
    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "text" => Some(Kind::Text),
            "decimal" => Some(Kind::Decimal),
            "json" => Some(Kind::Json),
            _ => None,
        }
    }
}

/// One expected parameter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expect<'a> {
    /// The key.
    pub key: Cow<'a, str>,
    /// The value meant (raw text).
    pub value: Cow<'a, str>,
    /// How to compare it.
    pub kind: Kind,
}

impl<'a> Expect<'a> {
    /// An expectation of `kind`.
    pub fn new(key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>, kind: Kind) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            kind,
        }
    }

    /// The exact text.
    pub fn text(key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        Self::new(key, value, Kind::Text)
    }

    /// A decimal.
    pub fn decimal(key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        Self::new(key, value, Kind::Decimal)
    }

    /// A JSON value.
    pub fn json(key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        Self::new(key, value, Kind::Json)
    }
}

finding_codes! {
    MissingParameter => "missing-parameter", "An expected key was not sent.";
    UnexpectedParameter => "unexpected-parameter", "A key was sent that was not expected.";
    RepeatedParameter => "repeated-parameter", "A key was sent a different number of times than expected.";
    ValueMismatch => "value-mismatch", "A value reads (after Binance's decoding) differently from what was meant.";
    NumberFormat => "number-format", "A decimal sent in exponent form, with a comma, or otherwise not plain.";
    EmptyValue => "empty-value", "An empty value (Binance refuses it, -1102).";
    MalformedEscape => "malformed-escape", "A `%` not followed by two hex digits, or escapes that are not UTF-8.";
    ClientWouldReencode => "client-would-reencode", "Bytes in the query string that HTTP clients change before sending (raw space, quotes, braces, non-ASCII, `#`, ...).";
    SignatureMissing => "signature-missing", "No `signature` parameter.";
    SignatureNotLast => "signature-not-last", "`signature` is not the last parameter of the last part.";
    SignatureInvalid => "signature-invalid", "The signature does not match the bytes (Binance answers -1022).";
    TimestampMissing => "timestamp-missing", "No `timestamp` on a signed request (-1102).";
    ListFormat => "list-format", "A list parameter that is not one compact JSON array, or a list sent as indexed keys (-1100/-1101).";
    TimestampMalformed => "timestamp-malformed", "`timestamp` is not a whole number of milliseconds after 2017 (-1100/-1021).";
    TimestampUnit => "timestamp-unit", "`timestamp` in seconds, or in microseconds to a product that takes milliseconds.";
    RecvWindowInvalid => "recv-window-invalid", "`recvWindow` over 60000, malformed, or fractional where not allowed (-1131/-1100).";
    JsonValueSplit => "json-value-split", "A JSON value sent unencoded and cut by a raw `&` inside it: Binance reads no valid JSON.";
    DuplicateParameter => "duplicate-parameter", "A key that is not an ARRAY parameter sent more than once, or a key in both query and body (-1101).";
    BadInput => "bad-input", "A JSON-lines input that cannot be read (only from `serve_jsonl`).";
}

impl Code {
    /// Whether findings of this code come from the [rule book](crate::rules): a value, key or
    /// shape Binance refuses even when it is exactly what was meant (as opposed to bytes that
    /// carry something else than was meant, or a wrong signature).
    ///
    /// ```
    /// use binance_sign::check::Code;
    /// assert!(Code::NumberFormat.is_rule_book());
    /// assert!(!Code::ValueMismatch.is_rule_book());
    /// ```
    pub fn is_rule_book(self) -> bool {
        matches!(
            self,
            Code::NumberFormat
                | Code::ListFormat
                | Code::DuplicateParameter
                | Code::EmptyValue
                | Code::TimestampMalformed
                | Code::TimestampUnit
                | Code::TimestampMissing
                | Code::RecvWindowInvalid
                | Code::JsonValueSplit
        )
    }
}

/// One thing wrong with the bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// Error (Binance refuses it, or reads other values than meant) or warning (some HTTP
    /// clients change the bytes, others send them as they are).
    pub severity: Severity,
    /// The key concerned, if any.
    pub key: Option<String>,
    /// What is wrong, naming the expected and the actual text.
    pub message: String,
    /// How many findings this one stands for: 1, or for the last finding of a code met more
    /// than 8 times, how many more there were (the first 8 are listed in full).
    pub count: usize,
}

impl Finding {
    pub(crate) fn new(code: Code, key: Option<&str>, message: String) -> Self {
        Self {
            code,
            severity: Severity::Error,
            // A key is named in full up to 256 bytes: a report stays small whatever the line.
            key: key.map(|k| excerpt(k, 256)),
            message,
            count: 1,
        }
    }

    fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// The finding for `key`'s value breaking a rule of the [rule book](crate::rules).
    fn broken(key: &str, value: &str, violation: Violation) -> Self {
        // Every rule-book code is one of the oracle's (a test in `rules` holds them to it).
        let code = Code::from_text(violation.code()).unwrap_or(Code::BadInput);
        Self::new(code, Some(key), violation.describe(key, value))
    }
}

/// How many findings of one code a verdict lists in full; the rest are counted in one more.
const IN_FULL: usize = 8;

/// The findings of one verdict: of each code, the first [`IN_FULL`] in full and the rest
/// counted, so a verdict stays small whatever the line.
#[derive(Default)]
struct Findings {
    list: Vec<Finding>,
    /// Per code met: how many, and the first severity.
    seen: Vec<(Code, usize, Severity)>,
}

impl Findings {
    fn push(&mut self, finding: Finding) {
        match self
            .seen
            .iter_mut()
            .find(|(code, ..)| *code == finding.code)
        {
            Some((_, n, _)) => {
                *n += 1;
                if *n <= IN_FULL {
                    self.list.push(finding);
                }
            }
            None => {
                self.seen.push((finding.code, 1, finding.severity));
                self.list.push(finding);
            }
        }
    }

    fn verdict(self) -> Verdict {
        let mut findings = self.finish();
        // A decimal the comparison finds malformed is the rule book's `number-format` too:
        // said once per key (the comparison's message, naming the expected value, comes
        // first).
        let mut seen = std::collections::HashSet::new();
        findings.retain(|f| f.code != Code::NumberFormat || seen.insert(f.key.clone()));
        Verdict {
            ok: !findings.iter().any(|f| f.severity == Severity::Error),
            findings,
        }
    }

    fn finish(mut self) -> Vec<Finding> {
        for (code, n, severity) in self.seen {
            if n > IN_FULL {
                let mut more = Finding::new(
                    code,
                    None,
                    format!("and {} more findings of this kind", n - IN_FULL),
                );
                more.severity = severity;
                more.count = n - IN_FULL;
                self.list.push(more);
            }
        }
        self.list
    }
}

/// The oracle's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Verdict {
    /// Whether the bytes carry exactly what was meant and Binance will accept them: no finding
    /// is an error (warnings allowed).
    pub ok: bool,
    /// What is wrong, in the order found.
    pub findings: Vec<Finding>,
}

/// Checks the bytes an encoder produced for `expected`; see the [module documentation](self).
/// `signer`, when given, checks the signature (and that a `timestamp` is there).
///
/// ```
/// use binance_sign::check::{check, Expect};
/// use binance_sign::{Params, Signer, Timestamp};
/// let signer = Signer::hmac_without_api_key("secret")?;
/// let params = Params::try_from_pairs([("symbol", "１２３"), ("note", "a&b")])?;
/// let req = signer.sign_query(&params, Timestamp::from_millis(1_700_000_000_000)?, None)?;
/// let expect = [Expect::text("symbol", "１２３"), Expect::text("note", "a&b")];
/// assert!(check(&expect, req.query(), req.body(), Some(&signer)).ok);
/// # Ok::<(), binance_sign::Error>(())
/// ```
pub fn check(expected: &[Expect<'_>], query: &str, body: &str, signer: Option<&Signer>) -> Verdict {
    check_for(expected, query, body, signer, None)
}

/// [`check`] for a request to `product`: the rules that differ between products apply (a
/// fractional `recvWindow` or a microsecond `timestamp` is spot-only), as in the doctor's
/// [`Input::product`](crate::diagnose::Input). Without a product, the widest rules (spot's)
/// apply.
///
/// ```
/// use binance_sign::Product;
/// use binance_sign::check::{Code, Expect, check_for};
/// let expect = [Expect::text("symbol", "BTCUSDT")];
/// let query = "symbol=BTCUSDT&recvWindow=6000.5";
/// assert!(check_for(&expect, query, "", None, Some(Product::Spot)).ok);
/// let futures = check_for(&expect, query, "", None, Some(Product::UsdMFutures));
/// assert_eq!(futures.findings[0].code, Code::RecvWindowInvalid);
/// ```
pub fn check_for(
    expected: &[Expect<'_>],
    query: &str,
    body: &str,
    signer: Option<&Signer>,
    product: Option<Product>,
) -> Verdict {
    let mut findings = Findings::default();
    if !bytes_as_sent(query, body, &mut findings) {
        return findings.verdict();
    }
    let mut empty_segments = 0;
    let req = Request::read(query, body, |o| {
        match o {
        Odd::Empty { in_body, at } => {
            empty_segments += 1;
            if empty_segments == 1 {
                findings.push(Finding::new(
                    Code::EmptyValue,
                    None,
                    format!("the {} has an empty parameter at byte {at} (`&&`, or `&` at an end); Binance answers -1102 or checks other bytes", if in_body { "body" } else { "query" }),
                ));
            }
        }
        Odd::Malformed { raw_key, segment } => findings.push(Finding::new(
            Code::MalformedEscape,
            Some(raw_key),
            format!("`{}` does not decode: a `%` not followed by two hex digits, or escapes that are not UTF-8", excerpt(segment, 80)),
        )),
    }
    });
    for split in json_splits(req.len(), |i| {
        let value = req.sent[i].has_value.then(|| Cow::Borrowed(req.value(i)));
        (req.sent[i].in_body, Cow::Borrowed(req.key(i)), value)
    }) {
        let key = req.key(split.start);
        findings.push(Finding::new(
            Code::JsonValueSplit,
            Some(key),
            format!(
                "`{}` holds JSON sent unencoded: a raw `&` inside it cut it into {} parameters, so Binance reads no valid JSON (percent-encode `&` as %26)",
                excerpt(key, 40),
                split.end - split.start + 1
            ),
        ));
    }
    let actual = KeyIndex::new(req.len(), |i| req.key(i));
    let wanted = KeyIndex::new(expected.len(), |i| expected[i].key.as_ref());
    compare_expected(expected, &req, &actual, &wanted, &mut findings);
    judge_sent(&req, &actual, &wanted, product, &mut findings);
    let signatures = actual.count("signature");
    if signatures > 1 {
        findings.push(Finding::new(
            Code::RepeatedParameter,
            Some("signature"),
            format!("`signature` was sent {signatures} times; Binance takes the last parameter as the signature"),
        ));
    }
    let has = |key: &str| actual.first(key).is_some();
    let signed = has("signature");
    if signed || signer.is_some() {
        signature(signer, query, body, &req, &mut findings);
    }
    if let Err(violation) = check_signed(signed || signer.is_some(), has("timestamp")) {
        findings.push(Finding::broken("timestamp", "", violation));
    }
    findings.verdict()
}

/// What the bytes alone say before they are read: a byte an HTTP client would change, and a
/// request too long to read (`false`: stop there).
fn bytes_as_sent(query: &str, body: &str, findings: &mut Findings) -> bool {
    if let Some(rewrite) = client_rewrite(query) {
        let finding = Finding::new(
            Code::ClientWouldReencode,
            None,
            format!(
                "the query holds a raw {:?} at byte {}, which {} HTTP clients change before sending",
                rewrite.ch,
                rewrite.at,
                if rewrite.every { "all" } else { "some" }
            ),
        );
        findings.push(if rewrite.every {
            finding
        } else {
            finding.warning()
        });
    }
    if query.len() + body.len() > sent::MAX_LEN {
        findings.push(Finding::new(
            Code::BadInput,
            None,
            format!(
                "a request of {} bytes is over the {} bytes the oracle reads",
                query.len() + body.len(),
                sent::MAX_LEN
            ),
        ));
        return false;
    }
    true
}

/// Each expected key against what was sent: missing, sent another number of times, or with
/// another value.
fn compare_expected<'a, 'b>(
    expected: &[Expect<'_>],
    req: &Request<'_>,
    actual: &KeyIndex<'a, impl Fn(usize) -> &'a str>,
    wanted: &KeyIndex<'b, impl Fn(usize) -> &'b str>,
    findings: &mut Findings,
) {
    // Expected keys in the order first listed.
    for (index, e) in expected.iter().enumerate() {
        let key = e.key.as_ref();
        if wanted.first(key) != Some(index) {
            continue;
        }
        let (listed, sent_count) = (wanted.count(key), actual.count(key));
        if sent_count == 0 {
            findings.push(Finding::new(
                Code::MissingParameter,
                Some(key),
                format!("`{key}` was not sent; expected `{}`", excerpt(&e.value, 80)),
            ));
            continue;
        }
        if sent_count != listed {
            findings.push(Finding::new(
                Code::RepeatedParameter,
                Some(key),
                format!("`{key}` was sent {sent_count} times; expected {listed}"),
            ));
        }
        for (want, got) in wanted.indices(key).zip(actual.indices(key)) {
            compare(&expected[want], req.value(got), findings);
        }
    }
}

/// Each parameter as sent: its value by the rule book, its repeats, and whether it was
/// expected at all.
fn judge_sent<'a, 'b>(
    req: &Request<'_>,
    actual: &KeyIndex<'a, impl Fn(usize) -> &'a str>,
    wanted: &KeyIndex<'b, impl Fn(usize) -> &'b str>,
    product: Option<Product>,
    findings: &mut Findings,
) {
    for i in 0..req.len() {
        let (key, value) = (req.key(i), req.value(i));
        let first = actual.first(key) == Some(i);
        if let Err(violation) = check_value(key, value, product) {
            findings.push(Finding::broken(key, value, violation));
        }
        if first && key != "signature" {
            let (mut in_query, mut in_body) = (0, 0);
            for j in actual.indices(key) {
                if req.sent[j].in_body {
                    in_body += 1;
                } else {
                    in_query += 1;
                }
            }
            if let Err(violation) = check_repeats(key, in_query, in_body) {
                findings.push(Finding::broken(key, value, violation));
            }
        }
        let unexpected = !matches!(key, "signature" | "timestamp" | "recvWindow")
            && wanted.first(key).is_none()
            && first;
        if unexpected {
            findings.push(Finding::new(
                Code::UnexpectedParameter,
                Some(key),
                format!(
                    "`{}={}` was sent but not expected",
                    excerpt(key, 40),
                    excerpt(value, 60)
                ),
            ));
        }
    }
}

/// Where the signature is (present, last), and with a signer whether it matches.
fn signature(
    signer: Option<&Signer>,
    query: &str,
    body: &str,
    req: &Request<'_>,
    findings: &mut Findings,
) {
    let Some(index) = (0..req.len()).rposition(|i| req.key(i) == "signature") else {
        findings.push(Finding::new(
            Code::SignatureMissing,
            Some("signature"),
            "no `signature` was sent".to_owned(),
        ));
        return;
    };
    let last_in_body = !body.is_empty();
    if index != req.len() - 1 || req.sent[index].in_body != last_in_body {
        findings.push(Finding::new(
            Code::SignatureNotLast,
            Some("signature"),
            "`signature` is not the last parameter of the last part; Binance takes that one as the signature".to_owned(),
        ));
        return;
    }
    if let Some(Err(e)) = signer.map(|signer| signer.verify(query, body)) {
        findings.push(Finding::new(
            Code::SignatureInvalid,
            Some("signature"),
            e.to_string(),
        ));
    }
}

fn compare(want: &Expect<'_>, actual: &str, findings: &mut Findings) {
    let key = want.key.as_ref();
    let mismatch = |findings: &mut Findings| {
        findings.push(Finding::new(
            Code::ValueMismatch,
            Some(key),
            format!(
                "`{key}` reads `{}` after Binance's decoding; expected `{}`",
                excerpt(actual, 120),
                excerpt(&want.value, 120)
            ),
        ));
    };
    match want.kind {
        Kind::Text => {
            if actual != want.value {
                mismatch(findings);
            }
        }
        Kind::Decimal => match canonical_decimal(actual, false) {
            None => findings.push(Finding::new(
                Code::NumberFormat,
                Some(key),
                format!(
                    "`{key}={}` is not a plain decimal (digits, an optional `-` and `.`, no exponent); expected `{}`",
                    excerpt(actual, 60),
                    excerpt(&want.value, 60)
                ),
            )),
            Some(got) => {
                if canonical_decimal(&want.value, true) != Some(got) {
                    mismatch(findings);
                }
            }
        },
        Kind::Json => {
            let parsed = serde_json::from_str::<serde_json::Value>(actual);
            let expected = serde_json::from_str::<serde_json::Value>(&want.value);
            match (parsed, expected) {
                (Ok(a), Ok(e)) if a == e => {}
                (Ok(_), Err(_)) if actual == want.value => {}
                _ => mismatch(findings),
            }
        }
    }
}
