//! Diagnosing WebSocket API requests.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::matcher::{Matcher, Transport};
use super::{Code, Finding, Input, checks};
use crate::encoding::encode;
use crate::error::Error;
use crate::signer::Signer;
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
        .map_err(|e| Error::MalformedJson(crate::error::Source::new(e)))
}

fn join(members: &[(String, String)], f: impl Fn(&str) -> String) -> String {
    members
        .iter()
        .map(|(k, v)| format!("{}={}", f(k), f(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(super) fn diagnose(signer: &Signer, input: &Input<'_>) -> Result<(bool, Vec<Finding>), Error> {
    // A whole request carries its `params` object inside; read either in the order written.
    let top: Vec<(String, Box<RawValue>)> = parse(input.query)?;
    let params = top
        .iter()
        .find(|(k, v)| k == "params" && v.get().trim_start().starts_with('{'))
        .map_or(input.query, |(_, v)| v.get());
    let members: Vec<(String, Value)> = parse(params)?;
    let map: Map<String, Value> = members.iter().cloned().collect();
    let valid = signer.verify_ws(&map).is_ok();
    let pairs: Vec<(String, String)> = members
        .iter()
        .map(|(k, v)| (k.clone(), payload_text(v)))
        .collect();
    let api_key = input
        .api_key
        .or_else(|| map.get("apiKey").and_then(Value::as_str))
        .or(signer.api_key());
    let mut findings = Vec::new();
    checks::members(&pairs, input, &mut findings);
    checks::api_key(api_key, valid, input, &mut findings);
    if valid {
        return Ok((true, findings));
    }
    let signature = match map.get("signature") {
        Some(Value::String(signature)) => signature.as_str(),
        Some(other) => {
            findings.push(Finding::new(
                Code::SignatureEncoding,
                format!("`signature` is a JSON {}, not a string", json_kind(other)),
                "put the signature in params as a JSON string: hex for HMAC, plain base64 otherwise",
            ));
            return Ok((false, findings));
        }
        None => {
            findings.push(Finding::new(
                Code::SignatureMissing,
                "no `signature` in params",
                "add the signature to params as a JSON string",
            ));
            return Ok((false, findings));
        }
    };
    let given: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "signature")
        .cloned()
        .collect();
    let mut sorted = given.clone();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let without_key: Vec<(String, String)> = sorted
        .iter()
        .filter(|(k, _)| k != "apiKey")
        .cloned()
        .collect();
    let canonical = join(&sorted, str::to_owned);
    let matcher = Matcher::new(signer, signature, Transport::Ws);

    let as_rest = "sign the WebSocket form: every param but signature, apiKey included, sorted by key, k=v joined with &, raw values (no percent-encoding)";
    let mut candidates = vec![(None, canonical.clone())];
    for (why, payload) in [
        ("percent-encoded (the REST form)", join(&sorted, encode)),
        (
            "in the order given instead of sorted by key",
            join(&given, str::to_owned),
        ),
        (
            "percent-encoded and unsorted (the REST form)",
            join(&given, encode),
        ),
        ("without `apiKey`", join(&without_key, str::to_owned)),
        (
            "percent-encoded and without `apiKey`",
            join(&without_key, encode),
        ),
    ] {
        if payload != canonical {
            candidates.push((Some(why), payload));
        }
    }
    let mut matched = false;
    for (why, payload) in &candidates {
        if let Some(form) = matcher.check(payload) {
            matched = true;
            if let Some(why) = why {
                findings.push(
                    Finding::new(
                        Code::WsSignedAsRest,
                        format!("the signature matches the params {why}; the WebSocket API signs them sorted and unencoded"),
                        as_rest,
                    )
                    .confirmed(),
                );
            }
            findings.extend(matcher.encoding_finding(form));
            break;
        }
    }
    for (_, finding) in matcher.key_mistakes(&canonical, api_key) {
        matched = true;
        findings.push(finding);
    }
    if !matched {
        findings.push(Finding::new(
            Code::UnknownMismatch,
            "the signature matches neither the canonical WebSocket payload nor any known mistake",
            "check that the secret belongs to this API key, and sign the params sorted by key with raw values",
        ));
    }
    Ok((false, findings))
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
