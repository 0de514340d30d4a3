//! [`ParamError`]: a parameter refused, naming it and the rule.

use std::fmt;

use crate::rules::NumberRule;
use crate::source::{Source, reasons};

reasons! {
    /// A value no parameter can hold, and what to use instead.
    pub enum UnsupportedValue {
        /// A nested map or struct.
        Nested => "a nested map or struct cannot be a parameter value; flatten it into the parent with #[serde(flatten)], or send it as JSON text with Params::push_json",
        /// A value whose `Display` reported an error.
        FailingDisplay => "a value whose Display implementation failed cannot be a parameter value; format it to a String first and check it",
    }
}

/// Which half of a `key=value` parameter a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The key.
    Key,
    /// The value.
    Value,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Key => "key",
            Field::Value => "value",
        })
    }
}

/// A parameter refused: its key, its value, or how it was given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamError {
    /// A parameter key is empty.
    #[error("a parameter has an empty key; every parameter needs a name")]
    EmptyKey,
    /// A user parameter key appears twice in one part (Binance answers `-1101`).
    #[error(
        "parameter `{key}` appears twice; Binance rejects duplicates (-1101); for an ARRAY parameter sent as a repeated key use Params::push_repeated"
    )]
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
    /// the query's value).
    #[error(
        "parameter `{key}` is in both the query and the body; Binance answers -1101 (or reads the query's value): put it in one part"
    )]
    KeyInBothParts {
        /// The key.
        key: String,
    },
    /// `timestamp` or `recvWindow` appears twice in an encoded request.
    #[error(
        "`{key}` appears twice; Binance answers -1101: send it once, after the other parameters"
    )]
    SignerKeyTwice {
        /// `timestamp` or `recvWindow`.
        key: String,
    },
    /// A WebSocket `params` member is set twice.
    #[error(
        "WebSocket params member `{key}` is set twice; a JSON object holds each key once (an ARRAY parameter goes as one JSON array)"
    )]
    DuplicateMember {
        /// The member's key.
        key: String,
    },
    /// A key the signer sets itself was given as a user parameter.
    #[error("parameter `{key}` is set by the signer; pass it as an argument, not as a parameter")]
    ReservedKey {
        /// The reserved key (`signature`, `timestamp` or `recvWindow`).
        key: String,
    },
    /// A parameter value is empty (Binance answers `-1102`).
    #[error("parameter `{key}` has an empty value; Binance rejects empty values (-1102)")]
    EmptyValue {
        /// The key whose value is empty.
        key: String,
    },
    /// A key or value contains a control character (NUL, CR, LF, DEL, ...).
    #[error(
        "parameter `{key}`: its {field} contains the control character U+{code:04X} at byte {position}; control characters are refused"
    )]
    ControlCharacter {
        /// The key (with control characters escaped) of the parameter.
        key: String,
        /// Whether the character is in the key or the value.
        field: Field,
        /// The code point of the control character.
        code: u32,
        /// Byte offset in the key or value.
        position: usize,
    },
    /// infinity, at most 20 digits on each side of the point).
    #[error("parameter `{key}`: {value} {rule}")]
    NumberFormat {
        /// The parameter.
        key: String,
        /// The number as Rust printed it.
        value: String,
        /// What is wrong with it.
        rule: NumberRule,
    },
    /// A value of a type no parameter can hold (a nested map or struct, a tuple).
    #[error("parameter `{key}`: {value}")]
    Unsupported {
        /// The parameter (`?` when the serializer gave no name).
        key: String,
        /// What was found, and what to use instead.
        value: UnsupportedValue,
    },
    /// A serializer failed.
    #[error("cannot serialize parameter `{key}`")]
    Serialize {
        /// The parameter being serialized (`?` when unknown).
        key: String,
        /// The serializer's error.
        #[source]
        source: Source,
    },
}
