//! A JSON value sent unencoded and cut by a raw `&` inside it (`batchOrders=[{"a":"x&y"}]`
//! reaches Binance as two parameters and no valid JSON): found the same way for the oracle and
//! the doctor.

use std::borrow::Cow;

/// How many segments, and how many bytes, a JSON value cut by `&` is looked for in.
const MAX_GLUED: usize = 64;
const MAX_GLUED_BYTES: usize = 16 * 1024;
/// How many segments all the looking may glue in one request: a paste of many unclosed `[`
/// stays linear, with a small constant (past the budget, further splits go unreported).
const GLUE_BUDGET: usize = 1 << 20;

/// One JSON value cut by `&`: the segments `start..=end` of the request, and the text they
/// make glued back together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Split {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) text: String,
}

/// The JSON values cut by `&` among `len` segments, each read by `segment(i)` as (in the
/// body, decoded key, decoded value if the segment has a `=`): a value that starts a JSON
/// array or object, is not valid JSON alone, and becomes valid JSON when the following
/// segments of the same part are glued back on (`&key=value`) until its brackets close.
pub(crate) fn json_splits<'s>(
    len: usize,
    segment: impl Fn(usize) -> (bool, Cow<'s, str>, Option<Cow<'s, str>>),
) -> Vec<Split> {
    let is_json = |text: &str| serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    let mut splits = Vec::new();
    let mut budget = GLUE_BUDGET;
    let mut i = 0;
    while i < len && budget > 0 {
        let (in_body, _, value) = segment(i);
        let Some(value) = value.filter(|v| v.starts_with('[') || v.starts_with('{')) else {
            i += 1;
            continue;
        };
        if is_json(&value) {
            i += 1;
            continue;
        }
        // Glue the following segments of the same part back on until the brackets close
        // (within a bound, so the work stays linear in the request's size), then parse once.
        let mut text = value.into_owned();
        let mut scan = Brackets::default();
        scan.feed(&text);
        let mut end = None;
        for j in (i + 1..len).take(MAX_GLUED) {
            budget = budget.saturating_sub(1);
            let (next_in_body, key, value) = segment(j);
            let added = key.len() + value.as_ref().map_or(0, |v| v.len() + 1) + 1;
            if budget == 0 || next_in_body != in_body || text.len() + added > MAX_GLUED_BYTES {
                break;
            }
            let start = text.len();
            text.push('&');
            text.push_str(&key);
            if let Some(value) = value {
                text.push('=');
                text.push_str(&value);
            }
            scan.feed(&text[start..]);
            if scan.closed() {
                end = Some(j).filter(|_| is_json(&text));
                break;
            }
        }
        match end {
            Some(end) => {
                splits.push(Split {
                    start: i,
                    end,
                    text,
                });
                i = end + 1;
            }
            None => i += 1,
        }
    }
    splits
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
