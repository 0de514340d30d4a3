//! Diagnosing REST requests.

use super::matcher::{Form, Matcher, Transport};
use super::mistakes::mistakes;
use super::sent::{self, Param, Unsigned};
use super::{Code, Finding, Findings, Input, checks};
use crate::signer::Signer;

pub(super) fn diagnose(signer: &Signer, input: &Input<'_>) -> (bool, Findings) {
    let valid = signer.verify(input.query, input.body).is_ok();
    let sent = sent::parse(input.query, input.body);
    let params = &sent.params;
    let api_key = input.api_key.or(signer.api_key());
    let mut findings = Findings::default();
    checks::rest(&sent, input, &mut findings);
    checks::api_key(api_key, valid, input, &mut findings);
    if valid {
        return (true, findings);
    }

    let signatures: Vec<usize> = params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_signature())
        .map(|(i, _)| i)
        .collect();
    let Some(&last_signature) = signatures.last() else {
        findings.push(missing(input));
        return (false, findings);
    };
    if signatures.len() > 1 {
        findings.push(Finding::new(
            Code::SignatureRepeated,
            format!("`signature` is sent {} times; Binance takes the last parameter of the last part as the signature", signatures.len()),
            "append one signature, once, as the very last parameter",
        ));
    }
    let sig = &params[last_signature];
    let sig_raw = sig.raw_value().unwrap_or("");
    let placement = placement(params, last_signature, input);
    if signatures.len() == 1 {
        findings.extend(placement.clone());
    }

    let repeated = signatures.len() > 1;
    find_cause(
        signer,
        input,
        params,
        sig_raw,
        repeated,
        placement,
        &mut findings,
    );
    (false, findings)
}

/// Whether `signature` stands where Binance reads it (last in the last part); a finding when
/// not.
fn placement(params: &[Param<'_>], last_signature: usize, input: &Input<'_>) -> Option<Finding> {
    let sig = &params[last_signature];
    let last_part_is_body = !input.body.is_empty();
    let last_part = if last_part_is_body {
        input.body
    } else {
        input.query
    };
    let ends_its_part = sig.at + sig.segment.len() == last_part.len();
    let placement_ok =
        last_signature == params.len() - 1 && sig.in_body == last_part_is_body && ends_its_part;
    (!placement_ok).then(|| {
        let why = if last_signature != params.len() - 1 || !ends_its_part {
            "a parameter follows `signature`"
        } else {
            "`signature` is in the query while the body carries parameters"
        };
        Finding::new(
            Code::SignatureNotLast,
            format!("{why}; Binance takes the last parameter of the last part as the signature"),
            "put signature last: at the end of the body when there is one, else at the end of the query",
        )
    })
}

/// Which bytes the signature does sign: these (then placement or repetition is the cause), a
/// known encoder mistake's, or these under a key mistake; or none known.
fn find_cause(
    signer: &Signer,
    input: &Input<'_>,
    params: &[Param<'_>],
    sig_raw: &str,
    repeated: bool,
    placement: Option<Finding>,
    findings: &mut Findings,
) {
    let api_key = input.api_key.or(signer.api_key());
    let unsigned = Unsigned::of(params, input.query, input.body);
    let (query, body) = unsigned.sent();
    let exact = format!("{query}{body}");
    let matcher = Matcher::new(signer, sig_raw, Transport::Rest);
    let mut matched = false;
    let record = |form: Form, finding: Finding, findings: &mut Findings| {
        findings.push(finding.confirmed());
        findings.extend(matcher.encoding_finding(form));
    };

    if let Some(form) = matcher.check(&exact) {
        // The right bytes were signed: the problem is where, how often or how the signature
        // was sent.
        matched = true;
        let finding = if repeated {
            Some(Finding::new(
                Code::SignatureRepeated,
                "the signature is right, but it is sent more than once",
                "send one signature, last",
            ))
        } else {
            placement
        };
        match finding {
            Some(finding) => record(form, finding, findings),
            None => findings.extend(matcher.encoding_finding(form)),
        }
    } else {
        // Each row's payload is built, checked and dropped: memory does not grow with the
        // number of rows times the request's size. (A payload equal to one tried before
        // cannot match now, and costs one HMAC.)
        for mistake in mistakes() {
            let Some(payload) = mistake.rebuild_from(&unsigned) else {
                continue;
            };
            if let Some(form) = matcher.check(&payload) {
                matched = true;
                record(
                    form,
                    Finding::new(mistake.code(), mistake.message(), mistake.fix()),
                    findings,
                );
                break;
            }
        }
    }
    for (form, finding) in matcher.key_mistakes(&exact, api_key) {
        matched = true;
        record(form, finding, findings);
    }
    if !matched {
        findings.push(Finding::new(
            Code::UnknownMismatch,
            "the signature matches neither these bytes nor any known encoder mistake",
            "check that the secret belongs to this API key (and was not reset), and that you send exactly the bytes you signed",
        ));
    }
}

/// No `signature` at all: say so, and name a raw `#` when that is why.
fn missing(input: &Input<'_>) -> Finding {
    match input.fragment {
        Some(fragment) => Finding::new(
            Code::SignatureMissing,
            format!(
                "no `signature` reaches Binance: a raw `#` in the URL starts the fragment, and HTTP clients never send it (cut: `#{}`)",
                crate::source::excerpt(fragment, 60)
            ),
            "percent-encode `#` as %23 in values (encode every byte outside A-Z a-z 0-9 - . _ ~), so the whole query, signature included, is sent",
        ),
        None => Finding::new(
            Code::SignatureMissing,
            "no `signature` parameter was sent",
            "append signature=<signature> as the very last parameter",
        ),
    }
}
