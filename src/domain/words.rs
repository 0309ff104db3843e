//! Numbers in the words people use: "1 question", "5 questions", "3 in 4 of you".

/// `n` and the noun, singular for exactly one: `count(5, "question", "questions")` is
/// "5 questions", `count(1, …)` is "1 question".
pub fn count(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", noun(n, one, many))
}

/// The noun alone, singular for exactly one (and minus one).
pub fn noun<'a>(n: impl Into<i64>, one: &'a str, many: &'a str) -> &'a str {
    if n.into().abs() == 1 {
        one
    } else {
        many
    }
}

/// A share as people say it: "all of you", "none of you", "3 in 4 of you", "about 1 in
/// 3 of you"; `of_you` names the group ("of you", "of Sales").
pub fn share(part: u64, whole: u64, of_you: &str) -> String {
    if whole == 0 {
        return format!("nobody {of_you} yet");
    }
    if part == 0 {
        return format!("none {of_you}");
    }
    if part >= whole {
        return format!("all {of_you}");
    }
    let (a, b) = nearest_simple_fraction(part as f64 / whole as f64);
    let exact = part * b == whole * a;
    let about = if exact { "" } else { "about " };
    format!("{about}{a} in {b} {of_you}")
}

/// The closest fraction people say (halves, thirds, quarters, fifths, tenths; ties to the
/// smaller denominator),
/// never 0 in b nor b in b for a share strictly between none and all.
fn nearest_simple_fraction(x: f64) -> (u64, u64) {
    let mut best = (1, 2, f64::MAX);
    for b in [2u64, 3, 4, 5, 10] {
        let a = ((x * b as f64).round() as u64).clamp(1, b - 1);
        let err = (x - a as f64 / b as f64).abs();
        if err + 1e-9 < best.2 {
            best = (a, b, err);
        }
    }
    (best.0 / gcd(best.0, best.1), best.1 / gcd(best.0, best.1))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Items joined as people write them: "a", "a and b", "a, b and c".
pub fn and_list<T: AsRef<str>>(items: &[T]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// At most `max` items joined as people write them, the rest counted: "a, b and 2 more
/// teams" (`one`/`many` name what the rest are: "team", "teams").
pub fn and_more<T: AsRef<str>>(items: &[T], max: usize, one: &str, many: &str) -> String {
    if items.len() <= max.max(1) {
        return and_list(items);
    }
    let max = max.max(1);
    let rest = items.len() - max;
    let mut shown: Vec<String> = items[..max]
        .iter()
        .map(|i| i.as_ref().to_string())
        .collect();
    shown.push(format!("{rest} more {}", noun(rest as i64, one, many)));
    and_list(&shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(0, "question", "questions"), "0 questions");
        assert_eq!(count(1, "question", "questions"), "1 question");
        assert_eq!(count(2, "champion", "champions"), "2 champions");
        assert_eq!(count(-1, "day", "days"), "-1 day");
        assert_eq!(count(7, "week", "weeks"), "7 weeks");
        assert_eq!(noun(1u32, "week", "weeks"), "week");
    }

    #[test]
    fn shares_read_as_people_say_them() {
        assert_eq!(share(15, 20, "of you"), "3 in 4 of you");
        assert_eq!(share(11, 20, "of you"), "about 1 in 2 of you");
        assert_eq!(share(20, 20, "of you"), "all of you");
        assert_eq!(share(0, 20, "of you"), "none of you");
        assert_eq!(share(1, 3, "of Sales"), "1 in 3 of Sales");
        assert_eq!(share(19, 20, "of you"), "about 9 in 10 of you");
        assert_eq!(share(1, 20, "of you"), "about 1 in 10 of you");
        assert_eq!(share(0, 0, "of you"), "nobody of you yet");
    }

    #[test]
    fn lists_join_with_and() {
        assert_eq!(and_list::<&str>(&[]), "");
        assert_eq!(and_list(&["Sales"]), "Sales");
        assert_eq!(and_list(&["Sales", "Support"]), "Sales and Support");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
    }

    #[test]
    fn long_lists_name_the_first_few_and_count_the_rest() {
        let teams = ["a", "b", "c", "d"];
        assert_eq!(and_more(&teams, 4, "team", "teams"), "a, b, c and d");
        assert_eq!(
            and_more(&teams, 3, "team", "teams"),
            "a, b, c and 1 more team"
        );
        assert_eq!(
            and_more(&teams, 2, "team", "teams"),
            "a, b and 2 more teams"
        );
        assert_eq!(and_more::<&str>(&[], 2, "team", "teams"), "");
    }
}
