//! Reading a pasted WebSocket API request's `params` members in the order written: the doctor
//! and its mistake table both read them here.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::wire::error::WireError;
use crate::ws::payload_text;

/// A JSON object's members in the order written (`serde_json::Map` sorts them).
struct Ordered<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Members<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered<V>, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, V>()? {
                    members.push(member);
                }
                Ok(Ordered(members))
            }
        }
        deserializer.deserialize_map(Members(PhantomData))
    }
}

fn parse<'a, V: Deserialize<'a>>(text: &'a str) -> Result<Vec<(String, V)>, Error> {
    serde_json::from_str::<Ordered<V>>(text)
        .map(|o| o.0)
        .map_err(|e| Error::Wire(WireError::MalformedJson(crate::source::Source::new(e))))
}

/// The `params` members of a WebSocket request as text (`params` JSON object, or a whole
/// request carrying one), in the order written: each key with its value's payload text.
pub(super) fn members_text(text: &str) -> Result<Vec<(String, String)>, Error> {
    Ok(members(text)?
        .iter()
        .map(|(k, v)| (k.clone(), payload_text(v)))
        .collect())
}

/// The members of the `params` object, in the order written.
pub(super) fn members(text: &str) -> Result<Vec<(String, Value)>, Error> {
    // A whole request carries its `params` object inside; read either in the order written.
    let top: Vec<(String, Box<RawValue>)> = parse(text)?;
    match top
        .iter()
        .find(|(k, v)| k == "params" && v.get().trim_start().starts_with('{'))
    {
        Some((_, params)) => parse(params.get()),
        None => parse(text),
    }
}
