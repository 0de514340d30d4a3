//! What every layer's errors share: a dependency's error kept whole ([`Source`]), and
//! excerpts of the input they quote. Nothing here imports from the rest of the crate.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// An error from a dependency (a serializer, a key parser, the `http` crate), kept whole as the
/// [`source`](std::error::Error::source) of an [`Error`](crate::Error).
///
/// Cloning shares it. Two sources are equal when they are the same error (one is a clone of
/// the other); errors are compared by what they are, never by their printed text.
#[derive(Clone)]
pub struct Source(Arc<dyn StdError + Send + Sync + 'static>);

impl Source {
    pub(crate) fn new(error: impl StdError + Send + Sync + 'static) -> Self {
        Self(Arc::new(error))
    }

    /// The wrapped error, to inspect or downcast.
    pub fn get(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl StdError for Source {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

impl PartialEq for Source {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Source {}

/// `text` with control characters escaped, cut to at most `max` bytes (on a character
/// boundary) with `…` when cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + 3);
    for c in text[..end].chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if end < text.len() {
        out.push('…');
    }
    out
}

/// Defines a reason enum: each variant with its doc and the text its `Display` shows (and
/// `as_str` returns), so messages stay one sentence per case, in one table.
macro_rules! reasons {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[doc = $doc:literal])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[doc = $doc])* $variant, )+
        }

        impl $name {
            /// The reason, as the error message says it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use reasons;

/// Builder methods for a settings struct: one `with_<field>(value)` per listed field, each
/// returning the settings with that field changed (so a `#[non_exhaustive]` struct can be
/// built from its `Default` and a new field is not a breaking change).
macro_rules! with_setters {
    ($ty:ident { $( $setter:ident => $field:ident : $t:ty ),+ $(,)? }) => {
        /// Builder methods: start from the default and change what differs, so that a setting
        /// added later is not a breaking change.
        impl $ty {
            $(
                #[doc = concat!("The same settings with [`", stringify!($field), "`](Self::", stringify!($field), ") set to `value`.")]
                #[must_use]
                pub fn $setter(mut self, value: $t) -> Self {
                    self.$field = value;
                    self
                }
            )+
        }
    };
}
pub(crate) use with_setters;
