//! Diagnosing WebSocket API requests.

use serde_json::{Map, Value};

use super::matcher::{Matcher, Transport};
use super::mistakes::mistakes;
use super::ws_members::members;
use super::{Api, Code, Finding, Findings, Input, checks};
use crate::error::Error;
use crate::signer::Signer;
use crate::ws::{payload_of, payload_text};

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
