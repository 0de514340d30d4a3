//! [`Params`]: the user parameters of a request, validated and encoded once.

use serde::Serialize;

use crate::encoding::{decode_pairs, encode_into, is_unreserved};

mod checks;
mod compare;
pub(crate) mod error;
mod index;
mod order_id;
mod serialize;
mod value;

use index::{KeyId, KeyIndex, tag};

use crate::params::error::{Field, ParamError, UnsupportedValue};
use crate::source::Source;
use checks::check_key;
pub(crate) use checks::{check_controls, validate_key, validate_pair};

pub use value::{DisplayValue, ParamValue, ValueKind};

/// Keys the signer sets itself; refused as user parameters.
pub(crate) const RESERVED_KEYS: [&str; 3] = ["signature", "timestamp", "recvWindow"];

/// An ordered list of request parameters, kept in insertion order.
///
/// Every key and value is validated when it is added, and percent-encoded once with
/// [`WIRE_ENCODE_SET`](crate::encoding::WIRE_ENCODE_SET); signing then only copies those bytes.
/// Refused, with a [`ParamError`] naming the key and the rule: an empty key, a duplicate key, the
/// reserved keys `signature`, `timestamp` and `recvWindow` (the signer sets them), an empty
/// value, and control characters in keys or values.
///
/// Values are [`ParamValue`]s: `&str`, `String`, integers, floats, `rust_decimal::Decimal`,
/// and any `Display` type wrapped in [`DisplayValue`]. A key appears once, except for ARRAY parameters that Binance
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
#[derive(Clone, Default)]
pub struct Params {
    /// The wire form, `k=v&k=v`: what is signed and sent.
    encoded: String,
    /// The raw text of keys and values that needed percent-encoding (the others are read
    /// straight out of `encoded`).
    raw: String,
    /// Where each pair's key and value are.
    pairs: Vec<Pair>,
    /// Hashes of the keys, once there are more than [`INDEX_FROM`] pairs: keeps duplicate
    /// detection linear in total for long lists. Empty below that.
    index: KeyIndex,
}

/// Below this many pairs, duplicate keys are found by a scan of the keys (faster than hashing
/// for the handful of parameters an order has).
const INDEX_FROM: usize = 16;

/// Where a key or value's raw text is: a byte range of `encoded` (nothing needed encoding) or
/// of `raw`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Text {
    start: usize,
    end: usize,
    in_raw: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pair {
    key: Text,
    value: Text,
    /// The key's [`tag`], compared before its bytes.
    tag: u32,
}

/// Where the list stood before a push, to put it back if the push is refused.
#[derive(Clone, Copy)]
struct Mark {
    encoded: usize,
    raw: usize,
    pairs: usize,
}

impl Params {
    /// An empty list. It allocates on the first push; see [`clear`](Self::clear) to reuse one
    /// list across orders.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empties the list and keeps its buffers: pushing the next order's parameters into a
    /// cleared list allocates nothing once the buffers have grown to fit.
    ///
    /// ```
    /// use binance_sign::Params;
    /// let mut p = Params::new();
    /// p.push("symbol", "BTCUSDT")?;
    /// p.clear();
    /// assert!(p.is_empty());
    /// p.push("symbol", "ETHUSDT")?; // no longer a duplicate
    /// assert_eq!(p.encoded(), "symbol=ETHUSDT");
    /// # Ok::<(), binance_sign::Error>(())
    /// ```
    pub fn clear(&mut self) {
        self.encoded.clear();
        self.raw.clear();
        self.pairs.clear();
        self.index.clear();
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
    pub fn try_from_pairs<I, K, V>(pairs: I) -> Result<Self, ParamError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: ParamValue,
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
    /// [`ParamError::NumberFormat`] for a float Binance cannot read, [`ParamError::Unsupported`] for a
    /// value no parameter can hold, [`ParamError::Serialize`] when the serializer fails otherwise,
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
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, ParamError> {
        let text = serialize::to_urlencoded(value)?;
        // The serializer's own output: a decoding failure would be its bug, reported as such.
        let pairs = decode_pairs(&text).map_err(|e| ParamError::Serialize {
            key: "?".to_owned(),
            source: Source::new(e),
        })?;
        Self::try_from_pairs(pairs)
    }

    /// Appends one parameter. `value` is a [`ParamValue`] that writes the raw text to send
    /// (`&str`, `String`, integers, floats, `rust_decimal::Decimal`, [`DisplayValue`], ...);
    /// the crate encodes it.
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
    /// [`ParamError::EmptyKey`], [`ParamError::DuplicateKey`], [`ParamError::ReservedKey`],
    /// [`ParamError::EmptyValue`], [`ParamError::ControlCharacter`], and [`ParamError::NumberFormat`] for a
    /// value that prints as `NaN`, `inf` or `-inf`, or for an `f32`/`f64` that needs more than
    /// 20 digits before or after the point (`1e21`, `1e-21`: Binance reads neither). Text is
    /// never refused for its length. A refused push leaves the list unchanged.
    ///
    /// The value is formatted straight into the list's buffer: once the list has grown (see
    /// [`clear`](Self::clear)), a push allocates nothing.
    pub fn push<V: ParamValue>(
        &mut self,
        key: impl AsRef<str>,
        value: V,
    ) -> Result<(), ParamError> {
        let key = key.as_ref();
        let plain_key = check_key(key, &RESERVED_KEYS)?;
        let key_id = self.key_id(key);
        self.check_new_key(key, key_id)?;
        let mark = self.mark();
        let key_text = self.push_key(key, plain_key);
        match self.push_value::<V>(key, &value) {
            Ok(value_text) => {
                self.record(key_id, key_text, value_text);
                Ok(())
            }
            Err(e) => {
                self.reset(mark);
                Err(e)
            }
        }
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
    /// [`ParamError::EmptyValue`] for an empty list, [`ParamError::DuplicateKey`] when the key is already
    /// present, and the errors of [`push`](Self::push) for any item. Nothing is added when an
    /// item is refused.
    pub fn push_repeated<I>(&mut self, key: impl AsRef<str>, items: I) -> Result<(), ParamError>
    where
        I: IntoIterator,
        I::Item: ParamValue,
    {
        let key = key.as_ref();
        let plain_key = check_key(key, &RESERVED_KEYS)?;
        let key_id = self.key_id(key);
        self.check_new_key(key, key_id)?;
        let mark = self.mark();
        let mut first = true;
        for item in items {
            let key_text = self.push_key(key, plain_key);
            match self.push_value::<I::Item>(key, &item) {
                Ok(value_text) => {
                    if first {
                        self.record(key_id, key_text, value_text);
                        first = false;
                    } else {
                        self.pairs.push(Pair {
                            key: key_text,
                            value: value_text,
                            tag: key_id.tag,
                        });
                    }
                }
                Err(e) => {
                    self.reset_unrecorded(mark, key);
                    return Err(e);
                }
            }
        }
        if first {
            return Err(ParamError::EmptyValue {
                key: key.to_owned(),
            });
        }
        Ok(())
    }

    #[inline(always)]
    fn key_id(&self, key: &str) -> KeyId {
        KeyId {
            tag: tag(key),
            hash: self.index.lookup(key),
        }
    }

    #[inline(always)]
    fn check_new_key(&self, key: &str, id: KeyId) -> Result<(), ParamError> {
        if self.contains_id(key, id) {
            return Err(ParamError::DuplicateKey {
                key: key.to_owned(),
            });
        }
        Ok(())
    }

    #[inline(always)]
    fn mark(&self) -> Mark {
        Mark {
            encoded: self.encoded.len(),
            raw: self.raw.len(),
            pairs: self.pairs.len(),
        }
    }

    /// Puts the list back where `mark` was taken (a refused push leaves it unchanged).
    fn reset(&mut self, mark: Mark) {
        self.encoded.truncate(mark.encoded);
        self.raw.truncate(mark.raw);
        self.pairs.truncate(mark.pairs);
    }

    /// As [`reset`](Self::reset), also forgetting `key` if it was recorded since `mark`.
    fn reset_unrecorded(&mut self, mark: Mark, key: &str) {
        if self.pairs.len() > mark.pairs && !self.index.is_empty() {
            let hash = self.index.hash(key);
            self.index.hashes.remove(&hash);
        }
        self.reset(mark);
        // Going back below the threshold: the index is rebuilt when it is needed again.
        if self.pairs.len() <= INDEX_FROM {
            self.index.clear();
        }
    }

    /// Appends the separator and the encoded key; returns where the key's raw text is.
    #[inline(always)]
    fn push_key(&mut self, key: &str, plain: bool) -> Text {
        if !self.encoded.is_empty() {
            self.encoded.push('&');
        } else if self.encoded.capacity() == 0 {
            self.encoded.reserve(FIRST_CAPACITY);
            self.pairs.reserve(8);
        }
        let start = self.encoded.len();
        if !plain {
            let raw_start = self.raw.len();
            self.raw.push_str(key);
            encode_into(key, &mut self.encoded);
            self.encoded.push('=');
            Text {
                start: raw_start,
                end: self.raw.len(),
                in_raw: true,
            }
        } else {
            self.encoded.push_str(key);
            self.encoded.push('=');
            Text {
                start,
                end: start + key.len(),
                in_raw: false,
            }
        }
    }

    /// Formats `value` at the end of the wire form, checks it, and encodes it in place when it
    /// needs encoding; returns where its raw text is. On error the caller resets the list.
    #[inline(always)]
    fn push_value<V: ParamValue>(&mut self, key: &str, value: &V) -> Result<Text, ParamError> {
        let start = self.encoded.len();
        // Writing to a `String` cannot fail; a `Display` impl that reports an error is refused
        // below as an empty or partial value would be, never sent.
        if value.write_param(&mut self.encoded).is_err() {
            return Err(ParamError::Unsupported {
                key: key.to_owned(),
                value: UnsupportedValue::FailingDisplay,
            });
        }
        let text = &self.encoded[start..];
        if crate::rules::check_empty(text).is_err() {
            return Err(ParamError::EmptyValue {
                key: key.to_owned(),
            });
        }
        let plain = !needs_encoding(text);
        if !plain {
            check_controls(key, Field::Value, text)?;
        }
        if V::KIND == ValueKind::Float
            && let Err(rule) = crate::rules::float_text(text)
        {
            return Err(ParamError::NumberFormat {
                key: key.to_owned(),
                value: text.to_owned(),
                rule,
            });
        }
        if plain {
            return Ok(Text {
                start,
                end: self.encoded.len(),
                in_raw: false,
            });
        }
        let raw_start = self.raw.len();
        self.raw.push_str(&self.encoded[start..]);
        self.encoded.truncate(start);
        encode_into(&self.raw[raw_start..], &mut self.encoded);
        Ok(Text {
            start: raw_start,
            end: self.raw.len(),
            in_raw: true,
        })
    }

    /// Records a new key's pair (and its hash, once the list is long).
    #[inline(always)]
    fn record(&mut self, id: KeyId, key_text: Text, value_text: Text) {
        self.pairs.push(Pair {
            key: key_text,
            value: value_text,
            tag: id.tag,
        });
        match id.hash {
            Some(hash) => {
                self.index.hashes.insert(hash);
            }
            None if self.pairs.len() > INDEX_FROM => self.rebuild_index(),
            None => {}
        }
    }

    fn rebuild_index(&mut self) {
        let mut index = std::mem::take(&mut self.index);
        index.clear();
        index.hashes.reserve(self.pairs.len() * 2);
        for (key, _) in self.iter() {
            let hash = index.hash(key);
            index.hashes.insert(hash);
        }
        self.index = index;
    }

    #[inline(always)]
    fn bytes(&self, at: Text) -> &[u8] {
        let buffer = if at.in_raw { &self.raw } else { &self.encoded };
        buffer.as_bytes().get(at.start..at.end).unwrap_or_default()
    }

    fn text(&self, at: Text) -> &str {
        let buffer = if at.in_raw { &self.raw } else { &self.encoded };
        buffer.get(at.start..at.end).unwrap_or_default()
    }

    /// Appends a list parameter (`symbols`, `orderIdList`, ...) as one compact JSON array of
    /// strings: `["BTCUSDT","BNBUSDT"]`, no spaces, each item JSON-escaped.
    ///
    /// # Errors
    ///
    /// [`ParamError::EmptyValue`] for an empty list, and the errors of [`push`](Self::push).
    pub fn push_list<I>(&mut self, key: impl AsRef<str>, items: I) -> Result<(), ParamError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut json = String::from("[");
        for item in items {
            if json.len() > 1 {
                json.push(',');
            }
            let quoted =
                serde_json::to_string(item.as_ref()).map_err(|e| ParamError::Serialize {
                    key: key.as_ref().to_owned(),
                    source: Source::new(e),
                })?;
            json.push_str(&quoted);
        }
        if json.len() == 1 {
            return Err(ParamError::EmptyValue {
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
    /// [`ParamError::Serialize`] when `serde_json` cannot serialize `value`, and the errors of
    /// [`push`](Self::push).
    pub fn push_json<T: Serialize + ?Sized>(
        &mut self,
        key: impl AsRef<str>,
        value: &T,
    ) -> Result<(), ParamError> {
        let json = serde_json::to_string(value).map_err(|e| ParamError::Serialize {
            key: key.as_ref().to_owned(),
            source: Source::new(e),
        })?;
        self.push(key, json)
    }

    /// The (first) value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Every value of `key`, in order: one, or several for a repeated ARRAY parameter.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.iter().filter(move |(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.contains_id(key, self.key_id(key))
    }

    #[inline(always)]
    fn contains_id(&self, key: &str, id: KeyId) -> bool {
        if let Some(hash) = id.hash
            && !self.index.hashes.contains(&hash)
        {
            return false;
        }
        let wanted = id.tag;
        let key = key.as_bytes();
        self.pairs
            .iter()
            .any(|pair| pair.tag == wanted && self.bytes(pair.key) == key)
    }

    /// The parameters in order, as raw (decoded) text.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs
            .iter()
            .map(|pair| (self.text(pair.key), self.text(pair.value)))
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
}

/// What the wire form reserves on the first push: room for a typical order.
const FIRST_CAPACITY: usize = 192;

/// Whether `text` has a byte outside RFC 3986 unreserved, which [`encode_into`] escapes (and
/// which may be a control character).
#[inline(always)]
fn needs_encoding(text: &str) -> bool {
    !is_unreserved(text)
}

#[cfg(test)]
mod tests;
