//! The request `check` reads: each parameter as where its decoded key and value are, never a
//! string of its own, so memory stays a small multiple of the line however many parameters
//! it holds.

use crate::encoding::{decode_bytes, segments};

/// A decoded key or value: a range of its part's wire text when decoding changes nothing, else
/// of the request's decoding buffer.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    end: u32,
    decoded: bool,
}

/// One parameter as sent (12 bytes a span, 28 in all).
#[derive(Clone, Copy, Debug)]
pub(super) struct WireParam {
    pub(super) in_body: bool,
    /// Whether the segment has a `=`.
    pub(super) has_value: bool,
    key: Span,
    value: Span,
}

/// What reading a request found besides its parameters.
pub(super) enum Odd<'a> {
    /// An empty segment (`&&`, or `&` at an end), at this byte of the body or the query.
    Empty { in_body: bool, at: usize },
    /// A segment that does not decode.
    Malformed { raw_key: &'a str, segment: &'a str },
}

/// A request's parameters in the order sent (the query's, then the body's), decoded.
pub(super) struct Request<'a> {
    query: &'a str,
    body: &'a str,
    /// Every decoded key and value that differs from its wire text, one after the other.
    arena: String,
    pub(super) sent: Vec<WireParam>,
}

/// The largest request read: offsets are `u32`.
pub(super) const MAX_LEN: usize = u32::MAX as usize / 2;

impl<'a> Request<'a> {
    /// Reads `query` and `body` (together at most [`MAX_LEN`] bytes), telling `odd` about
    /// empty segments and segments that do not decode (those are left out).
    pub(super) fn read(query: &'a str, body: &'a str, mut odd: impl FnMut(Odd<'a>)) -> Self {
        // A long request is counted first, so its list is sized exactly (never a doubled,
        // half-empty one); a short one just grows.
        let non_empty = |text: &str| segments(text).filter(|(_, s)| !s.is_empty()).count();
        let mut sent = if query.len() + body.len() > 4096 {
            Vec::with_capacity(non_empty(query) + non_empty(body))
        } else {
            Vec::with_capacity(16)
        };
        let mut arena = String::new();
        let mut scratch = Vec::new();
        for (text, in_body) in [(query, false), (body, true)] {
            if text.is_empty() {
                continue;
            }
            for (at, segment) in segments(text) {
                if segment.is_empty() {
                    odd(Odd::Empty { in_body, at });
                    continue;
                }
                let has_value = segment.contains('=');
                let (raw_key, raw_value) = segment.split_once('=').unwrap_or((segment, ""));
                let value_at = at + raw_key.len() + 1;
                let mut span = |raw: &str, at: usize| span(raw, at, &mut arena, &mut scratch);
                match (span(raw_key, at), span(raw_value, value_at)) {
                    (Some(key), Some(value)) => sent.push(WireParam {
                        in_body,
                        has_value,
                        key,
                        value,
                    }),
                    _ => odd(Odd::Malformed { raw_key, segment }),
                }
            }
        }
        Self {
            query,
            body,
            arena,
            sent,
        }
    }

    fn text(&self, span: Span, in_body: bool) -> &str {
        let source = match (span.decoded, in_body) {
            (true, _) => self.arena.as_str(),
            (false, false) => self.query,
            (false, true) => self.body,
        };
        source
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    /// The decoded key of parameter `i`.
    pub(super) fn key(&self, i: usize) -> &str {
        let p = self.sent[i];
        self.text(p.key, p.in_body)
    }

    /// The decoded value of parameter `i`.
    pub(super) fn value(&self, i: usize) -> &str {
        let p = self.sent[i];
        self.text(p.value, p.in_body)
    }

    pub(super) fn len(&self) -> usize {
        self.sent.len()
    }
}

/// Where `raw` (at byte `at` of its part) reads after Binance's decoding: itself when there is
/// nothing to decode, else its decoding appended to `arena`; `None` for a bad escape or bytes
/// that are not UTF-8.
fn span(raw: &str, at: usize, arena: &mut String, scratch: &mut Vec<u8>) -> Option<Span> {
    let offsets = |start: usize, len: usize, decoded| {
        Some(Span {
            start: u32::try_from(start).ok()?,
            end: u32::try_from(start + len).ok()?,
            decoded,
        })
    };
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return offsets(at, raw.len(), false);
    }
    scratch.clear();
    decode_bytes(raw, scratch).ok()?;
    let text = std::str::from_utf8(scratch).ok()?;
    let start = arena.len();
    arena.push_str(text);
    offsets(start, text.len(), true)
}

/// Where each key occurs in a list of `len` keys read by `key_of`. Short lists are scanned
/// (cheaper than any index for the dozen parameters of a request); long ones are sorted once
/// (stably, as `u32` positions, so each key's positions keep their order) and searched, so the
/// work stays O(n log n) and the memory 4 bytes a key.
pub(super) struct KeyIndex<'k, F: Fn(usize) -> &'k str> {
    /// The keys themselves, for a short list (scanned).
    keys: Vec<&'k str>,
    key_of: F,
    /// Positions sorted by key, for a long list (searched).
    sorted: Option<Vec<u32>>,
}

impl<'k, F: Fn(usize) -> &'k str> KeyIndex<'k, F> {
    const SCAN: usize = 24;

    pub(super) fn new(len: usize, key_of: F) -> Self {
        if len <= Self::SCAN {
            return Self {
                keys: (0..len).map(&key_of).collect(),
                key_of,
                sorted: None,
            };
        }
        let mut sorted: Vec<u32> = (0..len).filter_map(|i| u32::try_from(i).ok()).collect();
        sorted.sort_by(|&a, &b| key_of(a as usize).cmp(key_of(b as usize)));
        Self {
            keys: Vec::new(),
            key_of,
            sorted: Some(sorted),
        }
    }

    fn range(&self, key: &str) -> &[u32] {
        let sorted = self.sorted.as_deref().unwrap_or_default();
        let start = sorted.partition_point(|&i| (self.key_of)(i as usize) < key);
        let len = sorted[start..].partition_point(|&i| (self.key_of)(i as usize) == key);
        &sorted[start..start + len]
    }

    /// The positions of `key`, in order (no allocation: the scan or the sorted range).
    pub(super) fn indices<'s>(&'s self, key: &'s str) -> impl Iterator<Item = usize> + 's {
        let (scan, range) = match self.sorted {
            Some(_) => (None, self.range(key)),
            None => (Some(key), &[][..]),
        };
        let scanned = scan.into_iter().flat_map(move |key| {
            self.keys
                .iter()
                .enumerate()
                .filter(move |(_, k)| **k == key)
                .map(|(i, _)| i)
        });
        scanned.chain(range.iter().map(|&i| i as usize))
    }

    pub(super) fn first(&self, key: &str) -> Option<usize> {
        match self.sorted {
            Some(_) => self.range(key).first().map(|&i| i as usize),
            None => self.keys.iter().position(|k| *k == key),
        }
    }

    pub(super) fn count(&self, key: &str) -> usize {
        match self.sorted {
            Some(_) => self.range(key).len(),
            None => self.keys.iter().filter(|k| **k == key).count(),
        }
    }
}
