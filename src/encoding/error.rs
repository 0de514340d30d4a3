//! [`EncodingError`] and [`Part`]: percent-encoded text that does not decode, and where.

use std::fmt;

/// Which part of a request a wire-level problem was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Part {
    /// The query string (after `?`).
    Query,
    /// The `application/x-www-form-urlencoded` body.
    Body,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Query => "query",
            Part::Body => "body",
        })
    }
}

/// "query: " or "" when the text was not part of a request.
pub(crate) struct Where(pub(crate) Option<Part>);

impl fmt::Display for Where {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(part) => write!(f, "{part}: "),
            None => Ok(()),
        }
    }
}

/// Percent-encoded text that does not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodingError {
    /// A percent-escape is not `%` followed by two hex digits.
    #[error(
        "{}invalid percent-escape `{found}` at byte {position}; `%` must be followed by two hex digits",
        Where(*part)
    )]
    InvalidEscape {
        /// Which part of a request, if the text was one.
        part: Option<Part>,
        /// Byte offset of the `%`.
        position: usize,
        /// The `%` and up to two bytes after it (escaped).
        found: String,
    },
    /// Decoded bytes are not UTF-8.
    #[error(
        "{}the component at byte {position} does not decode to UTF-8: `{text}`",
        Where(*part)
    )]
    InvalidUtf8 {
        /// Which part of a request, if the text was one.
        part: Option<Part>,
        /// Byte offset of the component.
        position: usize,
        /// The component as sent (escaped, at most 64 bytes).
        text: String,
    },
}
