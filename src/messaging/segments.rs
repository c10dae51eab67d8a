//! SMS length: which encoding a body needs, how many segments Twilio bills for it
//! (docs/twilio.md, segments), and cutting a body down to a segment budget.
//!
//! Pure: no I/O, no clock. It must not guess at Twilio's `SmartEncoded` look-alike swaps (off by
//! default), so a curly quote or an en dash makes the whole body UCS-2 here just as it does there.
//!
//! Segments are packed greedily, as handsets and Twilio's segment calculator do: a GSM-7 extension
//! character (escape + character) and a UCS-2 surrogate pair are never split across two segments,
//! so a long body can need one segment more than `units / 153` rounded up.

/// The character set a body is sent in. One character outside GSM 03.38 makes it UCS-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// The size of a body as Twilio counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    pub encoding: Encoding,
    /// Septets for GSM-7 (an extension character counts 2), UTF-16 code units for UCS-2.
    pub units: usize,
    /// Billed segments; 0 for an empty body.
    pub count: usize,
}

/// What is appended when [`trim_to`] cuts a body that stays GSM-7: "…" is not in GSM 03.38 and
/// would turn the whole message into UCS-2, more than halving what each segment holds.
pub const GSM_ELLIPSIS: &str = "...";
/// What is appended when [`trim_to`] cuts a body that is UCS-2 anyway: one unit instead of three.
pub const UCS2_ELLIPSIS: &str = "…";

/// GSM 03.38 basic character set, less the escape code (0x1B), which is not a character.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                         ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// GSM 03.38 extension table: each is sent as escape + character, two septets.
const GSM_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// (units in one lone SMS, units per segment once a User Data Header is needed).
const fn capacity(encoding: Encoding) -> (usize, usize) {
    match encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    }
}

/// Septets `c` takes in GSM-7, or `None` when it has no GSM-7 form.
fn septets(c: char) -> Option<usize> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

fn encoding_of(body: &str) -> Encoding {
    if body.chars().all(|c| septets(c).is_some()) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

fn units_of(c: char, encoding: Encoding) -> usize {
    match encoding {
        Encoding::Gsm7 => septets(c).unwrap_or(1),
        Encoding::Ucs2 => c.len_utf16(),
    }
}

/// How Twilio will encode and bill `body`.
pub fn count(body: &str) -> Segments {
    let encoding = encoding_of(body);
    let units = body.chars().map(|c| units_of(c, encoding)).sum();
    let (single, per_segment) = capacity(encoding);
    let count = match units {
        0 => 0,
        u if u <= single => 1,
        _ => packed_segments(body, encoding, per_segment),
    };
    Segments { encoding, units, count }
}

/// Greedy packing: a character that does not fit in what is left of a segment starts the next.
fn packed_segments(body: &str, encoding: Encoding, per_segment: usize) -> usize {
    let (mut segments, mut used) = (1, 0);
    for units in body.chars().map(|c| units_of(c, encoding)) {
        if used + units > per_segment {
            segments += 1;
            used = 0;
        }
        used += units;
    }
    segments
}

/// `body` itself when it fits in `max_segments`; otherwise its longest prefix that fits together
/// with an ellipsis: [`GSM_ELLIPSIS`] when the kept text is GSM-7, [`UCS2_ELLIPSIS`] when it is
/// not. Whitespace before the ellipsis is dropped. A budget of 0 gives the empty string.
///
/// Cuts fall on `char` boundaries, so a GSM extension character or an astral character (a UTF-16
/// surrogate pair) is kept whole or dropped whole. A multi-character grapheme (an emoji with a
/// skin tone or ZWJ sequence, a letter with a combining accent) may still lose its tail.
pub fn trim_to(body: &str, max_segments: usize) -> String {
    if count(body).count <= max_segments {
        return body.to_owned();
    }
    if max_segments == 0 {
        return String::new();
    }
    // Whether a cut fits only ever turns from yes to no as the cut moves right: a longer prefix
    // needs at least as many units, and once a non-GSM character is kept the text needs UCS-2,
    // where even the shorter GSM-7 text before it would have fitted (2 septets per UCS-2 unit
    // at most, and 160/153 septets hold more than twice 70/67 units). So binary search works.
    let cuts: Vec<usize> = body.char_indices().map(|(i, _)| i).collect();
    let fitting = cuts.partition_point(|&cut| count(&with_ellipsis(&body[..cut])).count <= max_segments);
    // Cut 0 always fits (a bare "..." is one segment), so `fitting` is at least 1.
    let cut = cuts.get(fitting.saturating_sub(1)).copied().unwrap_or(0);
    with_ellipsis(&body[..cut])
}

fn with_ellipsis(kept: &str) -> String {
    let kept = kept.trim_end();
    let ellipsis = match encoding_of(kept) {
        Encoding::Gsm7 => GSM_ELLIPSIS,
        Encoding::Ucs2 => UCS2_ELLIPSIS,
    };
    format!("{kept}{ellipsis}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Encoding::{Gsm7, Ucs2};

    #[test]
    fn the_gsm_tables_hold_127_basic_characters_and_10_extension_ones() {
        assert_eq!(GSM_BASIC.chars().count(), 127, "128 codes less the escape");
        assert_eq!(GSM_EXTENSION.chars().count(), 9 + 1, "nine printable plus form feed");
    }

    #[test]
    fn bodies_are_counted_by_the_160_153_and_70_67_rules() {
        let cases: &[(String, Encoding, usize, usize)] = &[
            ("".into(), Gsm7, 0, 0),
            ("Hi".into(), Gsm7, 2, 1),
            ("a".repeat(160), Gsm7, 160, 1),
            ("a".repeat(161), Gsm7, 161, 2),
            ("a".repeat(306), Gsm7, 306, 2),
            ("a".repeat(307), Gsm7, 307, 3),
            ("€".repeat(80), Gsm7, 160, 1),
            ("€".repeat(81), Gsm7, 162, 2),
            ("é".repeat(160), Gsm7, 160, 1),
            ("ç".into(), Ucs2, 1, 1),
            ("ü".repeat(70), Gsm7, 70, 1),
            ("ú".repeat(70), Ucs2, 70, 1),
            ("ú".repeat(71), Ucs2, 71, 2),
            ("ú".repeat(134), Ucs2, 134, 2),
            ("ú".repeat(135), Ucs2, 135, 3),
            ("🙂".into(), Ucs2, 2, 1),
            ("🙂".repeat(35), Ucs2, 70, 1),
            ("🙂".repeat(36), Ucs2, 72, 2),
            (format!("{}`", "a".repeat(69)), Ucs2, 70, 1),
            (
                "Voicemail from +1 (212) 555-0100: \u{201c}call me\u{201d}".into(),
                Ucs2,
                43,
                1,
            ),
        ];
        for (body, encoding, units, segments) in cases {
            let expected = Segments {
                encoding: *encoding,
                units: *units,
                count: *segments,
            };
            assert_eq!(count(body), expected, "{body:?}");
        }
    }

    #[test]
    fn an_extension_character_or_surrogate_pair_is_never_split_across_segments() {
        // 152 septets then "€": 154 fits two segments by arithmetic, but the escape would end one
        // segment and its character start the next, so "€" moves whole into the second.
        let gsm = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(
            count(&gsm),
            Segments {
                encoding: Gsm7,
                units: 306,
                count: 3
            }
        );
        let ucs2 = format!("{}🙂{}", "ú".repeat(66), "ú".repeat(66));
        assert_eq!(
            count(&ucs2),
            Segments {
                encoding: Ucs2,
                units: 134,
                count: 3
            }
        );
    }

    #[test]
    fn trim_to_keeps_what_fits_and_marks_the_cut() {
        let long_gsm = format!("{} tail", "a".repeat(200));
        let cases: &[(&str, usize, String)] = &[
            ("short", 1, "short".into()),
            ("short", 0, String::new()),
            ("", 0, String::new()),
            (&long_gsm, 2, long_gsm.clone()),
            (&long_gsm, 1, format!("{}...", "a".repeat(157))),
            (&"ú".repeat(71), 1, format!("{}…", "ú".repeat(69))),
            (&format!("{}🙂🙂", "ú".repeat(68)), 1, format!("{}…", "ú".repeat(68))),
            (
                &format!("{}€{}", "a".repeat(155), "a".repeat(10)),
                1,
                format!("{}€...", "a".repeat(155)),
            ),
            (
                &format!("{} ú{}", "a".repeat(150), "ú".repeat(80)),
                1,
                format!("{}...", "a".repeat(150)),
            ),
            (
                &format!("{}     {}", "a".repeat(155), "b".repeat(20)),
                1,
                format!("{}...", "a".repeat(155)),
            ),
        ];
        for (n, (body, max, expected)) in cases.iter().enumerate() {
            assert_eq!(&trim_to(body, *max), expected, "case {n}");
        }
    }

    #[test]
    fn a_cut_gsm_body_stays_gsm_and_a_cut_ucs2_body_uses_the_single_ellipsis() {
        let gsm = trim_to(&"word ".repeat(100), 2);
        assert_eq!(count(&gsm).encoding, Gsm7);
        assert!(gsm.ends_with("..."), "{gsm}");
        let ucs2 = trim_to(&"mot ç ".repeat(100), 2);
        assert_eq!(
            count(&ucs2),
            Segments {
                encoding: Ucs2,
                units: 134,
                count: 2
            }
        );
        assert!(ucs2.ends_with('…'), "{ucs2}");
    }

    fn body() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            4 => "[a-z ]{1,40}",
            1 => Just("€".to_owned()),
            1 => Just("ü[]".to_owned()),
            1 => Just("ç".to_owned()),
            1 => Just("🙂".to_owned()),
            1 => "\\PC{1,5}",
        ];
        prop::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn trim_to_always_fits_and_keeps_a_prefix_of_the_input(body in body(), max in 0usize..5) {
            let trimmed = trim_to(&body, max);
            prop_assert!(count(&trimmed).count <= max);
            if trimmed != body {
                let kept = trimmed.strip_suffix(GSM_ELLIPSIS).or_else(|| trimmed.strip_suffix(UCS2_ELLIPSIS));
                prop_assert!(max == 0 || kept.is_some_and(|k| body.starts_with(k)), "{trimmed:?}");
            }
        }

        #[test]
        fn segments_never_hold_more_than_the_per_segment_units(body in body()) {
            let s = count(&body);
            let (single, per_segment) = capacity(s.encoding);
            prop_assert!(s.count == 0 || s.units <= single || s.units <= s.count * per_segment);
            prop_assert!(s.count <= 1 || s.units > single);
        }
    }
}
