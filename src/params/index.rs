//! Finding a parameter list's keys: a fingerprint per key, and a hash index for long lists.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// The hashes of a long list's keys. The key hash is SipHash with a per-list random seed
/// (pasted requests are read into lists, so keys may be hostile); the set stores those hashes
/// as they are, without hashing them again.
#[derive(Clone, Default)]
pub(super) struct KeyIndex {
    seed: RandomState,
    pub(super) hashes: HashSet<u64, BuildHasherDefault<AlreadyHashed>>,
}

impl KeyIndex {
    pub(super) fn hash(&self, key: &str) -> u64 {
        self.seed.hash_one(key)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    pub(super) fn clear(&mut self) {
        self.hashes.clear();
    }

    /// The key's hash when the index is in use, else `None`: computed once per push.
    #[inline(always)]
    pub(super) fn lookup(&self, key: &str) -> Option<u64> {
        (!self.is_empty()).then(|| self.hash(key))
    }
}

/// A `Hasher` for values that are hashes already: it keeps the `u64` it is given.
#[derive(Default)]
pub(super) struct AlreadyHashed(u64);

impl Hasher for AlreadyHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64`s are hashed with it; fold anything else in, to stay a correct hasher.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// What a push computes of its key once: the [`tag`], and the index hash of a long list.
#[derive(Clone, Copy)]
pub(super) struct KeyId {
    pub(super) tag: u32,
    pub(super) hash: Option<u64>,
}

/// A cheap fingerprint of a key (its length, first and last bytes): most keys of a list differ
/// in it, so a duplicate scan rarely compares bytes.
#[inline(always)]
pub(super) fn tag(key: &str) -> u32 {
    let bytes = key.as_bytes();
    let edge = |b: Option<&u8>| u32::from(b.copied().unwrap_or(0));
    #[allow(clippy::cast_possible_truncation)] // only a fingerprint: the low bits suffice
    let len = bytes.len() as u32;
    len << 16 | edge(bytes.first()) << 8 | edge(bytes.last())
}
