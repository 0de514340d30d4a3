//! Bytes in a query string that HTTP clients change before sending: the rule the oracle and
//! the doctor share.

use crate::encoding::{client_encodes, every_client_encodes};

/// A byte in a query string that HTTP clients change before sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rewrite {
    /// Its byte offset.
    pub(crate) at: usize,
    /// The character there.
    pub(crate) ch: char,
    /// Whether every client changes it (else some do, some send it raw).
    pub(crate) every: bool,
}

/// The first byte of `query` that HTTP clients change before sending (percent-encode, or cut
/// at a raw `#`): one every client changes first, else one some clients change. The rule the
/// oracle and the doctor share.
pub(crate) fn client_rewrite(query: &str) -> Option<Rewrite> {
    let found = |at: usize, every| Rewrite {
        at,
        ch: query[at..].chars().next().unwrap_or(' '),
        every,
    };
    // One pass: the first byte every client changes wins over an earlier one some change.
    let mut some = None;
    for (at, &b) in query.as_bytes().iter().enumerate() {
        match REWRITE[usize::from(b)] {
            EVERY => return Some(found(at, true)),
            SOME if some.is_none() => some = Some(at),
            _ => {}
        }
    }
    some.map(|at| found(at, false))
}

const SOME: u8 = 1;
const EVERY: u8 = 2;

/// Per byte: whether every client changes it in a query (`EVERY`: the WHATWG query set, and
/// `#`, which cuts the URL), some do (`SOME`: the rest of what `url`/reqwest or Python
/// `requests` encode, and `'`), or none (0).
const REWRITE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        // A u8 always fits; `u8::try_from` is not usable in a const.
        #[allow(clippy::cast_possible_truncation)]
        let byte = b as u8;
        table[b] = if every_client_encodes(byte) || byte == b'#' {
            EVERY
        } else if client_encodes(byte) || byte == b'\'' {
            SOME
        } else {
            0
        };
        b += 1;
    }
    table
};
