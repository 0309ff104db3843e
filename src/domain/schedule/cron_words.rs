//! A cron line's fields checked in Herald's words, naming the field and its range
//! ("day of week 8: use 0–7 or MON–SUN"), before the cron library reads it.

/// One field of a cron line: its name, its range and the names it accepts.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    hint: &'static str,
}

const SECOND: Field = Field {
    name: "second",
    min: 0,
    max: 59,
    names: &[],
    hint: "use 0–59",
};
const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
    hint: "use 0–59",
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
    hint: "use 0–23",
};
const DAY: Field = Field {
    name: "day of month",
    min: 1,
    max: 31,
    names: &[],
    hint: "use 1–31 (or L for the last day)",
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
    hint: "use 1–12 or JAN–DEC",
};
const WEEKDAY: Field = Field {
    name: "day of week",
    min: 0,
    max: 7,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    hint: "use 0–7 or MON–SUN",
};

/// The first field that cannot be read, said as `day of week 8: use 0–7 or MON–SUN`.
pub fn first_bad_field(fields: &[&str]) -> Option<String> {
    let order: &[Field] = if fields.len() == 6 {
        &[SECOND, MINUTE, HOUR, DAY, MONTH, WEEKDAY]
    } else {
        &[MINUTE, HOUR, DAY, MONTH, WEEKDAY]
    };
    order
        .iter()
        .zip(fields)
        .find_map(|(field, text)| check(field, text).err())
}

fn check(field: &Field, text: &str) -> Result<(), String> {
    for part in text.split(',') {
        let bad = |what: &str| format!("{} {what}: {}", field.name, field.hint);
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        if let Some(s) = step {
            if !s.parse::<u32>().is_ok_and(|n| n >= 1) {
                return Err(format!(
                    "{} step `/{s}`: a step is a whole number from 1",
                    field.name
                ));
            }
        }
        if matches!(range, "*" | "?") || special(field, range) {
            continue;
        }
        let ends: Vec<&str> = range.splitn(2, '-').collect();
        for end in &ends {
            if end.is_empty() {
                return Err(bad(&format!("`{part}`")));
            }
            value(field, end).ok_or_else(|| bad(end))?;
        }
    }
    Ok(())
}

/// The cron library's extras (L, W, #), left for it to read.
fn special(field: &Field, text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    match field.name {
        "day of month" => upper == "L" || upper.ends_with('W'),
        "day of week" => upper.contains('#') || upper.ends_with('L'),
        _ => false,
    }
}

fn value(field: &Field, text: &str) -> Option<u32> {
    if let Ok(n) = text.parse::<u32>() {
        return (field.min..=field.max).contains(&n).then_some(n);
    }
    let upper = text.to_ascii_uppercase();
    let at = field.names.iter().position(|n| *n == upper)?;
    Some(at as u32 + u32::from(field.name == "month"))
}

#[cfg(test)]
mod tests {
    use super::first_bad_field;

    fn said(line: &str) -> Option<String> {
        first_bad_field(&line.split_whitespace().collect::<Vec<_>>())
    }

    #[test]
    fn each_field_is_named_with_its_range() {
        assert_eq!(
            said("0 9 * * 8").as_deref(),
            Some("day of week 8: use 0–7 or MON–SUN")
        );
        assert_eq!(said("0 25 * * *").as_deref(), Some("hour 25: use 0–23"));
        assert_eq!(said("61 9 * * *").as_deref(), Some("minute 61: use 0–59"));
        assert_eq!(
            said("0 9 32 * *").as_deref(),
            Some("day of month 32: use 1–31 (or L for the last day)")
        );
        assert_eq!(
            said("0 9 * 13 *").as_deref(),
            Some("month 13: use 1–12 or JAN–DEC")
        );
        assert_eq!(
            said("0 9 * * MON-FRY").as_deref(),
            Some("day of week FRY: use 0–7 or MON–SUN")
        );
        assert_eq!(
            said("0 */0 * * *").as_deref(),
            Some("hour step `/0`: a step is a whole number from 1")
        );
        assert_eq!(said("60 0 9 * * *").as_deref(), Some("second 60: use 0–59"));
    }

    #[test]
    fn what_cron_allows_passes() {
        for ok in [
            "0 9 * * 1-5",
            "*/15 8-18 * * MON,WED,FRI",
            "0 9 L * *",
            "0 9 * * 5#2",
            "0 9 1 JAN-MAR 0,7",
            "0 0 9 * * *",
        ] {
            assert_eq!(said(ok), None, "{ok}");
        }
    }
}
