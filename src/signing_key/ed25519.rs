//! Ed25519 keys (PureEdDSA), through `ed25519-dalek`.

use ed25519_dalek::ed25519::signature::{MultipartSigner, MultipartVerifier};
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};

use crate::signing_key::KeyKind;
use crate::signing_key::error::{KeyError, KeyProblem, VerifyError};
use crate::signing_key::pem::{PrivateKeyDer, invalid_from};

// The signing key is wiped on drop: this fails to compile if `ed25519-dalek`'s `zeroize`
// feature is ever lost.
const _: fn() = || {
    fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wiped_on_drop::<SigningKey>();
};

/// A parsed Ed25519 private key and its public half.
#[derive(Clone)]
pub(crate) struct Ed25519Key {
    signing: SigningKey,
    verifying: VerifyingKey,
}

impl Ed25519Key {
    pub(crate) fn from_der(key: &PrivateKeyDer) -> Result<Self, KeyError> {
        let signing = SigningKey::from_pkcs8_der(&key.der)
            .map_err(|e| invalid_from(KeyProblem::Malformed(KeyKind::Ed25519), e))?;
        let verifying = signing.verifying_key();
        Ok(Self { signing, verifying })
    }

    /// The signature of the concatenated `parts`.
    pub(crate) fn sign(&self, parts: &[&[u8]]) -> [u8; 64] {
        let signature: Signature = self.signing.multipart_sign(parts);
        signature.to_bytes()
    }

    pub(crate) fn verify(&self, parts: &[&[u8]], signature: &[u8]) -> Result<(), VerifyError> {
        let signature = Signature::from_slice(signature).map_err(|_| {
            VerifyError::SignatureFormat(super::error::SignatureProblem::Ed25519Length)
        })?;
        self.verifying
            .multipart_verify(parts, &signature)
            .map_err(|_| VerifyError::SignatureMismatch)
    }
}
