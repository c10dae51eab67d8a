//! Webhook bodies and signatures: any body, URL, token and `X-Twilio-Signature` in → a yes/no,
//! never a panic. A signature we compute validates; the same signature over changed parameters,
//! another URL or another token does not; the pairs that are signed are exactly the pairs the
//! handlers deserialize.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use switchboard::twilio::form::form_pairs;
use switchboard::twilio::signature::{compute, is_valid};

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    token: &'a str,
    url: &'a str,
    header: &'a str,
    body: &'a [u8],
}

fuzz_target!(|input: Input<'_>| {
    let params = form_pairs(input.body);
    let typed: Vec<(String, String)> = serde_urlencoded::from_bytes(input.body).expect("any bytes decode to pairs");
    let signed: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(signed, typed, "signed pairs and deserialized pairs differ");

    let _ = is_valid(input.token, input.url, &params, input.header);

    let signature = compute(input.token, input.url, &params);
    assert!(is_valid(input.token, input.url, &params, &signature));
    let other_token = format!("{}x", input.token);
    assert!(!is_valid(&other_token, input.url, &params, &signature), "another token");
    if !params.is_empty() {
        // Appending to every value keeps distinct pairs distinct, so the signed text grows.
        let changed: Vec<_> = params.iter().map(|(k, v)| (k.clone(), format!("{v}1"))).collect();
        assert!(!is_valid(input.token, input.url, &changed, &signature), "changed parameter");
    }
});
