//! [`Params`]: the user parameters of a request, validated and encoded once.

use serde::Serialize;

use crate::encoding::{decode_pairs, encode_into};
use crate::error::Error;

mod float_safe;

/// Keys the signer sets itself; refused as user parameters.
pub(crate) const RESERVED_KEYS: [&str; 3] = ["signature", "timestamp", "recvWindow"];

/// An ordered list of request parameters, kept in insertion order.
///
/// Every key and value is validated when it is added, and percent-encoded once with
/// [`WIRE_ENCODE_SET`](crate::encoding::WIRE_ENCODE_SET); signing then only copies those bytes.
/// Refused, with an [`Error`] naming the key and the rule: an empty key, a duplicate key, the
/// reserved keys `signature`, `timestamp` and `recvWindow` (the signer sets them), an empty
/// value, and control characters in keys or values.
///
/// ```
/// use binance_sign::Params;
/// let mut params = Params::new();
/// params.push("symbol", "BTCUSDT")?;
/// params.push_list("symbols", ["BTCUSDT", "BNBUSDT"])?;
/// params.push("email", "a b@example.com")?;
/// assert_eq!(
///     params.encoded(),
///     "symbol=BTCUSDT&symbols=%5B%22BTCUSDT%22%2C%22BNBUSDT%22%5D&email=a%20b%40example.com"
/// );
/// assert!(params.push("symbol", "ETHUSDT").is_err()); // duplicate
/// assert!(params.push("timestamp", "1").is_err()); // reserved
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
    encoded: String,
}

impl Params {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a list from `(key, value)` pairs, refusing the first invalid one.
    ///
    /// ```
    /// use binance_sign::Params;
    /// let p = Params::try_from_pairs([("symbol", "LTCBTC"), ("side", "BUY")])?;
    /// assert_eq!(p.encoded(), "symbol=LTCBTC&side=BUY");
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    pub fn try_from_pairs<I, K, V>(pairs: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut params = Self::new();
        for (key, value) in pairs {
            params.push(key, value)?;
        }
        Ok(params)
    }

    /// Builds a list from any `serde::Serialize` struct (or map, or sequence of pairs), through
    /// `serde_urlencoded`, keeping field order. `None` fields are left out.
    ///
    /// Floats are written in plain decimal (`0.00001`, never `1e-5`); NaN, infinities and
    /// numbers that do not fit Binance's `^[0-9]{1,20}(\.[0-9]{1,20})?$` are refused.
    ///
    /// ```
    /// use binance_sign::Params;
    /// #[derive(serde::Serialize)]
    /// struct Order<'a> { symbol: &'a str, quantity: f64, price: Option<f64> }
    /// let p = Params::from_serialize(&Order { symbol: "BTCUSDT", quantity: 0.00001, price: None })?;
    /// assert_eq!(p.encoded(), "symbol=BTCUSDT&quantity=0.00001");
    /// assert!(Params::from_serialize(&Order { symbol: "X", quantity: f64::NAN, price: None }).is_err());
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        let text = float_safe::to_urlencoded(value)?;
        let pairs = decode_pairs(&text)?;
        Self::try_from_pairs(pairs)
    }

    /// Appends one parameter. `value` is raw text; the crate encodes it.
    pub fn push(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Result<(), Error> {
        let (key, value) = (key.as_ref(), value.as_ref());
        validate_pair(key, value)?;
        if self.get(key).is_some() {
            return Err(Error::DuplicateKey {
                key: key.to_owned(),
            });
        }
        self.push_validated(key, value);
        Ok(())
    }

    /// Appends a list parameter (`symbols`, `orderIdList`, ...) as one compact JSON array of
    /// strings: `["BTCUSDT","BNBUSDT"]`, no spaces, each item JSON-escaped.
    ///
    /// An empty list is refused as an empty value.
    pub fn push_list<I>(&mut self, key: impl AsRef<str>, items: I) -> Result<(), Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut json = String::from("[");
        for item in items {
            if json.len() > 1 {
                json.push(',');
            }
            let quoted = serde_json::to_string(item.as_ref())
                .map_err(|e| Error::Serialize(e.to_string()))?;
            json.push_str(&quoted);
        }
        if json.len() == 1 {
            return Err(Error::EmptyValue {
                key: key.as_ref().to_owned(),
            });
        }
        json.push(']');
        self.push(key, json)
    }

    /// Appends a parameter whose value is compact JSON (for `batchOrders`, a list of order
    /// objects, say).
    ///
    /// ```
    /// use binance_sign::Params;
    /// let mut p = Params::new();
    /// p.push_json("batchOrders", &serde_json::json!([{"symbol": "BTCUSDT", "side": "BUY"}]))?;
    /// assert_eq!(binance_sign::encoding::decode_pairs(p.encoded())?[0].1,
    ///            r#"[{"side":"BUY","symbol":"BTCUSDT"}]"#);
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    pub fn push_json<T: Serialize + ?Sized>(
        &mut self,
        key: impl AsRef<str>,
        value: &T,
    ) -> Result<(), Error> {
        let json = serde_json::to_string(value).map_err(|e| Error::Serialize(e.to_string()))?;
        self.push(key, json)
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The parameters in order, as raw (decoded) text.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many parameters there are.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The wire form `k=v&k=v` of these parameters, exactly as they will be signed and sent.
    pub fn encoded(&self) -> &str {
        &self.encoded
    }

    fn push_validated(&mut self, key: &str, value: &str) {
        if !self.encoded.is_empty() {
            self.encoded.push('&');
        }
        encode_into(key, &mut self.encoded);
        self.encoded.push('=');
        encode_into(value, &mut self.encoded);
        self.pairs.push((key.to_owned(), value.to_owned()));
    }
}

/// The checks every user parameter goes through, whatever the API form.
pub(crate) fn validate_pair(key: &str, value: &str) -> Result<(), Error> {
    validate_key(key, &RESERVED_KEYS)?;
    check_controls(key, "value", value)?;
    if value.is_empty() {
        return Err(Error::EmptyValue {
            key: key.to_owned(),
        });
    }
    Ok(())
}

/// The checks every user key goes through: not empty, no control characters, not `reserved`.
pub(crate) fn validate_key(key: &str, reserved: &[&str]) -> Result<(), Error> {
    if key.is_empty() {
        return Err(Error::EmptyKey);
    }
    check_controls(key, "key", key)?;
    if reserved.contains(&key) {
        return Err(Error::ReservedKey {
            key: key.to_owned(),
        });
    }
    Ok(())
}

fn check_controls(key: &str, field: &'static str, text: &str) -> Result<(), Error> {
    match text.char_indices().find(|(_, c)| c.is_control()) {
        None => Ok(()),
        Some((position, c)) => Err(Error::ControlCharacter {
            key: key.escape_default().to_string(),
            field,
            code: u32::from(c),
            position,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_key_and_rule() {
        let mut p = Params::new();
        assert_eq!(p.push("", "x"), Err(Error::EmptyKey));
        assert_eq!(
            p.push("symbol", ""),
            Err(Error::EmptyValue {
                key: "symbol".into()
            })
        );
        for reserved in RESERVED_KEYS {
            assert_eq!(
                p.push(reserved, "1"),
                Err(Error::ReservedKey {
                    key: reserved.into()
                })
            );
        }
        assert_eq!(
            p.push("note", "a\nb"),
            Err(Error::ControlCharacter {
                key: "note".into(),
                field: "value",
                code: 10,
                position: 1
            })
        );
        assert_eq!(
            p.push("k\0", "v"),
            Err(Error::ControlCharacter {
                key: "k\\u{0}".into(),
                field: "key",
                code: 0,
                position: 1
            })
        );
        assert!(matches!(
            p.push("del", "\u{7f}"),
            Err(Error::ControlCharacter { code: 0x7f, .. })
        ));
        assert!(matches!(
            p.push("c1", "\u{85}"),
            Err(Error::ControlCharacter { code: 0x85, .. })
        ));
        p.push("symbol", "BTCUSDT").unwrap();
        assert_eq!(
            p.push("symbol", "X"),
            Err(Error::DuplicateKey {
                key: "symbol".into()
            })
        );
        assert_eq!(p.len(), 1, "a refused push leaves the list unchanged");
        assert_eq!(p.encoded(), "symbol=BTCUSDT");
    }

    #[test]
    fn list_values_are_compact_json() {
        let mut p = Params::new();
        p.push_list("symbols", ["BTC\"USDT", "BNBUSDT"]).unwrap();
        assert_eq!(p.get("symbols"), Some(r#"["BTC\"USDT","BNBUSDT"]"#));
        assert_eq!(
            p.push_list("empty", Vec::<String>::new()),
            Err(Error::EmptyValue {
                key: "empty".into()
            })
        );
    }

    #[test]
    fn from_serialize_floats_plain_decimal() {
        #[derive(Serialize)]
        struct Q {
            a: f64,
            b: f32,
            c: Option<f64>,
            d: u64,
            e: &'static str,
        }
        let p = Params::from_serialize(&Q {
            a: 0.00001,
            b: 0.1,
            c: Some(12345678.5),
            d: 7,
            e: "x y",
        })
        .unwrap();
        assert_eq!(p.encoded(), "a=0.00001&b=0.1&c=12345678.5&d=7&e=x%20y");
        for bad in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e25,
            1e-25,
            -1.5,
        ] {
            let err = Params::from_serialize(&Q {
                a: bad,
                b: 1.0,
                c: None,
                d: 1,
                e: "x",
            })
            .unwrap_err();
            assert!(
                matches!(&err, Error::NumberFormat { key, .. } if key == "a"),
                "{bad}: {err:?}"
            );
        }
        let err = Params::from_serialize(&[("timestamp", 1)]).unwrap_err();
        assert_eq!(
            err,
            Error::ReservedKey {
                key: "timestamp".into()
            }
        );
    }
}
