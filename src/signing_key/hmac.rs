//! HMAC-SHA256 keys: the keyed state computed once, cloned per message.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// An HMAC-SHA256 key: the keyed state computed once, and the secret kept (zeroized on drop)
/// for diagnosis.
#[derive(Clone)]
pub(crate) struct HmacKey {
    state: Hmac<Sha256>,
    secret: Zeroizing<Vec<u8>>,
}

// The keyed state is two SHA-256 cores that have absorbed the secret's inner and outer pads:
// they must be wiped when dropped, in every feature combination. This fails to compile if
// `sha2`'s `zeroize` feature is ever lost.
const _: fn() = || {
    fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wiped_on_drop::<<Sha256 as hmac::EagerHash>::Core>();
};

impl HmacKey {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Self {
            state: keyed(secret),
            secret: Zeroizing::new(secret.to_vec()),
        }
    }

    /// The keyed state, to clone for each payload.
    pub(crate) fn state(&self) -> &Hmac<Sha256> {
        &self.state
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }
}

/// HMAC-SHA256 keyed with `secret` (any length is valid for HMAC).
pub(crate) fn keyed(secret: &[u8]) -> Hmac<Sha256> {
    match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC accepts keys of every length; this arm cannot be reached.
        Err(_) => <Hmac<Sha256> as KeyInit>::new(&Default::default()),
    }
}

/// A clone of `keyed` fed the concatenated `parts`, ready to finalize or verify. The clone is
/// updated in place: the state is never moved around.
#[inline]
pub(crate) fn hmac_fed(keyed: &Hmac<Sha256>, parts: &[&[u8]]) -> Hmac<Sha256> {
    let mut mac = keyed.clone();
    for part in parts {
        mac.update(part);
    }
    mac
}

/// The HMAC-SHA256 tag of the concatenated `parts`.
#[inline]
pub(crate) fn hmac_tag(keyed: &Hmac<Sha256>, parts: &[&[u8]]) -> [u8; 32] {
    hmac_fed(keyed, parts).finalize().into_bytes().into()
}
