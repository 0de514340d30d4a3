//! Generators of the parameters that break encoders, for fuzzing your own encoder against
//! [`check`](crate::check) (features `arbitrary` and `proptest`).
//!
//! Values are built from pieces encoders get wrong: space, `+`, `&`, `=`, `%`, `#`, `@`, `~`,
//! `*`, quotes, brackets and braces, CJK, full-width digits, emoji, JSON arrays and objects,
//! decimals that float formatting writes with an exponent, escapes that look already encoded,
//! and long values. Keys are Binance-like names. Every generated [`Params`] is valid: keys are
//! unique (but for an occasional ARRAY parameter sent as a repeated key), values non-empty,
//! without control characters.
//!
//! ```
//! # #[cfg(feature = "proptest")] {
//! use binance_sign::fuzzing;
//! use proptest::prelude::*;
//! use proptest::strategy::ValueTree;
//! use proptest::test_runner::TestRunner;
//! let mut runner = TestRunner::default();
//! let params = fuzzing::params().new_tree(&mut runner).unwrap().current();
//! assert!(!params.is_empty());
//! # }
//! ```
//!
//! With `arbitrary` (cargo-fuzz), [`Params`] comes straight out of the fuzzer's bytes:
//!
//! ```
//! # #[cfg(feature = "arbitrary")] {
//! use arbitrary::{Arbitrary, Unstructured};
//! use binance_sign::Params;
//! let bytes = [7u8; 64];
//! let params = Params::arbitrary(&mut Unstructured::new(&bytes)).unwrap();
//! // Whatever the bytes, the list is valid: an encoder under test gets it as it is.
//! assert!(!params.is_empty());
//! # }
//! ```

use crate::params::Params;

/// The pieces tricky values are made of.
pub const PIECES: &[&str] = &[
    " ",
    "+",
    "&",
    "=",
    "%",
    "#",
    "@",
    "~",
    "*",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "<",
    ">",
    "|",
    "\\",
    "^",
    "`",
    "/",
    "?",
    ":",
    ",",
    ";",
    "!",
    "$",
    "(",
    ")",
    "-",
    ".",
    "_",
    "%20",
    "%2B",
    "%25",
    "a",
    "Z",
    "9",
    "BTCUSDT",
    "中文",
    "１２３",
    "€",
    "😀",
    "é",
    r#"["BTCUSDT","BNBUSDT"]"#,
    r#"[{"symbol":"BTCUSDT","side":"BUY","quantity":"0.001"}]"#,
    r#"{"a":"b&c=d"}"#,
    "0.00001",
    "0.0000001",
    "100000000000000000000",
    "1234567.891",
    "-0.5",
    "alice+tag@example.com",
];

/// Keys the generators use: Binance-like names.
pub const KEYS: &[&str] = &[
    "symbol",
    "side",
    "type",
    "timeInForce",
    "quantity",
    "price",
    "newClientOrderId",
    "stopPrice",
    "icebergQty",
    "symbols",
    "orderIdList",
    "batchOrders",
    "asset",
    "email",
    "note",
    "listenKey",
    "fromId",
    "limit",
];

/// Joins `pieces` into a value, repeating it up to `repeat` times (long values).
fn value_of(pieces: &[&str], repeat: usize) -> String {
    let one = pieces.concat();
    let one = if one.is_empty() { "x" } else { &one };
    one.repeat(repeat.max(1))
}

/// Builds valid [`Params`] from generated keys, values and ARRAY flags: pushes each, skipping
/// duplicates.
fn params_of(entries: Vec<(String, Vec<String>)>) -> Params {
    let mut params = Params::new();
    for (key, values) in entries {
        if params.contains_key(&key) {
            continue;
        }
        let _ = match values.as_slice() {
            [one] => params.push(&key, one),
            many => params.push_repeated(&key, many),
        };
    }
    if params.is_empty() {
        let _ = params.push("symbol", "BTCUSDT");
    }
    params
}

#[cfg(feature = "arbitrary")]
mod arbitrary_impls {
    use arbitrary::{Arbitrary, Result, Unstructured};

    use super::{KEYS, PIECES, params_of, value_of};
    use crate::params::Params;

    /// A tricky value (see the [module documentation](super)).
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    #[cfg_attr(docsrs, doc(cfg(feature = "arbitrary")))]
    pub struct TrickyValue(pub String);

    impl<'a> Arbitrary<'a> for TrickyValue {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let n = u.int_in_range(1..=6)?;
            let mut pieces = Vec::with_capacity(n);
            for _ in 0..n {
                pieces.push(*u.choose(PIECES)?);
            }
            let repeat = if u.ratio(1, 16)? {
                u.int_in_range(2..=200)?
            } else {
                1
            };
            Ok(TrickyValue(value_of(&pieces, repeat)))
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "arbitrary")))]
    impl<'a> Arbitrary<'a> for Params {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let n = u.int_in_range(1..=8)?;
            let mut entries = Vec::with_capacity(n);
            for i in 0..n {
                let key = if u.ratio(3, 4)? {
                    (*u.choose(KEYS)?).to_owned()
                } else {
                    format!("k{i}")
                };
                let count = if u.ratio(1, 10)? {
                    u.int_in_range(2..=3)?
                } else {
                    1
                };
                let mut values = Vec::with_capacity(count);
                for _ in 0..count {
                    values.push(TrickyValue::arbitrary(u)?.0);
                }
                entries.push((key, values));
            }
            Ok(params_of(entries))
        }
    }
}

#[cfg(feature = "arbitrary")]
pub use arbitrary_impls::TrickyValue;

#[cfg(feature = "proptest")]
mod strategies {
    use proptest::prelude::*;

    use super::{KEYS, PIECES, params_of, value_of};
    use crate::params::Params;

    /// Tricky values (see the [module documentation](super)).
    #[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
    pub fn values() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(proptest::sample::select(PIECES), 1..6),
            prop_oneof![15 => Just(1usize), 1 => 2usize..200],
        )
            .prop_map(|(pieces, repeat)| value_of(&pieces, repeat))
    }

    /// Binance-like keys, and a few numbered ones.
    #[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
    pub fn keys() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => proptest::sample::select(KEYS).prop_map(str::to_owned),
            1 => (0u8..20).prop_map(|i| format!("k{i}")),
        ]
    }

    /// The `(key, value)` pairs of [`params`], in order (a repeated key once per value).
    #[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
    pub fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
        params().prop_map(|p| {
            p.iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
    }

    /// Valid [`Params`] of tricky values; now and then an ARRAY parameter as a repeated key.
    #[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
    pub fn params() -> impl Strategy<Value = Params> {
        proptest::collection::vec(
            (
                keys(),
                prop_oneof![9 => proptest::collection::vec(values(), 1..=1), 1 => proptest::collection::vec(values(), 2..=3)],
            ),
            1..8,
        )
        .prop_map(params_of)
    }
}

#[cfg(feature = "proptest")]
pub use strategies::{keys, pairs, params, values};
