//! The JSON-lines protocol of `binance-sign check --jsonl`, for fuzzers in any language.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, Write};

use serde::Deserialize;
use serde::de::{self, SeqAccess, Visitor};

use super::{Code, Expect, Finding, Kind, Verdict, check_for};
use crate::product::Product;
use crate::signer::Signer;
use crate::source::excerpt;

/// One input line: `{"expect": [["symbol","BTCUSDT"], ["quantity","0.00001","decimal"]],
/// "query": "...", "body": "...", "product": "usdm-futures"}` (`product` optional).
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    expect: Vec<Item<'a>>,
    #[serde(borrow, default)]
    query: Cow<'a, str>,
    #[serde(borrow, default)]
    body: Cow<'a, str>,
    /// The product the request goes to (`spot`, `usdm-futures`, ...), if any.
    #[serde(borrow, default)]
    product: Option<Cow<'a, str>>,
}

/// `[key, value]` or `[key, value, kind]`.
struct Item<'a>(Expect<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Item<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pair<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Pair<'a> {
            type Value = Item<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"["key", "value"] or ["key", "value", "text"|"decimal"|"json"]"#)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Item<'a>, A::Error> {
                let missing = || de::Error::invalid_length(0, &self);
                let key: Cow<'a, str> = seq.next_element::<Str<'a>>()?.ok_or_else(missing)?.0;
                let value: Cow<'a, str> = seq.next_element::<Str<'a>>()?.ok_or_else(missing)?.0;
                let kind = match seq.next_element::<Str<'a>>()? {
                    None => Kind::Text,
                    Some(Str(kind)) => Kind::parse(&kind).ok_or_else(|| {
                        de::Error::custom(format!(
                            "unknown kind `{}`: text, decimal or json",
                            excerpt(&kind, 20)
                        ))
                    })?,
                };
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom("an expectation has at most three items"));
                }
                Ok(Item(Expect { key, value, kind }))
            }
        }
        deserializer.deserialize_seq(Pair(std::marker::PhantomData))
    }
}

/// A string, borrowed from the line when it has no escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `Cow<str>`'s own `Deserialize` always copies; this visitor borrows when it can.
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(text))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(text.to_owned()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(text))
            }
        }
        deserializer.deserialize_str(Text).map(Str)
    }
}

/// The verdict for one input line; a line that cannot be read gets a `bad-input` finding.
///
/// ```
/// use binance_sign::check::{verdict_line, Code};
/// let v = verdict_line(r#"{"expect":[["symbol","BTCUSDT"]],"query":"symbol=BTCUSDT"}"#, None);
/// assert!(v.ok);
/// let v = verdict_line("not json", None);
/// assert_eq!(v.findings[0].code, Code::BadInput);
/// ```
pub fn verdict_line(line: &str, signer: Option<&Signer>) -> Verdict {
    match serde_json::from_str::<Line<'_>>(line) {
        Ok(parsed) => {
            let expect: Vec<Expect<'_>> = parsed.expect.into_iter().map(|i| i.0).collect();
            let product = match parsed.product.as_deref().map(str::parse::<Product>) {
                None => None,
                Some(Ok(product)) => Some(product),
                Some(Err(e)) => {
                    return Verdict {
                        ok: false,
                        findings: vec![Finding::new(
                            Code::BadInput,
                            Some("product"),
                            e.to_string(),
                        )],
                    };
                }
            };
            check_for(&expect, &parsed.query, &parsed.body, signer, product)
        }
        Err(e) => Verdict {
            ok: false,
            findings: vec![Finding::new(
                Code::BadInput,
                None,
                format!(
                    r#"cannot read the line ({e}); expected {{"expect":[["key","value"(,"decimal"|"json")],...],"query":"...","body":"..."}}"#
                ),
            )],
        },
    }
}

/// What [`serve_jsonl`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Lines answered.
    pub lines: u64,
    /// Of which `bad-input`.
    pub bad: u64,
    /// Of which not `ok` (including `bad-input`).
    pub failed: u64,
}

/// Answers one JSON verdict line (`{"ok":bool,"findings":[{"code","key","message"}]}`) per
/// input line, in order, flushing after each; a malformed line (an empty one too) gets a
/// `bad-input` verdict and the stream goes on, so verdict *n* always answers line *n*. Stops
/// at the end of the input.
///
/// ```
/// use binance_sign::check::serve_jsonl;
/// let input = "{\"expect\":[[\"a\",\"1\"]],\"query\":\"a=1\"}\n{oops\n";
/// let mut output = Vec::new();
/// let stats = serve_jsonl(input.as_bytes(), &mut output, None)?;
/// let text = String::from_utf8(output).unwrap();
/// let lines: Vec<&str> = text.lines().collect();
/// assert_eq!(lines[0], r#"{"ok":true,"findings":[]}"#);
/// assert!(lines[1].contains(r#""code":"bad-input""#));
/// assert_eq!((stats.lines, stats.bad), (2, 1));
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// An I/O error reading the input or writing the output. A line that is not UTF-8 is
/// `bad-input`, not an error.
pub fn serve_jsonl(
    mut input: impl BufRead,
    mut output: impl Write,
    signer: Option<&Signer>,
) -> io::Result<Stats> {
    let mut stats = Stats::default();
    let mut buf = Vec::with_capacity(1024);
    let mut out = Vec::with_capacity(256);
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(stats);
        }
        let line = match std::str::from_utf8(&buf) {
            Ok(line) => line.trim_end_matches(['\n', '\r']),
            Err(_) => "\u{fffd} (not UTF-8)",
        };
        let verdict = verdict_line(line, signer);
        stats.lines += 1;
        stats.failed += u64::from(!verdict.ok);
        stats.bad += u64::from(
            verdict
                .findings
                .first()
                .is_some_and(|f| f.code == Code::BadInput),
        );
        out.clear();
        serde_json::to_writer(&mut out, &verdict).map_err(io::Error::other)?;
        out.push(b'\n');
        output.write_all(&out)?;
        output.flush()?;
    }
}
