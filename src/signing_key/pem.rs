//! Reading PKCS#8 PEM private keys, and telling their kind from the algorithm identifier.

use pkcs8::der::{Decode, pem::decode_vec};
use pkcs8::{ObjectIdentifier, PrivateKeyInfoRef};
use zeroize::Zeroizing;

use crate::signing_key::KeyKind;
use crate::signing_key::error::{KeyError, KeyProblem};
use crate::source::Source;

const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const RSA_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// A PKCS#8 private key: its DER bytes (zeroized on drop) and its kind.
pub(crate) struct PrivateKeyDer {
    pub(crate) der: Zeroizing<Vec<u8>>,
    pub(crate) kind: KeyKind,
}

fn invalid(problem: KeyProblem) -> KeyError {
    KeyError::InvalidKey {
        problem,
        source: None,
    }
}

/// The error for `problem`, caused by a parser's `source`.
pub(crate) fn invalid_from(
    problem: KeyProblem,
    source: impl std::error::Error + Send + Sync + 'static,
) -> KeyError {
    KeyError::InvalidKey {
        problem,
        source: Some(Source::new(source)),
    }
}

/// Decodes a PEM private key, decrypting it with `passphrase` when it is encrypted.
pub(crate) fn read(pem: &str, passphrase: Option<&[u8]>) -> Result<PrivateKeyDer, KeyError> {
    let (label, der) =
        decode_vec(pem.trim().as_bytes()).map_err(|e| invalid_from(KeyProblem::NotPem, e))?;
    let der = Zeroizing::new(der);
    let der = match label {
        "PRIVATE KEY" => der,
        "ENCRYPTED PRIVATE KEY" => decrypt(&der, passphrase)?,
        "RSA PRIVATE KEY" => return Err(invalid(KeyProblem::Pkcs1)),
        "PUBLIC KEY" => return Err(invalid(KeyProblem::PublicKey)),
        other => {
            return Err(invalid(KeyProblem::OtherLabel(crate::source::excerpt(
                other, 40,
            ))));
        }
    };
    let info = PrivateKeyInfoRef::from_der(&der)
        .map_err(|e| invalid_from(KeyProblem::MalformedPkcs8, e))?;
    let kind = match info.algorithm.oid {
        ED25519_OID => KeyKind::Ed25519,
        RSA_OID => KeyKind::Rsa,
        oid => return Err(invalid(KeyProblem::UnsupportedAlgorithm(oid.to_string()))),
    };
    Ok(PrivateKeyDer { der, kind })
}

/// Decrypts an encrypted PKCS#8 key (feature `encrypted-pem`).
#[cfg(feature = "encrypted-pem")]
fn decrypt(der: &[u8], passphrase: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let Some(passphrase) = passphrase else {
        return Err(invalid(KeyProblem::NeedsPassphrase));
    };
    let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(der)
        .map_err(|e| invalid_from(KeyProblem::MalformedEncrypted, e))?;
    let doc = info
        .decrypt(passphrase)
        .map_err(|e| invalid_from(KeyProblem::Decrypt, e))?;
    Ok(Zeroizing::new(doc.as_bytes().to_vec()))
}

/// Without `encrypted-pem`, an encrypted key is refused, naming the feature.
#[cfg(not(feature = "encrypted-pem"))]
fn decrypt(_: &[u8], _: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    Err(invalid(KeyProblem::EncryptedPemDisabled))
}

// The key schedules `encrypted-pem` builds from a passphrase are wiped on drop: this fails to
// compile if the `zeroize` features of `aes`, `cbc` or `aes-gcm` are ever lost.
#[cfg(feature = "encrypted-pem")]
const _: fn() = || {
    fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wiped_on_drop::<aes::Aes256>();
    wiped_on_drop::<cbc::Decryptor<aes::Aes256>>();
    wiped_on_drop::<aes_gcm::Aes256Gcm>();
};

/// Checks that `key` holds the kind the caller asked for.
pub(crate) fn expect(key: &PrivateKeyDer, wanted: KeyKind) -> Result<(), KeyError> {
    if key.kind == wanted {
        Ok(())
    } else {
        Err(invalid(KeyProblem::WrongKind {
            found: key.kind,
            wanted,
        }))
    }
}
