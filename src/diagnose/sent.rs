//! A REST request as sent, parameter by parameter.
//!
//! Kept small on purpose, so the doctor's memory stays linear with a small constant on any
//! paste: a parameter is its segment and offset (32 bytes), decoded when read; empty segments
//! are counted, not stored.

use std::borrow::Cow;

use crate::encoding::Part;
use crate::encoding::{decode_bytes, segments};

/// One non-empty `key=value` segment as sent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Param<'a> {
    /// The segment exactly as sent.
    pub(crate) segment: &'a str,
    /// Byte offset of the segment in its part.
    pub(crate) at: usize,
    /// In the body (else in the query).
    pub(crate) in_body: bool,
    /// Whether key and value decode cleanly.
    pub(crate) decodes: bool,
    /// Where the first `=` is in the segment ([`NO_EQ`] when there is none, or the segment is
    /// too long to say in a `u32`: then it is looked for again).
    eq: u32,
}

/// [`Param::eq`] when it is not known.
const NO_EQ: u32 = u32::MAX;

impl<'a> Param<'a> {
    fn new(in_body: bool, at: usize, segment: &'a str) -> Self {
        let eq = segment
            .bytes()
            .position(|b| b == b'=')
            .and_then(|i| u32::try_from(i).ok())
            .unwrap_or(NO_EQ);
        let mut p = Self {
            segment,
            at,
            in_body,
            decodes: true,
            eq,
        };
        p.decodes =
            decoded(p.raw_key()).is_some() && decoded(p.raw_value().unwrap_or("")).is_some();
        p
    }

    /// The segment split at its first `=`.
    fn split(&self) -> Option<(&'a str, &'a str)> {
        if self.eq == NO_EQ {
            return self.segment.split_once('=');
        }
        let eq = self.eq as usize;
        Some((&self.segment[..eq], &self.segment[eq + 1..]))
    }

    /// The key as sent.
    pub(crate) fn raw_key(&self) -> &'a str {
        self.split().map_or(self.segment, |(k, _)| k)
    }

    /// The value as sent (`None` when the segment has no `=`).
    pub(crate) fn raw_value(&self) -> Option<&'a str> {
        self.split().map(|(_, v)| v)
    }

    /// The key decoded (as sent when it does not decode).
    pub(crate) fn key(&self) -> Cow<'a, str> {
        let raw = self.raw_key();
        decoded(raw).unwrap_or(Cow::Borrowed(raw))
    }

    /// The value decoded (as sent when it does not decode).
    pub(crate) fn value(&self) -> Cow<'a, str> {
        let raw = self.raw_value().unwrap_or("");
        decoded(raw).unwrap_or(Cow::Borrowed(raw))
    }

    /// The part it is in.
    pub(crate) fn part(&self) -> Part {
        if self.in_body {
            Part::Body
        } else {
            Part::Query
        }
    }

    pub(crate) fn is_signature(&self) -> bool {
        self.key() == "signature"
    }
}

/// `text` form-decoded (borrowed when there is nothing to decode); `None` for a bad escape or
/// bytes that are not UTF-8. No error is built: the doctor reads every segment this way.
fn decoded(text: &str) -> Option<Cow<'_, str>> {
    if !text.bytes().any(|b| b == b'%' || b == b'+') {
        return Some(Cow::Borrowed(text));
    }
    let mut out = Vec::with_capacity(text.len());
    decode_bytes(text, &mut out).ok()?;
    String::from_utf8(out).ok().map(Cow::Owned)
}

/// A request's parameters in the order sent (the query's, then the body's), and its empty
/// segments (`&&`, or `&` at an end), counted with the first few places.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReadRequest<'a> {
    pub(crate) params: Vec<Param<'a>>,
    pub(crate) empty: usize,
    pub(crate) empty_at: Vec<(Part, usize)>,
}

/// How many places of a kind of finding are kept.
pub(crate) const PLACES: usize = 8;

/// Reads `query` and `body` as sent.
pub(crate) fn parse<'a>(query: &'a str, body: &'a str) -> ReadRequest<'a> {
    let mut sent = ReadRequest::default();
    // Sized exactly, so a long paste never pays for a doubled, half-empty list.
    let non_empty = |text: &str| segments(text).filter(|(_, s)| !s.is_empty()).count();
    sent.params
        .reserve_exact(non_empty(query) + non_empty(body));
    for (text, in_body) in [(query, false), (body, true)] {
        if text.is_empty() {
            continue;
        }
        for (at, segment) in segments(text) {
            if segment.is_empty() {
                sent.empty += 1;
                if sent.empty_at.len() < PLACES {
                    let part = if in_body { Part::Body } else { Part::Query };
                    sent.empty_at.push((part, at));
                }
            } else {
                sent.params.push(Param::new(in_body, at, segment));
            }
        }
    }
    sent
}

/// The request without its signature: its parameters, and the texts they came from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Unsigned<'p, 'a> {
    params: &'p [Param<'a>],
    query: &'a str,
    body: &'a str,
}

impl<'p, 'a> Unsigned<'p, 'a> {
    pub(crate) fn of(params: &'p [Param<'a>], query: &'a str, body: &'a str) -> Self {
        Self {
            params,
            query,
            body,
        }
    }

    /// Every parameter but the signature, the query's then the body's.
    pub(crate) fn params(&self) -> impl Iterator<Item = &'p Param<'a>> + '_ {
        self.params.iter().filter(|p| !p.is_signature())
    }

    /// The query's parameters (`false`) or the body's (`true`).
    pub(crate) fn part(&self, in_body: bool) -> impl Iterator<Item = &'p Param<'a>> + '_ {
        self.params().filter(move |p| p.in_body == in_body)
    }

    /// Both parts, each parameter appended to the payload by `write`, `&` between the
    /// parameters of a part and nothing between the parts. One buffer, no string per
    /// parameter.
    pub(crate) fn payload(&self, write: impl Fn(&Param<'a>, &mut String)) -> String {
        let mut out = String::with_capacity(self.query.len() + self.body.len());
        for in_body in [false, true] {
            for (i, p) in self.part(in_body).enumerate() {
                if i > 0 {
                    out.push('&');
                }
                write(p, &mut out);
            }
        }
        out
    }

    /// The segments of one part (`Some(in_body)`) or of both (`None`), sorted by decoded key
    /// (stably) and joined with `&`. Only their order is kept aside, a `u32` each.
    pub(crate) fn sorted(&self, part: Option<bool>) -> String {
        let mut order: Vec<u32> = (0..self.params.len())
            .filter(|&i| {
                let p = &self.params[i];
                !p.is_signature() && part.is_none_or(|in_body| p.in_body == in_body)
            })
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        let key = |i: u32| self.params[i as usize].key();
        order.sort_by(|&a, &b| key(a).as_bytes().cmp(key(b).as_bytes()));
        let mut out = String::with_capacity(self.query.len() + self.body.len());
        join_into(
            order
                .iter()
                .map(|&i| self.params[i as usize].segment.to_owned()),
            &mut out,
        );
        out
    }

    /// The payload with every `from` in the sent segments written as `to`; `None` when no
    /// segment holds `from` (nothing to rebuild).
    pub(crate) fn replaced(&self, from: &str, to: &str) -> Option<String> {
        self.params()
            .any(|p| p.segment.contains(from))
            .then(|| self.payload(|p, out| out.push_str(&p.segment.replace(from, to))))
    }

    /// The parts exactly as sent, without the signature segments: `(query, body)`.
    pub(crate) fn sent(&self) -> (String, String) {
        let without_signature = |text: &str, in_body: bool| {
            let mut out = String::with_capacity(text.len());
            let mut first = true;
            for (at, segment) in segments(text) {
                if !segment.is_empty() && Param::new(in_body, at, segment).is_signature() {
                    continue;
                }
                if !first {
                    out.push('&');
                }
                first = false;
                out.push_str(segment);
            }
            if text.is_empty() { String::new() } else { out }
        };
        (
            without_signature(self.query, false),
            without_signature(self.body, true),
        )
    }
}

/// `items` joined with `&`.
pub(crate) fn join(items: impl Iterator<Item = String>) -> String {
    let mut out = String::new();
    join_into(items, &mut out);
    out
}

/// `items` joined with `&`, appended to `out`.
fn join_into(items: impl Iterator<Item = String>, out: &mut String) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&item);
    }
}
