//! What libphonenumber knows of a number, for the validate endpoint.

use serde::Serialize;

/// What libphonenumber knows of a number as people write it: valid or not (and why not),
/// possible (its length fits the country), its forms, country and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Validation {
    pub valid: bool,
    /// Why it is not valid, in words; absent when valid.
    pub reason: Option<String>,
    /// Its length fits numbers of its country (a valid number is always possible).
    pub possible: bool,
    /// Absent when it could not be read as a number at all.
    pub e164: Option<String>,
    pub national: Option<String>,
    pub international: Option<String>,
    /// ISO 3166 country code, e.g. `US`.
    pub country: Option<String>,
    pub country_code: Option<u16>,
    /// `mobile`, `fixed_line`, `fixed_line_or_mobile` (where the two cannot be told apart, as
    /// in the US), `toll_free`, `premium_rate`, `shared_cost`, `voip`, `personal_number`,
    /// `pager`, `uan`, `voicemail`, … or `unknown`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// Checks `text` (E.164, or national in `default_country`, e.g. `US`), saying why a number
/// is not valid rather than failing.
pub fn validate(text: &str, default_country: Option<&str>) -> Validation {
    let invalid = |reason: String| Validation {
        valid: false,
        reason: Some(reason),
        possible: false,
        e164: None,
        national: None,
        international: None,
        country: None,
        country_code: None,
        kind: "unknown".into(),
    };
    let country = match default_country.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => match c.to_ascii_uppercase().parse::<phonenumber::country::Id>() {
            Ok(id) => Some(id),
            Err(_) => return invalid(format!("`{c}` is not a country code like US or GB")),
        },
        None => None,
    };
    let number = match phonenumber::parse(country, text.trim()) {
        Ok(n) => n,
        Err(e) => {
            let reason = match e {
                phonenumber::ParseError::InvalidCountryCode if country.is_none() && !text.trim_start().starts_with('+') => {
                    "a national number needs its country (e.g. \"country\": \"US\"), or write it with + and the country code".to_owned()
                }
                phonenumber::ParseError::InvalidCountryCode => "no country has this country code".to_owned(),
                phonenumber::ParseError::TooShortAfterIdd | phonenumber::ParseError::TooShortNsn => {
                    "too short for a phone number".to_owned()
                }
                phonenumber::ParseError::TooLong => "too long for a phone number".to_owned(),
                phonenumber::ParseError::NoNumber | phonenumber::ParseError::MalformedInteger(_) => {
                    "this is not a phone number".to_owned()
                }
            };
            return invalid(reason);
        }
    };
    let code = number.code().value();
    let national_digits = number.national().to_string().len();
    let possible = phonenumber::metadata::DATABASE.by_code(&code).is_some_and(|regions| {
        regions.iter().any(|m| {
            let general = m.descriptors().general();
            u16::try_from(national_digits)
                .is_ok_and(|n| general.possible_length().contains(&n) || general.possible_local_length().contains(&n))
        })
    });
    let valid = number.is_valid();
    let kind = format!("{:?}", number.number_type(&phonenumber::metadata::DATABASE));
    let reason = (!valid).then(|| {
        if possible {
            "no number of this country is numbered like this (libphonenumber knows no such range)".to_owned()
        } else {
            format!(
                "{national_digits} digits after the country code +{code}: no number of that country has this length"
            )
        }
    });
    Validation {
        valid,
        reason,
        possible: possible || valid,
        e164: Some(number.format().mode(phonenumber::Mode::E164).to_string()),
        national: Some(number.format().mode(phonenumber::Mode::National).to_string()),
        international: Some(number.format().mode(phonenumber::Mode::International).to_string()),
        country: number.country().id().map(|c| format!("{c:?}")),
        country_code: Some(code),
        kind: snake_case(&kind),
    }
}

/// `FixedLineOrMobile` → `fixed_line_or_mobile`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
