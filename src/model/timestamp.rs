//! The timestamps the store writes (`2026-11-24T19:35:28.123Z`, UTC), read back as milliseconds
//! since the Unix epoch so that durations and timelines can be drawn from them.

/// Milliseconds since 1970-01-01T00:00:00Z of a `YYYY-MM-DDTHH:MM:SS[.fff]Z` timestamp, or `None`
/// when `text` is not one.
pub fn epoch_millis(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(|part| part.parse::<i64>().ok());
    let (year, month, day) = (date.next()??, date.next()??, date.next()??);
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut clock = clock.splitn(3, ':').map(|part| part.parse::<i64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..=60).contains(&second);
    if !valid || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let millis = format!("{fraction:0<3}").get(..3)?.parse::<i64>().ok()?;
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(seconds * 1_000 + millis)
}

/// The timestamp text (`YYYY-MM-DDTHH:MM:SS.fffZ`) of `millis` since the Unix epoch: the inverse
/// of [`epoch_millis`].
pub fn format_epoch_millis(millis: i64) -> String {
    let (days, millis_of_day) = (millis.div_euclid(86_400_000), millis.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let seconds = millis_of_day / 1_000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        seconds / 3_600,
        seconds / 60 % 60,
        seconds % 60,
        millis_of_day % 1_000
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::{epoch_millis, format_epoch_millis};

    #[test]
    fn store_timestamps_read_back_as_epoch_milliseconds() {
        assert_eq!(epoch_millis("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(epoch_millis("2000-03-01T00:00:00Z"), Some(951_868_800_000));
        assert_eq!(epoch_millis("2026-11-24T19:35:28.123Z"), Some(1_795_548_928_123));
        assert_eq!(epoch_millis("2026-11-24T19:35:28.5Z"), Some(1_795_548_928_500));
    }

    #[test]
    fn formatting_is_the_inverse_of_reading() {
        assert_eq!(format_epoch_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_epoch_millis(1_795_548_928_123), "2026-11-24T19:35:28.123Z");
        assert_eq!(format_epoch_millis(951_868_799_999), "2000-02-29T23:59:59.999Z");
        assert_eq!(format_epoch_millis(-1), "1969-12-31T23:59:59.999Z");
        for millis in (-5_000_000_000_000i64..5_000_000_000_000).step_by(7_777_777_777) {
            assert_eq!(epoch_millis(&format_epoch_millis(millis)), Some(millis), "{millis}");
        }
    }

    #[test]
    fn other_text_is_not_a_timestamp() {
        for text in ["", "2026-11-24", "2026-11-24T19:35:28", "2026-13-01T00:00:00Z", "noon"] {
            assert_eq!(epoch_millis(text), None, "{text}");
        }
    }
}
