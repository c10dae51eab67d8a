//! Twilio webhook signatures (`X-Twilio-Signature`, docs/twilio.md): computes and checks them.
//!
//! Owns the HMAC-SHA1 over "URL + sorted form params" and the SDKs' two-URL port rule. It must not
//! rebuild the public URL, read headers or decode bodies: the HTTP extractor does that and hands over
//! the URL Twilio requested plus the decoded form pairs. JSON `bodySHA256` and shared-key HMAC-SHA256
//! (§3.3, §3.5) are out of scope.

use std::borrow::Cow;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use sha1::Sha1;

type HmacSha1 = Hmac<Sha1>;

/// The parameters of a request that has none (a GET callback, an empty body).
pub const NO_PARAMS: &[(&str, &str)] = &[];

/// Base64(HMAC-SHA1(token, url + sorted name/value pairs)), as Twilio computes it.
/// Credentials in the URL are dropped first, as Twilio does and as [`is_valid`] does.
pub fn compute(auth_token: &str, url: &str, params: &[(impl AsRef<str>, impl AsRef<str>)]) -> String {
    let tag = mac(auth_token, &without_userinfo(url), &sorted(params)).finalize();
    STANDARD.encode(tag.into_bytes())
}

/// True when `signature` matches `url` as given OR its port variant (docs/twilio.md: with the default
/// port added when absent, any port removed when present), after stripping any `user:pass@` userinfo.
pub fn is_valid(auth_token: &str, url: &str, params: &[(impl AsRef<str>, impl AsRef<str>)], signature: &str) -> bool {
    // A header that is not canonical padded Base64 can never equal one we produce: reject, never panic.
    let Ok(expected) = STANDARD.decode(signature) else {
        return false;
    };
    let url = without_userinfo(url);
    let tail = sorted(params);
    // `verify_slice` compares in constant time, so timing leaks nothing about the right signature.
    let matches = |url: &str| mac(auth_token, url, &tail).verify_slice(&expected).is_ok();
    // Twilio has signed both with and without the port over the years, so the SDKs accept either.
    matches(&url) || port_variant(&url).is_some_and(|other| matches(&other))
}

/// The pairs in the order they are signed after the URL: names in byte order, each name's values
/// sorted and de-duplicated (as the SDKs do), empty values kept. Sorting whole pairs does all of
/// that in one go.
fn sorted(params: &[(impl AsRef<str>, impl AsRef<str>)]) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = params.iter().map(|(n, v)| (n.as_ref(), v.as_ref())).collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The MAC of the URL followed by each name and value, fed piece by piece rather than joined
/// into one string first.
fn mac(auth_token: &str, url: &str, pairs: &[(&str, &str)]) -> HmacSha1 {
    let mut mac = HmacSha1::new_from_slice(auth_token.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(url.as_bytes());
    for (name, value) in pairs {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// Splits an absolute URL into (scheme, authority, rest). The raw string is cut, never parsed and
/// re-serialised, because any re-encoding of path or query would change what was signed.
fn split(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, after) = url.split_once("://")?;
    let scheme_byte = |b: u8| b.is_ascii_alphanumeric() || b"+-.".contains(&b);
    let scheme_ok = !scheme.is_empty() && scheme.bytes().all(scheme_byte);
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    scheme_ok.then(|| (scheme, &after[..end], &after[end..]))
}

/// Twilio drops credentials before signing (docs/twilio.md, from a historical note in Twilio's docs).
fn without_userinfo(url: &str) -> Cow<'_, str> {
    match split(url).and_then(|(scheme, authority, rest)| Some((scheme, authority.rsplit_once('@')?.1, rest))) {
        Some((scheme, host, rest)) => Cow::Owned(format!("{scheme}://{host}{rest}")),
        None => Cow::Borrowed(url),
    }
}

/// The other URL the SDKs try: any port removed when there is one, else the scheme's default added.
fn port_variant(url: &str) -> Option<String> {
    let (scheme, authority, rest) = split(url)?;
    // An IPv6 literal is bracketed and full of colons, so its port can only follow the `]`.
    let host_end = authority.find(']').map_or(0, |i| i + 1);
    Some(match authority[host_end..].rfind(':') {
        Some(i) => format!("{scheme}://{}{rest}", &authority[..host_end + i]),
        None if scheme.eq_ignore_ascii_case("https") => format!("{scheme}://{authority}:443{rest}"),
        None => format!("{scheme}://{authority}:80{rest}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";
    const V1_URL: &str = "https://router.example.test/twilio/voice?client=acme&rule=7";
    const V1_BODY: &str = "CallSid=CA11111111111111111111111111111111&AccountSid=AC00000000000000000000000000000001&From=%2B14155550100&To=%2B15005550006&CallStatus=ringing&ApiVersion=2010-04-01&Direction=inbound&Caller=%2B14155550100&Called=%2B15005550006&FromCity=SAN+FRANCISCO";
    const V1_SIG: &str = "Sfv27yNXPrNrTpx+yyFb9KjqXKw=";

    /// Decodes a body the way the extractor will, so the vectors go through the real decoding path.
    fn form(body: &str) -> Vec<(String, String)> {
        crate::twilio::form::form_pairs(body.as_bytes())
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// What the MAC is fed after the URL, as one string.
    fn signed_params(params: &[(String, String)]) -> String {
        sorted(params).into_iter().flat_map(|(n, v)| [n, v]).collect()
    }

    fn assert_signs(token: &str, url: &str, params: &[(String, String)], expected: &str) {
        assert_eq!(compute(token, url, params), expected, "{url}");
        assert!(is_valid(token, url, params, expected), "{url}");
    }

    #[test]
    fn twilios_published_example_and_its_sdk_variant_match() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        for (number, expected) in [
            ("%2B12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="),
            ("%2B14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ] {
            let body = format!("CallSid=CA1234567890ABCDE&Caller={number}&Digits=1234&From={number}&To=%2B18005551212");
            assert_signs("12345", url, &form(&body), expected);
        }
    }

    #[test]
    fn incoming_call_form_post_signs_the_sorted_string_of_v1() {
        let params = form(V1_BODY);
        let signed = "https://router.example.test/twilio/voice?client=acme&rule=7AccountSidAC00000000000000000000000000000001ApiVersion2010-04-01CallSidCA11111111111111111111111111111111CallStatusringingCalled+15005550006Caller+14155550100DirectioninboundFrom+14155550100FromCitySAN FRANCISCOTo+15005550006";
        assert_eq!(format!("{V1_URL}{}", signed_params(&params)), signed);
        assert_signs(TOKEN, V1_URL, &params, V1_SIG);
    }

    #[test]
    fn sms_with_utf8_ampersand_empty_value_and_repeated_name_matches_v2() {
        let url = "https://router.example.test/twilio/sms";
        let params = form("MessageSid=SM22222222222222222222222222222222&From=%2B14155550100&To=%2B15005550006&Body=H%C3%A9llo+w%C3%B6rld+%26+more&NumMedia=0&SmsStatus=received&OptOutType=&Tag=b&Tag=a&Tag=a");
        let signed = "https://router.example.test/twilio/smsBodyHéllo wörld & moreFrom+14155550100MessageSidSM22222222222222222222222222222222NumMedia0OptOutTypeSmsStatusreceivedTagaTagbTo+15005550006";
        assert_eq!(format!("{url}{}", signed_params(&params)), signed);
        assert_signs(TOKEN, url, &params, "HMZ30p4xZnWpJOgpnRM9msVC71Q=");
    }

    #[test]
    fn get_callback_signs_the_url_alone() {
        let url = "https://router.example.test/twilio/status?CallSid=CA33333333333333333333333333333333&CallStatus=completed&CallDuration=42";
        assert_signs(TOKEN, url, &[], "WfoZgk5jIenDvJmrp9lQL8grJ4E=");
    }

    #[test]
    fn a_signature_over_the_default_port_validates_without_it_and_any_port_may_be_dropped() {
        let (params, sig_443) = (form(V1_BODY), "FPTOOIt8S/J8T4FY76FXe/cCk+s=");
        let with_port = |port: &str| V1_URL.replace(".test/", &format!(".test:{port}/"));
        assert_signs(TOKEN, &with_port("443"), &params, sig_443);
        assert!(is_valid(TOKEN, V1_URL, &params, sig_443));
        assert!(is_valid(TOKEN, &with_port("8443"), &params, V1_SIG));
    }

    #[test]
    fn a_signature_computed_over_a_url_with_credentials_validates_over_it() {
        let url = "https://twilio:s3cret@router.example.test/twilio/voice";
        let signature = compute(TOKEN, url, NO_PARAMS);
        assert!(is_valid(TOKEN, url, NO_PARAMS, &signature));
        assert_eq!(
            signature,
            compute(TOKEN, "https://router.example.test/twilio/voice", NO_PARAMS)
        );
    }

    #[test]
    fn credentials_in_the_url_are_ignored() {
        let url = V1_URL.replace("https://", "https://twilio:s3cret@");
        assert!(is_valid(TOKEN, &url, &form(V1_BODY), V1_SIG));
    }

    #[test]
    fn port_variants_cut_only_the_authority() {
        for (url, variant) in [
            ("http://h:8080/v?at=10:30", Some("http://h/v?at=10:30")),
            ("HTTPS://h.test?x=1", Some("HTTPS://h.test:443?x=1")),
            ("ws://h.test#f", Some("ws://h.test:80#f")),
            ("https://[::1]/v", Some("https://[::1]:443/v")),
            ("http://[::1]:8080/v", Some("http://[::1]/v")),
            ("/twilio/voice?next=https://h.test:1", None),
        ] {
            assert_eq!(port_variant(url).as_deref(), variant, "{url}");
        }
    }

    #[test]
    fn the_query_is_signed_exactly_as_written() {
        let url = "https://router.example.test/twilio/voice?name=Jane%20Doe";
        let sig = "kAix3E3Byr0y22pjyEfN8+Ha7Zw=";
        assert_signs(TOKEN, url, &[], sig);
        for respelt in [url.replace("%20", " "), url.replace("%20", "+")] {
            assert!(!is_valid(TOKEN, &respelt, NO_PARAMS, sig), "{respelt}");
        }
    }

    #[test]
    fn wrong_token_changed_value_scheme_slash_or_query_order_is_rejected() {
        let params = form(V1_BODY);
        let in_progress = form(&V1_BODY.replace("ringing", "in-progress"));
        assert_eq!(compute(TOKEN, V1_URL, &in_progress), "HCzmwUovw/JI59W3Ho2wRKZsy5Q=");
        let v1 = |from: &str, to: &str| V1_URL.replace(from, to);
        let cases = [
            ("fedcba9876543210fedcba9876543210", V1_URL.into(), &params),
            (TOKEN, V1_URL.into(), &in_progress),
            (TOKEN, v1("https:", "http:"), &params),
            (TOKEN, v1("voice?", "voice/?"), &params),
            (TOKEN, v1("client=acme&rule=7", "rule=7&client=acme"), &params),
        ];
        for (n, (token, url, params)) in cases.into_iter().enumerate() {
            assert!(!is_valid(token, &url, params, V1_SIG), "N{}", n + 1);
        }
    }

    #[test]
    fn a_malformed_signature_header_is_invalid_not_a_panic() {
        // Unpadded, non-zero padding bits (the same bytes, but not what we would send), a space.
        let (short, bits, spaced) = (&V1_SIG[..27], V1_SIG.replace("w=", "x="), format!(" {V1_SIG}"));
        for header in ["", "AAAA", "no base64!", "é🙂", short, &bits, &spaced] {
            assert!(!is_valid(TOKEN, V1_URL, &form(V1_BODY), header), "{header:?}");
        }
    }

    #[test]
    fn requests_signed_by_twilio_python_match_and_a_changed_value_does_not() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let path = format!("{dir}/tests/fixtures/signature/python_signed.json");
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let text = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
        let fixtures = json.as_array().unwrap();
        assert!(fixtures.len() >= 10, "expected the ~10 generated requests");
        for f in fixtures {
            let [case, url, token, sig] = ["case", "url", "token", "signature"].map(|k| text(&f[k]));
            let pairs = f["params"].as_array().unwrap().iter();
            let mut params: Vec<_> = pairs.map(|p| (text(&p[0]), text(&p[1]))).collect();
            assert_eq!(compute(&token, &url, &params), sig, "{case}");
            assert!(is_valid(&token, &url, &params, &sig), "{case}");
            params[0].1.push('X');
            assert!(!is_valid(&token, &url, &params, &sig), "{case}, changed");
        }
    }

    /// Unique names, so that changing one value always changes the signed string; a repeated name
    /// could be changed into another of its values and vanish in the de-duplication.
    fn request() -> impl Strategy<Value = (String, String, Vec<(String, String)>)> {
        let url = "https?://[a-z]{1,12}\\.test(:[0-9]{1,5})?(/[a-zA-Z0-9._~%-]{0,8}){0,3}(\\?[a-z0-9=&%+]{0,20})?";
        let params = prop::collection::btree_map("\\PC{1,12}", "\\PC{0,20}", 1..12);
        let params = params.prop_map(Vec::from_iter).prop_shuffle();
        ("\\PC{0,40}", url, params)
    }

    proptest! {
        #[test]
        fn a_computed_signature_validates_and_any_changed_value_breaks_it(
            (token, url, params) in request(), which in any::<prop::sample::Index>(), new in "\\PC{0,20}",
        ) {
            let sig = compute(&token, &url, &params);
            prop_assert!(is_valid(&token, &url, &params, &sig));
            let mut changed = params.clone();
            let value = &mut changed[which.index(params.len())].1;
            *value = if *value == new { format!("{new}X") } else { new };
            prop_assert!(!is_valid(&token, &url, &changed, &sig));
        }
    }
}
