//! RSA keys: RSASSA-PKCS1-v1_5 with SHA-256, 2048 to 4096 bits, through `rsa`.

use ::rsa::PrivateKey as RsaPrivateKey;
use ::rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use ::rsa::pkcs8::DecodePrivateKey;
use ::rsa::signature::{Keypair, MultipartSigner, Verifier};
use ::rsa::traits::PublicKeyParts;
use sha2::Sha256;

use crate::signing_key::KeyKind;
use crate::signing_key::error::{KeyError, KeyProblem, VerifyError};
use crate::signing_key::pem::{PrivateKeyDer, invalid_from};
use crate::source::Source;

/// The smallest RSA modulus accepted, in bits.
pub(crate) const MIN_BITS: usize = 2048;
/// The largest RSA modulus accepted, in bits.
pub(crate) const MAX_BITS: usize = 4096;

/// A parsed RSA private key and its public half.
#[derive(Clone)]
pub(crate) struct RsaKey {
    signing: SigningKey<Sha256>,
    verifying: VerifyingKey<Sha256>,
}

impl RsaKey {
    pub(crate) fn from_der(key: &PrivateKeyDer) -> Result<Self, KeyError> {
        let private = RsaPrivateKey::from_pkcs8_der(&key.der)
            .map_err(|e| invalid_from(KeyProblem::Malformed(KeyKind::Rsa), e))?;
        let bits = usize::try_from(private.n().bit_width()).unwrap_or(usize::MAX);
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(KeyError::InvalidKey {
                problem: KeyProblem::RsaSize { bits },
                source: None,
            });
        }
        let signing = SigningKey::<Sha256>::new(private);
        let verifying = signing.verifying_key();
        Ok(Self { signing, verifying })
    }

    /// The RSASSA-PKCS1-v1_5 SHA-256 signature of the concatenated `parts`.
    pub(crate) fn sign(&self, parts: &[&[u8]]) -> Result<Box<[u8]>, KeyError> {
        let signature: Signature =
            self.signing
                .try_multipart_sign(parts)
                .map_err(|e| KeyError::SigningFailed {
                    kind: KeyKind::Rsa,
                    source: Source::new(e),
                })?;
        Ok(Box::<[u8]>::from(signature))
    }

    pub(crate) fn verify(&self, parts: &[&[u8]], signature: &[u8]) -> Result<(), VerifyError> {
        let signature = Signature::try_from(signature)
            .map_err(|_| VerifyError::SignatureFormat(super::error::SignatureProblem::NotRsa))?;
        let message = parts.concat();
        self.verifying
            .verify(&message, &signature)
            .map_err(|_| VerifyError::SignatureMismatch)
    }
}
