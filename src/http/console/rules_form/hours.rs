//! The opening hours card and the holidays and special days card.

use maud::{html, Markup};

use super::fields::{blanks, Marks};
use crate::locale::LocalTime;
use crate::routing::day_name;
use crate::routing::form::{day_notes, window_field, RulesForm, DAYS};
use crate::routing::schedule::WEEKDAYS;

pub(super) fn hours_card(form: &RulesForm, clock: &LocalTime, marks: &Marks<'_>, more: bool) -> Markup {
    html! {
        section.card aria-labelledby="hours-h" {
            h2 #hours-h { "Opening hours" }
            p.muted { "Calls are answered from each start until each end. Two windows on a day make a break between them. An end earlier than its start runs past midnight into the next day." }
            (marks.of("hours"))
            @for d in 0..7 {
                @let rows = &form.hours.days[d];
                @let filled = rows.iter().filter(|w| !(w.from.trim().is_empty() && w.until.trim().is_empty())).count();
                @let windows: Vec<_> = form.hours.windows(d).into_iter().map(|(_, w)| w).collect();
                div.day role="group" aria-labelledby={ "day-" (DAYS[d]) } data-day=(DAYS[d]) {
                    span.day-name id={ "day-" (DAYS[d]) } {
                        (day_name(WEEKDAYS[d]))
                        @if windows.is_empty() { span.badge.closed { "Closed" } }
                    }
                    div.windows {
                        @for n in 0..(filled + blanks(filled, 2, more)) {
                            @let w = rows.get(n);
                            @let (from, until) = (window_field(d, n, "from"), window_field(d, n, "until"));
                            div.window {
                                label for=(from) { span.sr-only { (day_name(WEEKDAYS[d])) " " } "From" }
                                input id=(from) name=(from) type="time" value=(w.map_or("", |w| w.from.as_str())) aria-invalid=[marks.invalid(&from)];
                                label for=(until) { "until" }
                                input id=(until) name=(until) type="time" value=(w.map_or("", |w| w.until.as_str())) aria-invalid=[marks.invalid(&until)];
                            }
                            (marks.of(&from)) (marks.of(&until))
                        }
                        @for note in day_notes(d, &windows, clock) { p.day-note { (note) } }
                        (marks.of(DAYS[d]))
                    }
                }
            }
        }
    }
}

pub(super) fn holidays_card(form: &RulesForm, marks: &Marks<'_>, more: bool) -> Markup {
    let holidays = &form.hours.holidays;
    let filled = holidays
        .iter()
        .filter(|h| !(h.date.is_empty() && h.name.is_empty()))
        .count();
    let special = &form.hours.special;
    let special_filled = special
        .iter()
        .filter(|s| !(s.date.is_empty() && s.name.is_empty() && s.hours.is_empty()))
        .count();
    html! {
        section.card aria-labelledby="holidays-h" {
            h2 #holidays-h { "Holidays" }
            p.muted { "Closed all day: calls are handled as after hours." }
            (marks.of("holidays"))
            @for n in 0..(filled + blanks(filled, 2, more).max(1)) {
                @let h = holidays.get(n);
                @let (date, name) = (format!("holiday.{n}.date"), format!("holiday.{n}.name"));
                div.pair.holiday {
                    div.field {
                        label for=(date) { "Date" }
                        input id=(date) name=(date) type="date" value=(h.map_or("", |h| h.date.as_str())) aria-invalid=[marks.invalid(&date)];
                    }
                    div.field {
                        label for=(name) { "Name" }
                        input id=(name) name=(name) type="text" placeholder="Christmas Day" value=(h.map_or("", |h| h.name.as_str()));
                    }
                }
                (marks.of(&date))
            }
            h3 { "Special days" }
            p.muted { "A date with its own hours, such as 9:00-12:00 on Christmas Eve. Leave the hours empty to close all day." }
            @for n in 0..(special_filled + blanks(special_filled, 0, more).max(1)) {
                @let s = special.get(n);
                @let (date, name, hours) = (format!("special.{n}.date"), format!("special.{n}.name"), format!("special.{n}.hours"));
                div.pair.special {
                    div.field {
                        label for=(date) { "Date" }
                        input id=(date) name=(date) type="date" value=(s.map_or("", |s| s.date.as_str())) aria-invalid=[marks.invalid(&date)];
                    }
                    div.field {
                        label for=(name) { "Name" }
                        input id=(name) name=(name) type="text" placeholder="Christmas Eve" value=(s.map_or("", |s| s.name.as_str()));
                    }
                    div.field {
                        label for=(hours) { "Hours" }
                        input id=(hours) name=(hours) type="text" placeholder="09:00-12:00" value=(s.map_or("", |s| s.hours.as_str())) aria-invalid=[marks.invalid(&hours)];
                    }
                }
                (marks.of(&date)) (marks.of(&hours))
            }
        }
    }
}
