//! `[hours]` and assistants' shifts: weekly windows, closed days and special days.

use chrono::NaiveDate;
use toml::Spanned;

use super::Report;
use crate::routing::raw::RawHours;
use crate::routing::schedule::{Hours, Window};

fn windows(list: &[Spanned<String>], r: &mut Report<'_>) -> Vec<Window> {
    list.iter()
        .filter_map(|w| {
            w.get_ref()
                .parse::<Window>()
                .map_err(|e| r.at(w.span(), e.to_string()))
                .ok()
        })
        .collect()
}

fn date(text: &Spanned<String>, r: &mut Report<'_>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get_ref(), "%Y-%m-%d")
        .map_err(|_| {
            r.at(
                text.span(),
                format!("`{}` is not a date like 2026-12-25", text.get_ref()),
            )
        })
        .ok()
}

pub(super) fn hours(raw: &RawHours, r: &mut Report<'_>) -> Hours {
    let days = [&raw.mon, &raw.tue, &raw.wed, &raw.thu, &raw.fri, &raw.sat, &raw.sun];
    Hours {
        weekly: days.map(|d| windows(d, r)),
        closed: (raw.closed.iter())
            .filter_map(|d| date(&Spanned::new(d.span(), d.get_ref().date().to_owned()), r))
            .collect(),
        special: raw
            .special
            .iter()
            .filter_map(|(d, s)| {
                let listed: Vec<_> = (s.get_ref().hours().iter())
                    .map(|w| Spanned::new(s.span(), w.clone()))
                    .collect();
                Some((date(d, r)?, windows(&listed, r)))
            })
            .collect(),
    }
}
