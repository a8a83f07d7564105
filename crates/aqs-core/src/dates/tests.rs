use super::*;

fn errors(start: &str, end: &str, rules: RangeRules) -> Vec<String> {
    match check_range(start, end, rules) {
        Err(RequestError::Invalid(Detail::List(list))) => list,
        other => panic!("expected a list of errors, got {other:?}"),
    }
}

const PER_ARTICLE_DAILY: RangeRules = RangeRules { fake_hour: true, full_months: false };
const PER_ARTICLE_MONTHLY: RangeRules = RangeRules { fake_hour: true, full_months: true };
const HOURLY: RangeRules = RangeRules { fake_hour: false, full_months: false };

#[test]
fn civil_conversions_round_trip() {
    for days in -800_000..800_000 {
        let day = Day(days);
        let (y, m, d) = day.civil();
        if (MIN_YEAR..=MAX_YEAR).contains(&y) {
            assert_eq!(Day::from_ymd(y, m, d), Some(day));
        }
    }
    assert_eq!(Day::from_ymd(1970, 1, 1).unwrap().epoch_days(), 0);
    assert_eq!(Day::from_ymd(2016, 2, 29).unwrap().to_string(), "2016-02-29");
    assert_eq!(Day::from_ymd(2015, 2, 29), None);
}

#[test]
fn iso_days_are_what_their_display_says_and_nothing_else() {
    // Every day of a few years round-trips through its display; malformed forms are refused.
    let mut day = Day::from_ymd(2015, 12, 25).unwrap();
    for _ in 0..800 {
        assert_eq!(Day::parse_iso(&day.to_string()), Some(day));
        day = Day(day.0 + 1);
    }
    for bad in [
        "2016-02-30",
        "2016-13-01",
        "2016-00-10",
        "2016-1-010",
        "201-601-01",
        "+016-01-01",
        "2016-+1-01",
        "2016-01-0x",
        "2016-01-01 ",
        "20160101",
        "",
        "2016/01/01",
    ] {
        assert_eq!(Day::parse_iso(bad), None, "{bad}");
    }
}

#[test]
fn months() {
    let feb = YearMonth::new(2016, 2).unwrap();
    assert_eq!(feb.len(), 29);
    assert_eq!(feb.last_day().compact(), "20160229");
    assert_eq!(feb.timestamp(), "2016020100");
    assert_eq!(YearMonth::new(2015, 12).unwrap().next(), YearMonth::new(2016, 1).unwrap());
    assert_eq!(YearMonth::from_index(feb.index()), feb);
    assert_eq!(feb.days().count(), 29);
}

#[test]
fn hours_round_trip_through_epoch_hours() {
    let h = Hour::new(Day::from_ymd(2015, 7, 1).unwrap(), 23).unwrap();
    assert_eq!(h.timestamp(), "2015070123");
    assert_eq!(Hour::from_epoch_hours(h.epoch_hours()), h);
}

#[test]
fn fake_hour_accepts_eight_to_ten_characters_and_ignores_the_hour() {
    assert!(validate_timestamp("20150701", true).is_some());
    assert!(validate_timestamp("20150701ab", true).is_some());
    assert!(validate_timestamp("2015070123", true).is_some());
    assert!(validate_timestamp("20150701000", true).is_none(), "longer than ten characters");
    assert!(validate_timestamp("20150229", true).is_none());
    assert!(validate_timestamp("201507a3", true).is_none());
}

#[test]
fn without_fake_hour_eight_characters_are_invalid_and_nine_read_one_hour_digit() {
    assert!(validate_timestamp("20150701", false).is_none());
    assert_eq!(validate_timestamp("201501011", false).unwrap().hour, 1);
    assert!(validate_timestamp("2015010124", false).is_none());
    assert_eq!(validate_timestamp("2015010123", false).unwrap().hour, 23);
}

#[test]
fn all_errors_are_collected_in_order() {
    assert_eq!(
        errors("2015a", "2014b", PER_ARTICLE_DAILY),
        vec![
            "start timestamp is invalid, must be a valid date in YYYYMMDD format",
            "end timestamp is invalid, must be a valid date in YYYYMMDD format",
            "start timestamp should be before the end timestamp",
        ]
    );
    assert_eq!(
        errors("20150701", "2015070200", HOURLY),
        vec!["start timestamp is invalid, must be a valid date in YYYYMMDDHH format"]
    );
}

#[test]
fn full_months_keep_whole_months_only() {
    let range = check_range("20151120", "20160103", PER_ARTICLE_MONTHLY).unwrap();
    assert_eq!((range.start.as_str(), range.end.as_str()), ("20151201", "20151231"));
    assert_eq!(range.start_day(), Day::from_ymd(2015, 12, 1).unwrap());
    assert_eq!(range.end_day(), Day::from_ymd(2015, 12, 31).unwrap());
    assert_eq!(
        errors("20151203", "20151220", PER_ARTICLE_MONTHLY),
        vec!["no full months found in specified date range"]
    );
    let kept = check_range("2016020100", "2016040100", PER_ARTICLE_MONTHLY).unwrap();
    assert_eq!((kept.start.as_str(), kept.end.as_str()), ("2016020100", "20160331"));
}

#[test]
fn start_equal_to_end_is_allowed() {
    let range = check_range("20150101", "20150101", PER_ARTICLE_DAILY).unwrap();
    assert_eq!(range.start_day(), range.end_day());
}

#[test]
fn year_month_day_validation() {
    let invalid = |y, m, d| check_year_month_day(y, m, d).unwrap_err();
    let message = RequestError::Invalid(Detail::List(vec![
        "Given year/month/day is invalid date".to_string(),
    ]));
    assert_eq!(invalid("all-years", "01", "01"), message);
    assert_eq!(invalid("2015", "all-months", "01"), message);
    assert_eq!(invalid("2015", "01", "all-dayz"), message);
    assert_eq!(invalid("2015", "02", "29"), message);
    assert_eq!(invalid("2015", "01", "00"), message);
    assert_eq!(invalid("2015", "1", "1"), message);
    assert_eq!(
        check_year_month_day("2015", "10", "10").unwrap(),
        Some(TopPeriod::Day(Day::from_ymd(2015, 10, 10).unwrap()))
    );
    assert_eq!(
        check_year_month_day("2015", "10", "all-days").unwrap(),
        Some(TopPeriod::Month(YearMonth::new(2015, 10).unwrap()))
    );
    // Valid as 2015-10-10 once concatenated, but looked up literally: finds nothing.
    assert_eq!(check_year_month_day("2015", "1", "01").unwrap(), None);
}

#[test]
fn timestamp_digits_match_the_formatted_timestamps() {
    for days in [-719_528, 0, 16_617, 20_000, 2_932_896] {
        let day = Day(days);
        assert_eq!(day.timestamp_digits().as_slice(), day.timestamp().as_bytes());
        assert_eq!(
            day.year_month().timestamp_digits().as_slice(),
            day.year_month().timestamp().as_bytes()
        );
        let hour = Hour { day, hour: 23 };
        assert_eq!(hour.timestamp_digits().as_slice(), hour.timestamp().as_bytes());
    }
}
