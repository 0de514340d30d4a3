//! A REST request as sent, parameter by parameter.

use crate::encoding::{decode, segments};

/// One `key=value` segment as sent.
#[derive(Clone, Debug)]
pub(crate) struct Param<'a> {
    /// In the body (else in the query).
    pub(crate) in_body: bool,
    /// Byte offset of the segment in its part.
    pub(crate) at: usize,
    /// The segment exactly as sent.
    pub(crate) segment: &'a str,
    /// The key as sent.
    pub(crate) raw_key: &'a str,
    /// The value as sent (`None` when the segment has no `=`).
    pub(crate) raw_value: Option<&'a str>,
    /// The key decoded (as sent when it does not decode).
    pub(crate) key: String,
    /// The value decoded (as sent when it does not decode).
    pub(crate) value: String,
    /// Whether both decoded cleanly.
    pub(crate) decodes: bool,
}

impl<'a> Param<'a> {
    fn new(in_body: bool, at: usize, segment: &'a str) -> Self {
        let (raw_key, raw_value) = match segment.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (segment, None),
        };
        let key = decode(raw_key);
        let value = decode(raw_value.unwrap_or(""));
        let decodes = key.is_ok() && value.is_ok();
        Self {
            in_body,
            at,
            segment,
            raw_key,
            raw_value,
            key: key.unwrap_or_else(|_| raw_key.to_owned()),
            value: value.unwrap_or_else(|_| raw_value.unwrap_or("").to_owned()),
            decodes,
        }
    }

    pub(crate) fn is_signature(&self) -> bool {
        self.key == "signature"
    }
}

/// The parameters of a request in the order sent: the query's, then the body's.
pub(crate) fn parse<'a>(query: &'a str, body: &'a str) -> Vec<Param<'a>> {
    let mut params = Vec::new();
    for (text, in_body) in [(query, false), (body, true)] {
        if text.is_empty() {
            continue;
        }
        params.extend(segments(text).map(|(at, segment)| Param::new(in_body, at, segment)));
    }
    params
}

/// The request without its signature, split into the query's and the body's parameters.
#[derive(Clone, Debug, Default)]
pub(crate) struct Unsigned<'p, 'a> {
    pub(crate) query: Vec<&'p Param<'a>>,
    pub(crate) body: Vec<&'p Param<'a>>,
}

impl<'p, 'a> Unsigned<'p, 'a> {
    pub(crate) fn of(params: &'p [Param<'a>]) -> Self {
        let mut unsigned = Self::default();
        for p in params.iter().filter(|p| !p.is_signature()) {
            if p.in_body {
                unsigned.body.push(p);
            } else {
                unsigned.query.push(p);
            }
        }
        unsigned
    }

    /// Both parts, each written by `f`, with nothing between them.
    pub(crate) fn payload(&self, f: impl Fn(&Param<'a>) -> String) -> String {
        let mut out = join(self.query.iter().map(|p| f(p)));
        out.push_str(&join(self.body.iter().map(|p| f(p))));
        out
    }

    /// Every parameter, the query's then the body's.
    pub(crate) fn params(&self) -> impl Iterator<Item = &'p Param<'a>> + '_ {
        self.query.iter().chain(&self.body).copied()
    }

    /// The payload with every `from` in the sent segments written as `to`; `None` when no
    /// segment holds `from` (nothing to rebuild).
    pub(crate) fn replaced(&self, from: &str, to: &str) -> Option<String> {
        self.params()
            .any(|p| p.segment.contains(from))
            .then(|| self.payload(|p| p.segment.replace(from, to)))
    }

    /// The segments as sent: `(query, body)`.
    pub(crate) fn sent(&self) -> (String, String) {
        (
            join(self.query.iter().map(|p| p.segment.to_owned())),
            join(self.body.iter().map(|p| p.segment.to_owned())),
        )
    }
}

/// `items` joined with `&`.
pub(crate) fn join(items: impl Iterator<Item = String>) -> String {
    let mut out = String::new();
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&item);
    }
    out
}
