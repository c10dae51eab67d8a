//! Numbers masked to their last four digits, for logs and audit lines.

/// Masks all but the last four characters, so logs can tell calls apart without
/// holding callers' numbers.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let keep = chars.len().saturating_sub(4);
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep && c.is_ascii_digit() { '•' } else { *c })
        .collect()
}

/// Masks every phone number inside a text, such as an alert body written to the log:
/// `+15557654321` as people's systems write it and `(555) 765-4321` or `555.765.4321` as
/// people do, each to its last four digits. A number is 7 to 15 digits in groups joined by
/// one space, dash or dot (or a closing bracket and a space), not touching letters: ids and
/// link secrets keep their digits.
pub fn mask_all(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let after_word = i > 0 && chars[i - 1].is_alphanumeric();
        let end = if after_word { None } else { number_end(&chars, i) };
        let Some(end) = end.filter(|&end| !chars.get(end).is_some_and(|c| c.is_alphanumeric())) else {
            out.push(chars[i]);
            i += 1;
            continue;
        };
        let run = &chars[i..end];
        let mut hidden = run.iter().filter(|c| c.is_ascii_digit()).count() - 4;
        for &c in run {
            if c.is_ascii_digit() && hidden > 0 {
                out.push('•');
                hidden -= 1;
            } else {
                out.push(c);
            }
        }
        i = end;
    }
    out
}

/// Where the phone number starting at `start` ends, when one does.
fn number_end(chars: &[char], start: usize) -> Option<usize> {
    let digit_at = |k: usize| chars.get(k).is_some_and(char::is_ascii_digit);
    let mut j = start + usize::from(matches!(chars[start], '+' | '('));
    let mut digits = 0;
    loop {
        while digit_at(j) {
            digits += 1;
            j += 1;
        }
        let gap = match chars.get(j) {
            Some(' ' | '-' | '.') => 1,
            Some(')') if chars.get(j + 1) == Some(&' ') => 2,
            Some(')') => 1,
            _ => 0,
        };
        if gap == 0 || !digit_at(j + gap) {
            break;
        }
        j += gap;
    }
    (7..=15).contains(&digits).then_some(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_only_the_last_four_digits() {
        assert_eq!(mask("+12125550100"), "+•••••••0100");
        assert_eq!(mask("anonymous"), "anonymous");
    }

    #[test]
    fn numbers_inside_text_are_masked() {
        assert_eq!(
            mask_all("Voicemail from +15557654321 (12 s) +1"),
            "Voicemail from +•••••••4321 (12 s) +1"
        );
        assert_eq!(
            mask_all("Missed call from (555) 765-4321 at 9:05 AM, or 555.765.4321 / +44 20 7946 0123."),
            "Missed call from (•••) •••-4321 at 9:05 AM, or •••.•••.4321 / +•• •• •••• 0123."
        );
        assert_eq!(
            mask_all("Call CA1234567890 at /l/ab12345678cd, 12 s"),
            "Call CA1234567890 at /l/ab12345678cd, 12 s",
            "digits inside ids and links are not numbers"
        );
    }
}
