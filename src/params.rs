//! [`Params`]: the user parameters of a request, validated and encoded once.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use crate::encoding::{decode_pairs, encode_into};
use crate::error::{Error, Field, Source};

mod serialize;

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
/// Values are anything that implements `Display`: `&str`, `String`, integers,
/// `rust_decimal::Decimal`, ... A key appears once, except for ARRAY parameters that Binance
/// takes as a repeated key, added with [`push_repeated`](Self::push_repeated).
///
/// ```
/// use binance_sign::Params;
/// let mut params = Params::new();
/// params.push("symbol", "BTCUSDT")?;
/// params.push("orderId", 42u64)?;
/// params.push_list("symbols", ["BTCUSDT", "BNBUSDT"])?;
/// params.push("email", "a b@example.com")?;
/// assert_eq!(
///     params.encoded(),
///     "symbol=BTCUSDT&orderId=42&symbols=%5B%22BTCUSDT%22%2C%22BNBUSDT%22%5D&email=a%20b%40example.com"
/// );
/// assert!(params.push("symbol", "ETHUSDT").is_err()); // duplicate
/// assert!(params.push("timestamp", "1").is_err()); // reserved
/// # Ok::<(), binance_sign::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
    keys: HashSet<String>,
    encoded: String,
}

impl Params {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a list from `(key, value)` pairs, refusing the first invalid one.
    ///
    /// # Errors
    ///
    /// As [`push`](Self::push), for the first pair refused.
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
        V: fmt::Display,
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
    /// Floats are written in plain decimal (`0.00001`, never `1e-5`, and `-1.5` for a negative
    /// number: Binance's number rules are per endpoint); NaN, infinities and numbers with more
    /// than 20 digits on either side of the point are refused. A `Vec` (or slice) field becomes
    /// one compact JSON list, `["BTCUSDT","BNBUSDT"]`, as Binance's list parameters
    /// (`symbols`, `orderIdList`, `batchOrders`) want it. A nested struct or map is refused with
    /// the key and what to use instead.
    ///
    /// # Errors
    ///
    /// [`Error::NumberFormat`] for a float Binance cannot read, [`Error::Unsupported`] for a
    /// value no parameter can hold, [`Error::Serialize`] when the serializer fails otherwise,
    /// and the errors of [`push`](Self::push).
    ///
    /// ```
    /// use binance_sign::Params;
    /// #[derive(serde::Serialize)]
    /// struct Order<'a> { symbol: &'a str, quantity: f64, price: Option<f64> }
    /// let p = Params::from_serialize(&Order { symbol: "BTCUSDT", quantity: 0.00001, price: None })?;
    /// assert_eq!(p.encoded(), "symbol=BTCUSDT&quantity=0.00001");
    /// assert!(Params::from_serialize(&Order { symbol: "X", quantity: f64::NAN, price: None }).is_err());
    ///
    /// #[derive(serde::Serialize)]
    /// struct Cancel { symbol: &'static str, #[serde(rename = "orderIdList")] order_ids: Vec<u64> }
    /// let p = Params::from_serialize(&Cancel { symbol: "BTCUSDT", order_ids: vec![1, 2] })?;
    /// assert_eq!(p.get("orderIdList"), Some("[1,2]"));
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        let text = serialize::to_urlencoded(value)?;
        let pairs = decode_pairs(&text)?;
        Self::try_from_pairs(pairs)
    }

    /// Appends one parameter. `value` is anything `Display` writes as the raw text to send
    /// (`&str`, `String`, integers, `rust_decimal::Decimal`, ...); the crate encodes it.
    ///
    /// ```
    /// use binance_sign::Params;
    /// let mut p = Params::new();
    /// p.push("symbol", "BTCUSDT")?;
    /// p.push("quantity", 1)?;
    /// p.push("price", -0.5)?;
    /// assert_eq!(p.encoded(), "symbol=BTCUSDT&quantity=1&price=-0.5");
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::EmptyKey`], [`Error::DuplicateKey`], [`Error::ReservedKey`],
    /// [`Error::EmptyValue`], [`Error::ControlCharacter`], and [`Error::NumberFormat`] for a
    /// value that prints as `NaN`, `inf` or `-inf`. A refused push leaves the list unchanged.
    pub fn push(&mut self, key: impl AsRef<str>, value: impl fmt::Display) -> Result<(), Error> {
        let key = key.as_ref();
        let value = value_text(key, value)?;
        self.check_new_key(key)?;
        self.push_validated(key, value);
        Ok(())
    }

    /// Appends an ARRAY parameter that Binance takes as a repeated key, one `key=item` per item
    /// (`asset=BTC&asset=USDT` on `POST /sapi/v1/asset/dust`). Most list parameters are one
    /// JSON value instead: use [`push_list`](Self::push_list) for those.
    ///
    /// ```
    /// use binance_sign::Params;
    /// let mut p = Params::new();
    /// p.push_repeated("asset", ["BTC", "USDT"])?;
    /// assert_eq!(p.encoded(), "asset=BTC&asset=USDT");
    /// assert!(p.push("asset", "ETH").is_err()); // still only one list per key
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::EmptyValue`] for an empty list, [`Error::DuplicateKey`] when the key is already
    /// present, and the errors of [`push`](Self::push) for any item. Nothing is added when an
    /// item is refused.
    pub fn push_repeated<I>(&mut self, key: impl AsRef<str>, items: I) -> Result<(), Error>
    where
        I: IntoIterator,
        I::Item: fmt::Display,
    {
        let key = key.as_ref();
        self.check_new_key(key)?;
        let values = items
            .into_iter()
            .map(|item| value_text(key, item))
            .collect::<Result<Vec<_>, _>>()?;
        if values.is_empty() {
            return Err(Error::EmptyValue {
                key: key.to_owned(),
            });
        }
        for value in values {
            self.push_validated(key, value);
        }
        Ok(())
    }

    fn check_new_key(&self, key: &str) -> Result<(), Error> {
        if self.keys.contains(key) {
            return Err(Error::DuplicateKey {
                key: key.to_owned(),
            });
        }
        Ok(())
    }

    /// Appends a list parameter (`symbols`, `orderIdList`, ...) as one compact JSON array of
    /// strings: `["BTCUSDT","BNBUSDT"]`, no spaces, each item JSON-escaped.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyValue`] for an empty list, and the errors of [`push`](Self::push).
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
            let quoted = serde_json::to_string(item.as_ref()).map_err(|e| Error::Serialize {
                key: key.as_ref().to_owned(),
                source: Source::new(e),
            })?;
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
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] when `serde_json` cannot serialize `value`, and the errors of
    /// [`push`](Self::push).
    pub fn push_json<T: Serialize + ?Sized>(
        &mut self,
        key: impl AsRef<str>,
        value: &T,
    ) -> Result<(), Error> {
        let json = serde_json::to_string(value).map_err(|e| Error::Serialize {
            key: key.as_ref().to_owned(),
            source: Source::new(e),
        })?;
        self.push(key, json)
    }

    /// The (first) value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        if !self.keys.contains(key) {
            return None;
        }
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order: one, or several for a repeated ARRAY parameter.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.keys.contains(key)
    }

    /// The parameters in order, as raw (decoded) text.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many `key=value` pairs there are (a repeated key counts once per value).
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

    fn push_validated(&mut self, key: &str, value: String) {
        if !self.encoded.is_empty() {
            self.encoded.push('&');
        }
        encode_into(key, &mut self.encoded);
        self.encoded.push('=');
        encode_into(&value, &mut self.encoded);
        if !self.keys.contains(key) {
            self.keys.insert(key.to_owned());
        }
        self.pairs.push((key.to_owned(), value));
    }
}

/// The rule a float that is not finite breaks.
pub(crate) const NOT_FINITE: &str = "is not a finite number; Binance reads decimals only";

/// The text of a value for `key`, checked as every user parameter is; a float that is not
/// finite (`Display` writes `NaN`, `inf`, `-inf`) is never sent.
fn value_text(key: &str, value: impl fmt::Display) -> Result<String, Error> {
    let value = value.to_string();
    validate_pair(key, &value)?;
    if matches!(value.as_str(), "NaN" | "inf" | "-inf") {
        return Err(Error::NumberFormat {
            key: key.to_owned(),
            value,
            rule: NOT_FINITE,
        });
    }
    Ok(value)
}

/// The checks every user parameter goes through, whatever the API form.
pub(crate) fn validate_pair(key: &str, value: &str) -> Result<(), Error> {
    validate_key(key, &RESERVED_KEYS)?;
    check_controls(key, Field::Value, value)?;
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
    check_controls(key, Field::Key, key)?;
    if reserved.contains(&key) {
        return Err(Error::ReservedKey {
            key: key.to_owned(),
        });
    }
    Ok(())
}

/// Refuses control characters in `text` (the key or the value of parameter `key`), naming the
/// byte offset in it.
pub(crate) fn check_controls(key: &str, field: Field, text: &str) -> Result<(), Error> {
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
                field: Field::Value,
                code: 10,
                position: 1
            })
        );
        assert_eq!(
            p.push("k\0", "v"),
            Err(Error::ControlCharacter {
                key: "k\\u{0}".into(),
                field: Field::Key,
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
        let negative = Params::from_serialize(&[("a", -1.5)]).unwrap();
        assert_eq!(negative.encoded(), "a=-1.5");
        for bad in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e25,
            1e-25,
            -1e21,
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

    #[test]
    fn from_serialize_lists_and_nested_values() {
        #[derive(Serialize)]
        struct Inner {
            symbol: &'static str,
            price: f64,
        }
        #[derive(Serialize)]
        struct Q {
            symbols: Vec<&'static str>,
            #[serde(rename = "orderIdList")]
            ids: [u64; 2],
            #[serde(rename = "batchOrders")]
            batch: Vec<Inner>,
            prices: Vec<f64>,
        }
        let p = Params::from_serialize(&Q {
            symbols: vec!["BTCUSDT", "BNBUSDT"],
            ids: [1, 2],
            batch: vec![Inner {
                symbol: "BTCUSDT",
                price: 0.00001,
            }],
            prices: vec![0.00001, -2.5],
        })
        .unwrap();
        assert_eq!(p.get("symbols"), Some(r#"["BTCUSDT","BNBUSDT"]"#));
        assert_eq!(p.get("orderIdList"), Some("[1,2]"));
        assert_eq!(
            p.get("batchOrders"),
            Some(r#"[{"symbol":"BTCUSDT","price":0.00001}]"#)
        );
        assert_eq!(p.get("prices"), Some("[0.00001,-2.5]"));

        #[derive(Serialize)]
        struct Nested {
            symbol: &'static str,
            inner: Inner,
        }
        let err = Params::from_serialize(&Nested {
            symbol: "X",
            inner: Inner {
                symbol: "Y",
                price: 1.0,
            },
        })
        .unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported { key, .. } if key == "inner"),
            "{err:?}"
        );
        assert!(err.to_string().contains("push_json"), "{err}");
        let err = Params::from_serialize(&[("prices", vec![f64::NAN])]).unwrap_err();
        assert!(
            matches!(&err, Error::NumberFormat { key, .. } if key == "prices"),
            "{err:?}"
        );
        let err = Params::from_serialize(&[("symbols", Vec::<String>::new())]).unwrap_err();
        assert_eq!(
            err,
            Error::EmptyValue {
                key: "symbols".into()
            }
        );
    }

    #[test]
    fn display_values_and_repeated_keys() {
        let mut p = Params::new();
        p.push("orderId", 42u64).unwrap();
        p.push("price", -0.5f64).unwrap();
        p.push("flag", true).unwrap();
        p.push_repeated("asset", ["BTC", "USDT"]).unwrap();
        assert_eq!(
            p.encoded(),
            "orderId=42&price=-0.5&flag=true&asset=BTC&asset=USDT"
        );
        assert_eq!(p.get("asset"), Some("BTC"));
        assert_eq!(p.get_all("asset").collect::<Vec<_>>(), ["BTC", "USDT"]);
        assert_eq!(p.len(), 5);
        assert_eq!(
            p.push("asset", "ETH"),
            Err(Error::DuplicateKey {
                key: "asset".into()
            })
        );
        assert_eq!(
            p.push_repeated("orderId", [1]),
            Err(Error::DuplicateKey {
                key: "orderId".into()
            })
        );
        assert_eq!(
            p.push_repeated("empty", Vec::<u8>::new()),
            Err(Error::EmptyValue {
                key: "empty".into()
            })
        );
        assert!(p.push_repeated("bad", ["ok", ""]).is_err());
        assert!(
            !p.contains_key("bad"),
            "nothing added when an item is refused"
        );
        assert!(matches!(
            p.push("qty", f64::NAN),
            Err(Error::NumberFormat { .. })
        ));
        assert!(matches!(
            p.push("qty", f64::INFINITY),
            Err(Error::NumberFormat { .. })
        ));
    }
}
