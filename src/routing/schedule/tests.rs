//! Table tests for business hours: DST gaps and repeats in three zones, overnight
//! windows, holiday vs special vs weekday, several windows a day, window parsing, and
//! properties over random schedules. Instants are written in UTC on purpose: the local
//! time each one stands for is in the case name or a comment.

use super::*;
use chrono::Weekday::{Fri, Mon, Sat, Sun, Tue};
use chrono::{NaiveTime, Offset, Timelike};
use chrono_tz::America::New_York;
use chrono_tz::Australia::Sydney;
use chrono_tz::Europe::London;
use proptest::collection::vec;
use proptest::prelude::*;
use serde::Deserialize;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn date(y: i32, mo: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, mo, d).unwrap()
}

fn windows(list: &[&str]) -> Vec<Window> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

fn hours(days: &[(Weekday, &[&str])]) -> Hours {
    let mut hours = Hours::default();
    for (day, list) in days {
        hours.weekly[day.num_days_from_monday() as usize] = windows(list);
    }
    hours
}

/// Monday to Friday, the same window each day.
fn weekdays(window: &str) -> Hours {
    let list = [window];
    hours(&[Mon, Tue, Weekday::Wed, Weekday::Thu, Fri].map(|d| (d, &list[..])))
}

fn holiday(mut hours: Hours, day: NaiveDate) -> Hours {
    hours.closed.insert(day);
    hours
}

fn special(mut hours: Hours, day: NaiveDate, list: &[&str]) -> Hours {
    hours.special.insert(day, windows(list));
    hours
}

#[derive(Debug)]
enum Expect {
    Open {
        day: NaiveDate,
        kind: DayKind,
        until: Option<DateTime<Utc>>,
    },
    Closed {
        kind: DayKind,
        next_open: Option<DateTime<Utc>>,
    },
}

fn open(day: NaiveDate, kind: DayKind, until: DateTime<Utc>) -> Expect {
    Expect::Open {
        day,
        kind,
        until: Some(until),
    }
}

fn closed(kind: DayKind, next_open: Option<DateTime<Utc>>) -> Expect {
    Expect::Closed { kind, next_open }
}

fn wd(day: Weekday) -> DayKind {
    DayKind::Weekday(day)
}

struct Case {
    name: &'static str,
    tz: Tz,
    hours: Hours,
    at: DateTime<Utc>,
    expect: Expect,
}

fn case(name: &'static str, tz: Tz, hours: &Hours, at: DateTime<Utc>, expect: Expect) -> Case {
    let hours = hours.clone();
    Case {
        name,
        tz,
        hours,
        at,
        expect,
    }
}

/// Runs every case and reports all failures at once, by name.
fn check(cases: Vec<Case>) {
    let failures: Vec<String> = cases
        .into_iter()
        .filter_map(|c| {
            let s = c.hours.status_at(c.tz, c.at);
            let ok = match c.expect {
                Expect::Open { day, kind, until } => {
                    s.open
                        && s.day == day
                        && s.kind == kind
                        && s.until == until
                        && s.window.is_some()
                        && s.next_open.is_none()
                }
                Expect::Closed { kind, next_open } => {
                    !s.open
                        && s.day == s.local.date()
                        && s.kind == kind
                        && s.next_open == next_open
                        && s.window.is_none()
                        && s.until.is_none()
                }
            };
            (!ok).then(|| format!("{}:\n  expected {:?}\n  got {:?}", c.name, c.expect, s))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn new_york_dst_gap_and_repeat_follow_wall_clock_rules() {
    let gap_start = hours(&[(Sun, &["02:30-06:00"])]);
    let gap_end = hours(&[(Sun, &["00:00-02:30"])]);
    let odd_gap_start = hours(&[(Sun, &["02:37-06:00"])]);
    let in_gap = hours(&[(Sun, &["02:00-02:45"])]);
    let overnight = hours(&[(Sat, &["22:00-04:00"])]);
    let repeat_end = hours(&[(Sun, &["00:00-01:30"])]);
    let repeat_start = hours(&[(Sun, &["01:30-05:00"])]);
    let office = weekdays("09:00-17:00");
    let sun = date(2026, 3, 8);
    check(vec![
        case(
            "a window starting in the gap is closed at 01:59 EST",
            New_York,
            &gap_start,
            utc(2026, 3, 8, 6, 59),
            closed(wd(Sun), Some(utc(2026, 3, 8, 7, 0))),
        ),
        case(
            "a window starting in the gap opens at the jump, not an hour late",
            New_York,
            &gap_start,
            utc(2026, 3, 8, 7, 0),
            open(sun, wd(Sun), utc(2026, 3, 8, 10, 0)),
        ),
        case(
            "a window starting at an odd minute in the gap also opens at the jump",
            New_York,
            &odd_gap_start,
            utc(2026, 3, 8, 6, 59),
            closed(wd(Sun), Some(utc(2026, 3, 8, 7, 0))),
        ),
        case(
            "a window ending in the gap closes at the jump",
            New_York,
            &gap_end,
            utc(2026, 3, 8, 6, 30),
            open(sun, wd(Sun), utc(2026, 3, 8, 7, 0)),
        ),
        case(
            "a window wholly inside the gap never opens that day",
            New_York,
            &in_gap,
            utc(2026, 3, 8, 5, 0),
            closed(wd(Sun), Some(utc(2026, 3, 15, 6, 0))),
        ),
        case(
            "friday 17:00 EST waits for monday 09:00 EDT",
            New_York,
            &office,
            utc(2026, 3, 6, 22, 0),
            closed(wd(Fri), Some(utc(2026, 3, 9, 13, 0))),
        ),
        case(
            "saturday's overnight window is open at 22:00 EST",
            New_York,
            &overnight,
            utc(2026, 3, 8, 3, 0),
            open(date(2026, 3, 7), wd(Sat), utc(2026, 3, 8, 8, 0)),
        ),
        case(
            "saturday's overnight window is still open at 03:30 EDT, until 04:00 EDT",
            New_York,
            &overnight,
            utc(2026, 3, 8, 7, 30),
            open(date(2026, 3, 7), wd(Sat), utc(2026, 3, 8, 8, 0)),
        ),
        case(
            "a window ending at 01:30 is open at the first 01:45",
            New_York,
            &repeat_end,
            utc(2026, 11, 1, 5, 45),
            open(date(2026, 11, 1), wd(Sun), utc(2026, 11, 1, 6, 30)),
        ),
        case(
            "a window ending at 01:30 is open at the second 01:15",
            New_York,
            &repeat_end,
            utc(2026, 11, 1, 6, 15),
            open(date(2026, 11, 1), wd(Sun), utc(2026, 11, 1, 6, 30)),
        ),
        case(
            "a window ending at 01:30 closes at the second 01:30",
            New_York,
            &repeat_end,
            utc(2026, 11, 1, 6, 30),
            closed(wd(Sun), Some(utc(2026, 11, 8, 5, 0))),
        ),
        case(
            "a window starting at 01:30 opens at the first 01:30",
            New_York,
            &repeat_start,
            utc(2026, 11, 1, 5, 15),
            closed(wd(Sun), Some(utc(2026, 11, 1, 5, 30))),
        ),
        case(
            "a window starting at 01:30 stays open when the clock goes back to 01:10",
            New_York,
            &repeat_start,
            utc(2026, 11, 1, 6, 10),
            open(date(2026, 11, 1), wd(Sun), utc(2026, 11, 1, 10, 0)),
        ),
        case(
            "friday 17:00 EDT waits for monday 09:00 EST",
            New_York,
            &office,
            utc(2026, 10, 30, 21, 0),
            closed(wd(Fri), Some(utc(2026, 11, 2, 14, 0))),
        ),
    ]);
}

#[test]
fn london_dst_gap_and_repeat_follow_wall_clock_rules() {
    let gap_start = hours(&[(Sun, &["01:30-04:00"])]);
    let repeat_end = hours(&[(Sun, &["00:00-01:30"])]);
    let overnight = hours(&[(Sat, &["22:00-01:30"])]);
    let office = weekdays("09:00-17:00");
    check(vec![
        case(
            "a window starting in the gap is closed at 00:59 GMT",
            London,
            &gap_start,
            utc(2026, 3, 29, 0, 59),
            closed(wd(Sun), Some(utc(2026, 3, 29, 1, 0))),
        ),
        case(
            "a window starting in the gap opens at 02:00 BST",
            London,
            &gap_start,
            utc(2026, 3, 29, 1, 0),
            open(date(2026, 3, 29), wd(Sun), utc(2026, 3, 29, 3, 0)),
        ),
        case(
            "a window ending at 01:30 is open at the first 01:45, until the second 01:30",
            London,
            &repeat_end,
            utc(2026, 10, 25, 0, 45),
            open(date(2026, 10, 25), wd(Sun), utc(2026, 10, 25, 1, 30)),
        ),
        case(
            "an overnight window ending in the repeat runs until the second 01:30",
            London,
            &overnight,
            utc(2026, 10, 24, 21, 0),
            open(date(2026, 10, 24), wd(Sat), utc(2026, 10, 25, 1, 30)),
        ),
        case(
            "friday 17:00 GMT waits for monday 09:00 BST",
            London,
            &office,
            utc(2026, 3, 27, 17, 0),
            closed(wd(Fri), Some(utc(2026, 3, 30, 8, 0))),
        ),
        case(
            "friday 17:00 BST waits for monday 09:00 GMT",
            London,
            &office,
            utc(2026, 10, 23, 16, 0),
            closed(wd(Fri), Some(utc(2026, 10, 26, 9, 0))),
        ),
    ]);
}

#[test]
fn sydney_dst_gap_and_repeat_follow_wall_clock_rules() {
    let repeat_end = hours(&[(Sun, &["00:00-02:30"])]);
    let overnight = hours(&[(Sat, &["22:00-04:00"])]);
    let gap_start = hours(&[(Sun, &["02:15-05:00"])]);
    let office = weekdays("09:00-17:00");
    check(vec![
        case(
            "a window ending at 02:30 is open at the first 02:45, until 02:30 AEST",
            Sydney,
            &repeat_end,
            utc(2026, 4, 4, 15, 45),
            open(date(2026, 4, 5), wd(Sun), utc(2026, 4, 4, 16, 30)),
        ),
        case(
            "an overnight window over the repeat runs until 04:00 AEST",
            Sydney,
            &overnight,
            utc(2026, 4, 4, 11, 0),
            open(date(2026, 4, 4), wd(Sat), utc(2026, 4, 4, 18, 0)),
        ),
        case(
            "a window starting in the gap is closed at 01:59 AEST",
            Sydney,
            &gap_start,
            utc(2026, 10, 3, 15, 59),
            closed(wd(Sun), Some(utc(2026, 10, 3, 16, 0))),
        ),
        case(
            "a window starting in the gap opens at 03:00 AEDT",
            Sydney,
            &gap_start,
            utc(2026, 10, 3, 16, 0),
            open(date(2026, 10, 4), wd(Sun), utc(2026, 10, 3, 18, 0)),
        ),
        case(
            "friday 17:00 AEDT waits for monday 09:00 AEST",
            Sydney,
            &office,
            utc(2026, 4, 3, 6, 0),
            closed(wd(Fri), Some(utc(2026, 4, 5, 23, 0))),
        ),
        case(
            "friday 17:00 AEST waits for monday 09:00 AEDT",
            Sydney,
            &office,
            utc(2026, 10, 2, 7, 0),
            closed(wd(Fri), Some(utc(2026, 10, 4, 22, 0))),
        ),
    ]);
}

#[test]
fn overnight_windows_belong_to_the_day_they_start_on() {
    // New York in June (EDT, UTC-4); 2026-06-13 is a Saturday.
    let (sat, sun) = (date(2026, 6, 13), date(2026, 6, 14));
    let overnight = hours(&[(Sat, &["22:00-02:00"])]);
    let next_saturday_night = Some(utc(2026, 6, 21, 2, 0));
    check(vec![
        case(
            "saturday 22:00-02:00 is open sunday 01:00",
            New_York,
            &overnight,
            utc(2026, 6, 14, 5, 0),
            open(sat, wd(Sat), utc(2026, 6, 14, 6, 0)),
        ),
        case(
            "saturday 22:00-02:00 is closed sunday 03:00",
            New_York,
            &overnight,
            utc(2026, 6, 14, 7, 0),
            closed(wd(Sun), next_saturday_night),
        ),
        case(
            "saturday 22:00-02:00 is closed saturday 21:59",
            New_York,
            &overnight,
            utc(2026, 6, 14, 1, 59),
            closed(wd(Sat), Some(utc(2026, 6, 14, 2, 0))),
        ),
        case(
            "a holiday the day after does not close the overnight window",
            New_York,
            &holiday(overnight.clone(), sun),
            utc(2026, 6, 14, 5, 0),
            open(sat, wd(Sat), utc(2026, 6, 14, 6, 0)),
        ),
        case(
            "a holiday on the saturday removes its overnight part",
            New_York,
            &holiday(overnight.clone(), sat),
            utc(2026, 6, 14, 5, 0),
            closed(wd(Sun), next_saturday_night),
        ),
        case(
            "a holiday on the saturday closes its evening",
            New_York,
            &holiday(overnight.clone(), sat),
            utc(2026, 6, 14, 3, 0),
            closed(DayKind::Holiday, next_saturday_night),
        ),
        case(
            "a special saturday replaces the overnight window",
            New_York,
            &special(overnight.clone(), sat, &["23:00-01:00"]),
            utc(2026, 6, 14, 5, 30),
            closed(wd(Sun), next_saturday_night),
        ),
        case(
            "an overnight window chains into sunday's 00:00 window",
            New_York,
            &hours(&[(Sat, &["22:00-02:00"]), (Sun, &["00:00-05:00"])]),
            utc(2026, 6, 14, 3, 0),
            open(sat, wd(Sat), utc(2026, 6, 14, 9, 0)),
        ),
        case(
            "a window to 24:00 chains into the next day's 00:00 window",
            New_York,
            &hours(&[(Fri, &["20:00-24:00"]), (Sat, &["00:00-03:00"])]),
            utc(2026, 6, 13, 1, 0),
            open(date(2026, 6, 12), wd(Fri), utc(2026, 6, 13, 7, 0)),
        ),
    ]);
}

#[test]
fn special_days_beat_holidays_which_beat_weekdays() {
    // New York in December (EST, UTC-5); 2026-12-24 is a Thursday, 12-25 a Friday.
    let (eve, christmas) = (date(2026, 12, 24), date(2026, 12, 25));
    let office = weekdays("09:00-17:00");
    let holidays = holiday(holiday(office.clone(), eve), christmas);
    let short_eve = special(holidays.clone(), eve, &["09:00-12:00"]);
    let monday_morning = Some(utc(2026, 12, 28, 14, 0));
    check(vec![
        case(
            "a holiday on a weekday is closed",
            New_York,
            &holidays,
            utc(2026, 12, 25, 15, 0),
            closed(DayKind::Holiday, monday_morning),
        ),
        case(
            "a special day on a holiday wins and is open",
            New_York,
            &short_eve,
            utc(2026, 12, 24, 15, 0),
            open(eve, DayKind::Special, utc(2026, 12, 24, 17, 0)),
        ),
        case(
            "a special day is closed outside its windows",
            New_York,
            &short_eve,
            utc(2026, 12, 24, 18, 0),
            closed(DayKind::Special, monday_morning),
        ),
        case(
            "a special day with no windows is closed",
            New_York,
            &special(office.clone(), date(2026, 12, 23), &[]),
            utc(2026, 12, 23, 15, 0),
            closed(DayKind::Special, Some(utc(2026, 12, 24, 14, 0))),
        ),
        case(
            "a special day opens a weekend",
            New_York,
            &special(office.clone(), date(2026, 12, 26), &["10:00-14:00"]),
            utc(2026, 12, 26, 16, 0),
            open(date(2026, 12, 26), DayKind::Special, utc(2026, 12, 26, 19, 0)),
        ),
        case(
            "a holiday on a closed weekday still reports the holiday",
            New_York,
            &holiday(office, date(2026, 12, 27)),
            utc(2026, 12, 27, 15, 0),
            closed(DayKind::Holiday, monday_morning),
        ),
    ]);
}

#[test]
fn several_windows_a_day_leave_gaps_and_chain_when_they_touch() {
    // New York in June (EDT, UTC-4); 2026-06-15 is a Monday.
    let (mon, tue) = (date(2026, 6, 15), date(2026, 6, 16));
    let lunch = hours(&[(Mon, &["09:00-12:30", "13:30-17:00"])]);
    let touching = hours(&[(Tue, &["09:00-12:00", "12:00-17:00"])]);
    let overlapping = hours(&[(Tue, &["12:00-17:00", "09:00-13:00"])]);
    check(vec![
        case(
            "the morning window closes at 12:30",
            New_York,
            &lunch,
            utc(2026, 6, 15, 14, 0),
            open(mon, wd(Mon), utc(2026, 6, 15, 16, 30)),
        ),
        case(
            "the lunch gap is closed until 13:30",
            New_York,
            &lunch,
            utc(2026, 6, 15, 16, 45),
            closed(wd(Mon), Some(utc(2026, 6, 15, 17, 30))),
        ),
        case(
            "a window's end is exclusive",
            New_York,
            &lunch,
            utc(2026, 6, 15, 16, 30),
            closed(wd(Mon), Some(utc(2026, 6, 15, 17, 30))),
        ),
        case(
            "after the last window the next open is next week",
            New_York,
            &lunch,
            utc(2026, 6, 15, 21, 0),
            closed(wd(Mon), Some(utc(2026, 6, 22, 13, 0))),
        ),
        case(
            "touching windows give one until",
            New_York,
            &touching,
            utc(2026, 6, 16, 14, 0),
            open(tue, wd(Tue), utc(2026, 6, 16, 21, 0)),
        ),
        case(
            "overlapping windows in any order give one until",
            New_York,
            &overlapping,
            utc(2026, 6, 16, 14, 0),
            open(tue, wd(Tue), utc(2026, 6, 16, 21, 0)),
        ),
        case(
            "no windows at all never opens",
            New_York,
            &Hours::default(),
            utc(2026, 6, 15, 14, 0),
            closed(wd(Mon), None),
        ),
        case(
            "a business open all week has no close in sight",
            London,
            &hours(&[Mon, Tue, Weekday::Wed, Weekday::Thu, Fri, Sat, Sun].map(|d| (d, &["00:00-24:00"][..]))),
            utc(2026, 6, 15, 14, 0),
            Expect::Open {
                day: mon,
                kind: wd(Mon),
                until: None,
            },
        ),
    ]);
}

#[test]
fn status_reports_the_local_time_and_the_window_it_is_in() {
    let hours = hours(&[(Sun, &["02:30-06:00"])]);

    let status = hours.status_at(New_York, utc(2026, 3, 8, 7, 0));

    assert_eq!(status.local, date(2026, 3, 8).and_hms_opt(3, 0, 0).unwrap());
    assert_eq!(status.window, Some("02:30-06:00".parse().unwrap()));
}

#[test]
fn next_open_looks_no_further_than_the_horizon() {
    let soon = special(Hours::default(), date(2027, 3, 1), &["09:00-10:00"]);
    let too_far = special(Hours::default(), date(2027, 12, 1), &["09:00-10:00"]);
    let now = utc(2026, 6, 15, 12, 0);

    assert_eq!(soon.status_at(London, now).next_open, Some(utc(2027, 3, 1, 9, 0)));
    assert_eq!(too_far.status_at(London, now).next_open, None);
}

#[test]
fn effective_rule_prefers_special_then_holiday_then_weekday() {
    let day = date(2026, 12, 24); // a Thursday
    let office = weekdays("09:00-17:00");
    let on_holiday = holiday(office.clone(), day);
    let on_special = special(on_holiday.clone(), day, &["10:00-11:00"]);

    assert_eq!(
        office.effective(day),
        (wd(Weekday::Thu), &windows(&["09:00-17:00"])[..])
    );
    assert_eq!(on_holiday.effective(day), (DayKind::Holiday, &[][..]));
    assert_eq!(
        on_special.effective(day),
        (DayKind::Special, &windows(&["10:00-11:00"])[..])
    );
}

#[test]
fn has_open_window_sees_weekly_and_special_windows() {
    let only_holidays = holiday(Hours::default(), date(2026, 12, 25));
    let only_closed_special = special(Hours::default(), date(2026, 12, 24), &[]);

    assert!(!Hours::default().has_open_window());
    assert!(!only_holidays.has_open_window());
    assert!(!only_closed_special.has_open_window());
    assert!(weekdays("09:00-17:00").has_open_window());
    assert!(special(Hours::default(), date(2026, 12, 24), &["09:00-12:00"]).has_open_window());
}

#[test]
fn good_windows_parse_and_print_back() {
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let cases = [
        ("09:00-17:00", t(9, 0), WindowEnd::At(t(17, 0)), false, "09:00-17:00"),
        ("22:00-02:00", t(22, 0), WindowEnd::At(t(2, 0)), true, "22:00-02:00"),
        ("00:00-24:00", t(0, 0), WindowEnd::EndOfDay, false, "00:00-24:00"),
        ("22:00-00:00", t(22, 0), WindowEnd::At(t(0, 0)), false, "22:00-00:00"),
        ("09:00-08:59", t(9, 0), WindowEnd::At(t(8, 59)), true, "09:00-08:59"),
        (
            " 13:30 - 17:00 ",
            t(13, 30),
            WindowEnd::At(t(17, 0)),
            false,
            "13:30-17:00",
        ),
    ];
    for (input, start, end, overnight, shown) in cases {
        let window: Window = input.parse().unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!((window.start, window.end), (start, end), "{input:?}");
        assert_eq!(window.is_overnight(), overnight, "{input:?}");
        assert_eq!(window.to_string(), shown, "{input:?}");
    }
}

#[test]
fn bad_windows_are_rejected_with_clear_messages() {
    let cases = [
        ("", "expected HH:MM-HH:MM"),
        ("09:00", "expected HH:MM-HH:MM"),
        ("9-17", "expected HH:MM-HH:MM"),
        ("9:00-17:00", "expected HH:MM-HH:MM"),
        ("09h00-17h00", "expected HH:MM-HH:MM"),
        ("+9:00-10:00", "expected HH:MM-HH:MM"),
        ("09:00-17:00-18:00", "expected HH:MM-HH:MM"),
        ("25:00-26:00", "hour out of range"),
        ("24:00-02:00", "hour out of range"),
        ("09:00-24:30", "hour out of range"),
        ("09:60-10:00", "minute out of range"),
        ("09:00-09:00", "empty window 09:00-09:00"),
        ("00:00-00:00", "empty window 00:00-00:00"),
    ];
    for (input, message) in cases {
        let error = input.parse::<Window>().expect_err(input).to_string();
        assert!(error.starts_with(message), "{input:?}: {error}");
    }
}

#[test]
fn windows_deserialize_from_their_string_form() {
    use serde::de::value::{Error, StrDeserializer};
    let parse = |s| Window::deserialize(StrDeserializer::<Error>::new(s));

    assert_eq!(parse("09:00-17:00").unwrap().to_string(), "09:00-17:00");
    assert!(parse("09:00-09:00").unwrap_err().to_string().contains("empty window"));
}

// ---- properties over random schedules ----

/// The six 2026 transitions (UTC) of New York, London and Sydney.
const TRANSITIONS: [(u32, u32, u32); 6] = [(3, 8, 7), (11, 1, 6), (3, 29, 1), (10, 25, 1), (4, 4, 16), (10, 3, 16)];

fn transition(i: usize) -> DateTime<Utc> {
    let (m, d, h) = TRANSITIONS[i];
    utc(2026, m, d, h, 0)
}

fn zone() -> impl Strategy<Value = Tz> {
    prop_oneof![Just(New_York), Just(London), Just(Sydney)]
}

fn window() -> impl Strategy<Value = Window> {
    // Quarter hours half the time, so windows meet gaps, repeats and each other.
    let minute = || prop_oneof![(0u32..96).prop_map(|q| q * 15), 0u32..1440];
    let end = prop_oneof![1 => Just(None), 6 => minute().prop_map(Some)];
    (minute(), end).prop_filter_map("empty window", |(s, e)| {
        let t = |m: u32| NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap();
        Window::new(t(s), e.map_or(WindowEnd::EndOfDay, |e| WindowEnd::At(t(e)))).ok()
    })
}

fn hours_strategy() -> impl Strategy<Value = Hours> {
    let day = || vec(window(), 0..3);
    // Holidays and special days near the transitions, where they interact with DST.
    let date = || (0usize..6, -3i64..=3).prop_map(|(i, d)| transition(i).date_naive() + TimeDelta::days(d));
    (
        proptest::array::uniform7(day()),
        vec(date(), 0..4),
        vec((date(), day()), 0..3),
    )
        .prop_map(|(weekly, closed, special)| Hours {
            weekly,
            closed: closed.into_iter().collect(),
            special: special.into_iter().collect(),
        })
}

fn any_instant_in_2026() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..365 * 86_400).prop_map(|s| utc(2026, 1, 1, 0, 0) + TimeDelta::seconds(s))
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let near_seconds = (0usize..6, -2 * 86_400i64..2 * 86_400).prop_map(|(i, s)| transition(i) + TimeDelta::seconds(s));
    let near_minutes = (0usize..6, -2 * 1440i64..2 * 1440).prop_map(|(i, m)| transition(i) + TimeDelta::minutes(m));
    prop_oneof![any_instant_in_2026(), near_seconds, near_minutes]
}

/// The plain wall-clock rule, which must hold wherever no transition is near.
fn naive_open(hours: &Hours, local: NaiveDateTime) -> bool {
    let t = local.time().num_seconds_from_midnight();
    let today = hours.effective(local.date()).1.iter();
    let yesterday = hours.effective(local.date().pred_opt().unwrap()).1.iter();
    today
        .clone()
        .any(|w| w.start.num_seconds_from_midnight() <= t && t < w.end_offset())
        || yesterday.clone().any(|w| t + DAY_SECS < w.end_offset())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn next_open_and_until_agree_with_status_at(hours in hours_strategy(), tz in zone(), at in instant()) {
        let status = hours.status_at(tz, at);
        let second = TimeDelta::seconds(1);
        if status.open {
            prop_assert!(status.window.is_some() && status.next_open.is_none());
            if let Some(until) = status.until {
                prop_assert!(until > at);
                prop_assert!(hours.status_at(tz, until - second).open, "open just before until {until}");
                prop_assert!(!hours.status_at(tz, until).open, "closed at until {until}");
            }
        } else {
            prop_assert!(status.window.is_none() && status.until.is_none());
            if let Some(next) = status.next_open {
                prop_assert!(next > at);
                prop_assert!(hours.status_at(tz, next).open, "open at next_open {next}");
                prop_assert!(!hours.status_at(tz, next - second).open, "closed before next_open {next}");
            }
        }
    }

    #[test]
    fn away_from_transitions_status_is_the_naive_wall_clock_rule(
        hours in hours_strategy(), tz in zone(), at in any_instant_in_2026()
    ) {
        let offset = |t: DateTime<Utc>| t.with_timezone(&tz).offset().fix();
        let margin = TimeDelta::hours(50);
        prop_assume!(offset(at - margin) == offset(at) && offset(at) == offset(at + margin));

        let status = hours.status_at(tz, at);

        prop_assert_eq!(status.open, naive_open(&hours, status.local));
    }
}

// ---- what `chain_end` relies on: resolving local times never goes backwards ----

/// The instants in `year` where `tz` changes its offset, found hour by hour.
fn transitions_in(tz: Tz, year: i32) -> Vec<DateTime<Utc>> {
    let offset = |t: DateTime<Utc>| t.with_timezone(&tz).offset().fix();
    let start = utc(year, 1, 1, 0, 0);
    (0..366 * 24)
        .map(|h| start + TimeDelta::hours(h))
        .filter(|&t| offset(t) != offset(t - TimeDelta::hours(1)))
        .collect()
}

/// Every wall-clock time a quarter hour apart over the 60 hours around `at`, in `tz`,
/// resolves to an instant no earlier than the one before it, as a start and as an end.
fn assert_monotone_around(tz: Tz, at: DateTime<Utc>) {
    let first = (at - TimeDelta::hours(30)).with_timezone(&tz).naive_local();
    let locals = (0..240).map(|q| first + TimeDelta::minutes(15 * q));
    for edge in [Edge::Start, Edge::End] {
        let instants: Vec<_> = locals.clone().map(|l| (l, to_instant(tz, l, edge))).collect();
        for pair in instants.windows(2) {
            let ((l1, t1), (l2, t2)) = (pair[0], pair[1]);
            assert!(t1 <= t2, "{tz} {edge:?}: {l1} resolves to {t1}, later {l2} to {t2}");
        }
    }
}

#[test]
fn resolving_local_times_is_monotone_where_a_day_was_skipped_or_repeated() {
    // Samoa skipped 30 December 2011; Alaska repeated a day when it became American in 1867.
    assert_monotone_around(chrono_tz::Pacific::Apia, utc(2011, 12, 30, 10, 0));
    assert_monotone_around(chrono_tz::America::Sitka, utc(1867, 10, 19, 0, 0));
    // Lord Howe moves its clocks by half an hour.
    for at in transitions_in(chrono_tz::Australia::Lord_Howe, 2026) {
        assert_monotone_around(chrono_tz::Australia::Lord_Howe, at);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn resolving_local_times_is_monotone_around_every_transition_of_a_year(
        zone in 0..chrono_tz::TZ_VARIANTS.len(), year in 1850i32..2100
    ) {
        let tz = chrono_tz::TZ_VARIANTS[zone];
        for at in transitions_in(tz, year) {
            assert_monotone_around(tz, at);
        }
    }
}
