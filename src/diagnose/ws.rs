//! Diagnosing WebSocket API requests.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::matcher::{Matcher, Transport};
use super::mistakes::mistakes;
use super::{Api, Code, Finding, Findings, Input, checks};
use crate::error::Error;
use crate::signer::Signer;
use crate::ws::{payload_of, payload_text};

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

/// The `params` members of a WebSocket request as text (`params` JSON object, or a whole
/// request carrying one), in the order written: each key with its value's payload text.
pub(crate) fn members_text(text: &str) -> Result<Vec<(String, String)>, Error> {
    Ok(members(text)?
        .iter()
        .map(|(k, v)| (k.clone(), payload_text(v)))
        .collect())
}

/// The members of the `params` object, in the order written.
fn members(text: &str) -> Result<Vec<(String, Value)>, Error> {
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

pub(super) fn diagnose(signer: &Signer, input: &Input<'_>) -> Result<(bool, Findings), Error> {
    let members = members(input.query)?;
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
    let mut findings = Findings::default();
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
    let given: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, _)| k != "signature")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let canonical = payload_of(&given, true, str::to_owned);
    let matcher = Matcher::new(signer, signature, Transport::Ws);
    // The canonical payload first, then each WebSocket row of the mistake table; the first
    // that reproduces the signature is reported.
    let mut matched = false;
    if let Some(form) = matcher.check(&canonical) {
        matched = true;
        findings.extend(matcher.encoding_finding(form));
    } else {
        for mistake in mistakes().iter().filter(|m| m.api() == Api::WebSocket) {
            let Some(payload) = mistake.rebuild_ws(&given).filter(|p| *p != canonical) else {
                continue;
            };
            if let Some(form) = matcher.check(&payload) {
                matched = true;
                findings.push(
                    Finding::new(mistake.code(), mistake.message(), mistake.fix()).confirmed(),
                );
                findings.extend(matcher.encoding_finding(form));
                break;
            }
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
