//! Diagnosing REST requests.

use super::matcher::{Form, Matcher, Transport};
use super::{Code, Finding, Input, checks};
use crate::encoding::{WIRE_ENCODE_SET, decode, encode, segments};
use crate::signer::Signer;

/// One parameter as sent.
struct Sent<'a> {
    in_body: bool,
    segment: &'a str,
    key: String,
    value: String,
}

fn parse(text: &str, in_body: bool) -> Vec<Sent<'_>> {
    if text.is_empty() {
        return Vec::new();
    }
    segments(text)
        .map(|(_, segment)| {
            let (k, v) = segment.split_once('=').unwrap_or((segment, ""));
            Sent {
                in_body,
                segment,
                key: lenient_decode(k),
                value: lenient_decode(v),
            }
        })
        .collect()
}

fn lenient_decode(text: &str) -> String {
    decode(text).unwrap_or_else(|_| text.to_owned())
}

fn join<'a>(segments: impl Iterator<Item = &'a str>) -> String {
    segments.collect::<Vec<_>>().join("&")
}

/// The crate's set with `@`, `,` and `:` left raw, as some encoders do.
const ONE_SIDED: &percent_encoding::AsciiSet =
    &WIRE_ENCODE_SET.remove(b'@').remove(b',').remove(b':');

/// A wrong payload to try, and what it means when it matches.
struct Candidate {
    code: Code,
    payload: String,
    message: String,
    fix: &'static str,
}

pub(super) fn diagnose(signer: &Signer, input: &Input<'_>) -> (bool, Vec<Finding>) {
    let valid = signer.verify(input.query, input.body).is_ok();
    let mut findings = Vec::new();
    let mut sent = parse(input.query, false);
    sent.extend(parse(input.body, true));
    let pairs: Vec<(String, String)> = sent
        .iter()
        .map(|p| (p.key.clone(), p.value.clone()))
        .collect();
    checks::structure(&pairs, input, &mut findings);
    checks::api_key(signer.api_key(), valid, input, &mut findings);
    if valid {
        return (true, findings);
    }

    let Some(sig_index) = sent.iter().rposition(|p| p.key == "signature") else {
        findings.push(Finding::new(
            Code::SignatureNotLast,
            "no `signature` parameter was sent",
            "append signature=<signature> as the very last parameter",
        ));
        return (false, findings);
    };
    let sig = &sent[sig_index];
    let sig_raw = sig.segment.split_once('=').map_or("", |(_, v)| v);
    let last_part_is_body = !input.body.is_empty();
    let placement_ok = sig_index == sent.len() - 1 && sig.in_body == last_part_is_body;
    let placement = (!placement_ok).then(|| {
        let why = if sig_index != sent.len() - 1 {
            "a parameter follows `signature`"
        } else {
            "`signature` is in the query while the body carries parameters"
        };
        Finding::new(
            Code::SignatureNotLast,
            format!("{why}; Binance takes the last parameter of the last part as the signature"),
            "put signature last: at the end of the body when there is one, else at the end of the query",
        )
    });
    findings.extend(placement.clone());

    let others: Vec<&Sent<'_>> = sent.iter().filter(|p| p.key != "signature").collect();
    let part = |body: bool| {
        join(
            others
                .iter()
                .filter(|p| p.in_body == body)
                .map(|p| p.segment),
        )
    };
    let (query, body) = (part(false), part(true));
    let exact = format!("{query}{body}");
    let matcher = Matcher::new(signer, sig_raw, Transport::Rest);

    let mut matched = false;
    let record = |form: Form, finding: Finding, findings: &mut Vec<Finding>| {
        findings.push(finding.confirmed());
        findings.extend(matcher.encoding_finding(form));
        true
    };

    if let Some(form) = matcher.check(&exact) {
        // The right bytes were signed: the problem is where or how the signature was sent.
        let finding = placement.unwrap_or_else(|| {
            Finding::new(
                Code::DuplicateParameter,
                "`signature` is sent more than once",
                "send one signature, last",
            )
        });
        matched = true;
        if form == Form::Canonical || !placement_ok {
            record(form, finding, &mut findings);
        } else {
            findings.extend(matcher.encoding_finding(form));
        }
    } else {
        for candidate in candidates(&others, &query, &body, &exact) {
            if let Some(form) = matcher.check(&candidate.payload) {
                matched = record(
                    form,
                    Finding::new(candidate.code, candidate.message, candidate.fix),
                    &mut findings,
                );
                break;
            }
        }
    }
    for (form, finding) in matcher.key_mistakes(&exact) {
        matched = record(form, finding, &mut findings);
    }
    if !matched {
        findings.push(Finding::new(
            Code::UnknownMismatch,
            "the signature matches neither these bytes nor any known encoder mistake",
            "check that the secret belongs to this API key (and was not reset), and that you send exactly the bytes you signed",
        ));
    }
    (false, findings)
}

fn candidates(others: &[&Sent<'_>], query: &str, body: &str, exact: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    let split = !query.is_empty() && !body.is_empty();
    // Rebuild both parts with one way of writing keys and values.
    let rebuild = |f: &dyn Fn(&str) -> String| {
        let part = |in_body: bool| {
            join(
                others
                    .iter()
                    .filter(|p| p.in_body == in_body)
                    .map(|p| format!("{}={}", f(&p.key), f(&p.value)))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str),
            )
        };
        format!("{}{}", part(false), part(true))
    };
    let push = |out: &mut Vec<Candidate>, code, payload: String, message: String, fix| {
        if payload != exact && !out.iter().any(|c: &Candidate| c.payload == payload) {
            out.push(Candidate {
                code,
                payload,
                message,
                fix,
            });
        }
    };

    push(
        &mut out,
        Code::SignedDecodedPayload,
        rebuild(&|s| s.to_owned()),
        "the signature matches the raw (decoded) values, but they were sent percent-encoded".into(),
        "sign the percent-encoded bytes you send (Binance requires encoding before signing since 2026-01-15)",
    );
    let other = "sign exactly the bytes you send: encode once, then sign and send that string";
    push(&mut out, Code::SignedOtherEncoding, rebuild(&encode),
        "the signature matches the values percent-encoded (uppercase %XX, %20), but they were sent in another form".into(), other);
    push(&mut out, Code::SignedOtherEncoding, rebuild(&|s| form_urlencoded::byte_serialize(s.as_bytes()).collect()),
        "the signature matches a form encoding with `+` for spaces, but the request was sent with another".into(), other);
    push(
        &mut out,
        Code::SignedOtherEncoding,
        rebuild(&|s| lowercase_escapes(&encode(s))),
        "the signature matches lowercase %xx escapes, but the request was sent with uppercase ones"
            .into(),
        other,
    );
    push(&mut out, Code::SignedOtherEncoding, rebuild(&|s| {
            percent_encoding::utf8_percent_encode(s, ONE_SIDED).to_string()
        }),
        "the signature matches the values with `@`, `,` and `:` left raw, but they were sent encoded".into(), other);
    let sent_text = format!("{query}{body}");
    for (message, text) in [
        (
            "the signature matches `+` written as %20, but `+` was sent",
            sent_text.replace('+', "%20"),
        ),
        (
            "the signature matches spaces written as `+`, but %20 was sent",
            sent_text.replace("%20", "+"),
        ),
        (
            "the signature matches lowercase %xx escapes, but uppercase were sent",
            lowercase_escapes(&sent_text),
        ),
        (
            "the signature matches uppercase %XX escapes, but lowercase were sent",
            uppercase_escapes(&sent_text),
        ),
    ] {
        push(
            &mut out,
            Code::SignedOtherEncoding,
            text,
            message.into(),
            other,
        );
    }
    if split {
        push(&mut out, Code::AmpersandBetweenQueryAndBody, format!("{query}&{body}"),
            "the signature covers `query&body`; Binance signs the query immediately followed by the body, with no `&`".into(),
            "concatenate query and body with nothing between them before signing");
        push(
            &mut out,
            Code::PartialPayloadSigned,
            query.to_owned(),
            "the signature covers the query alone; the body was left out".into(),
            "sign the query immediately followed by the body",
        );
        push(
            &mut out,
            Code::PartialPayloadSigned,
            body.to_owned(),
            "the signature covers the body alone; the query was left out".into(),
            "sign the query immediately followed by the body",
        );
    }
    let mut sorted: Vec<&Sent<'_>> = others.to_vec();
    sorted.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
    push(
        &mut out,
        Code::ParamsReordered,
        join(sorted.iter().map(|p| p.segment)),
        "the signature covers the parameters sorted by key, but they were sent in another order"
            .into(),
        "sign the parameters in the order you send them (or send them sorted)",
    );
    let sorted_part = |in_body: bool| {
        let mut part: Vec<&Sent<'_>> = others
            .iter()
            .copied()
            .filter(|p| p.in_body == in_body)
            .collect();
        part.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
        join(part.iter().map(|p| p.segment))
    };
    push(&mut out, Code::ParamsReordered, format!("{}{}", sorted_part(false), sorted_part(true)),
        "the signature covers each part's parameters sorted by key, but they were sent in another order".into(),
        "sign the parameters in the order you send them (or send them sorted)");
    out
}

fn map_escapes(text: &str, f: fn(&u8) -> u8) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.extend_from_slice(&[b'%', f(&bytes[i + 1]), f(&bytes[i + 2])]);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

fn lowercase_escapes(text: &str) -> String {
    map_escapes(text, u8::to_ascii_lowercase)
}

fn uppercase_escapes(text: &str) -> String {
    map_escapes(text, u8::to_ascii_uppercase)
}
