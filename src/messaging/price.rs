//! Prices, exactly: what Twilio charged, read from its decimal text into whole millionths
//! of the currency unit, and written back as a decimal. Integers add up exactly in SQL on
//! SQLite and PostgreSQL alike, where floating-point sums drift (`0.10270000000000004`),
//! and Twilio writes prices with at most five decimals, so nothing is rounded. Pure.

/// Millionths in one unit of the currency.
const SCALE: i64 = 1_000_000;
const DECIMALS: usize = 6;

/// The amount charged, in millionths, from Twilio's text (`"-0.00790"`: Twilio writes a
/// charge as a negative amount; the amount is what was charged, so positive). `None` for
/// anything that is not a plain decimal with at most six decimals.
pub fn micros(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !plain(whole) || !plain(fraction) {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > DECIMALS {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let padded = format!("{fraction:0<DECIMALS$}");
    let fraction: i64 = padded.parse().ok()?;
    whole.checked_mul(SCALE)?.checked_add(fraction)
}

/// `micros` as a decimal: as many decimals as it needs, at least two (`"0.1027"`,
/// `"1.00"`, `"0.0079"`).
pub fn decimal(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let micros = micros.unsigned_abs();
    let scale = SCALE.unsigned_abs();
    let fraction = format!("{:06}", micros % scale);
    let fraction = fraction.trim_end_matches('0');
    format!("{sign}{}.{fraction:0<2}", micros / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilios_prices_are_read_exactly_as_amounts_charged() {
        assert_eq!(micros("-0.00790"), Some(7_900));
        assert_eq!(micros("-0.0079"), Some(7_900));
        assert_eq!(micros("0.10"), Some(100_000));
        assert_eq!(micros("-12.5"), Some(12_500_000));
        assert_eq!(micros("-.5"), Some(500_000));
        assert_eq!(micros("3"), Some(3_000_000));
        assert_eq!(micros("-0.0000001"), None);
        for bad in ["", "-", ".", "abc", "1e-3", "0.1.2", "- 1", "NaN"] {
            assert_eq!(micros(bad), None, "{bad}");
        }
    }

    #[test]
    fn sums_are_written_back_as_exact_decimals() {
        assert_eq!(decimal(102_700), "0.1027");
        assert_eq!(decimal(1_000_000), "1.00");
        assert_eq!(decimal(7_900), "0.0079");
        assert_eq!(decimal(0), "0.00");
        assert_eq!(decimal(12_345_678), "12.345678");
        assert_eq!(decimal(-7_900), "-0.0079");
        // The float sum the stats once gave for these.
        let sum: i64 = ["-0.0079", "-0.0079", "-0.0869"].iter().filter_map(|p| micros(p)).sum();
        assert_eq!(decimal(sum), "0.1027");
    }
}
