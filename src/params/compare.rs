//! How a [`Params`] compares and prints: by its wire form, pairs decoded for `Debug`.

use std::fmt;

use super::Params;

impl PartialEq for Params {
    fn eq(&self, other: &Self) -> bool {
        // `=` and `&` inside keys and values are always encoded, so the wire form alone
        // determines the pairs.
        self.encoded() == other.encoded()
    }
}

impl Eq for Params {}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Params")
            .field("pairs", &DebugPairs(self))
            .field("encoded", &self.encoded())
            .finish()
    }
}

struct DebugPairs<'a>(&'a Params);

impl fmt::Debug for DebugPairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}
