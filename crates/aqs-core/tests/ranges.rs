//! The AQS 1.0 range rules, checked against expectations computed by evaluating the original
//! algorithm in Node.js (tests/data/ranges.tsv): every pair of 35 start/end strings under the
//! four rule combinations. One deliberate difference is recorded in the data: see
//! docs/compatibility.md (full-month start after day 28).

use aqs_core::dates::{RangeRules, check_range};
use aqs_core::error::{Detail, RequestError};

#[test]
fn range_rules_match_the_original_on_every_recorded_case() {
    let data = include_str!("data/ranges.tsv");
    let (mut checked, mut fixed) = (0, 0);
    for (number, line) in data.lines().enumerate().filter(|(_, l)| !l.starts_with('#')) {
        let fields: Vec<&str> = line.splitn(7, '\t').collect();
        let [start, end, fake, full, outcome, expected, original] = fields[..] else {
            panic!("ranges.tsv:{}: expected 7 fields", number + 1)
        };
        let rules = RangeRules { fake_hour: fake == "1", full_months: full == "1" };
        let got = match check_range(start, end, rules) {
            Ok(range) => format!("OK\t{}|{}", range.start, range.end),
            Err(RequestError::Invalid(Detail::List(errors))) => {
                format!("ERR\t{}", errors.join("|"))
            }
            Err(other) => format!("unexpected {other:?}"),
        };
        assert_eq!(got, format!("{outcome}\t{expected}"), "ranges.tsv:{}: {line:?}", number + 1);
        checked += 1;
        if original != "same" {
            fixed += 1;
            let start_day: u32 = start.get(6..8).and_then(|d| d.parse().ok()).unwrap_or(0);
            assert!(
                start_day > 28,
                "ranges.tsv:{}: only month-overflow cases may differ",
                number + 1
            );
        }
    }
    assert!(checked > 4000, "only {checked} cases read");
    assert!(fixed > 0, "the month-overflow fix is exercised");
}
