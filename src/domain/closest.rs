//! "Did you mean …?": the known name nearest to a typo, by edit distance.

/// The candidate closest to `typed` (ignoring case), if it is near enough to be the
/// likely intent: at most a third of the typed length in edits, and at least one.
pub fn closest<'a, I>(typed: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let typed_lower = typed.to_lowercase();
    let limit = (typed.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (distance(&typed_lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *c != typed && *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// " Did you mean `X`?" or nothing: for the end of an error message.
pub fn did_you_mean<'a, I>(typed: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    closest(typed, candidates)
        .map(|c| format!(" Did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_the_name_meant_and_a_stranger_finds_none() {
        let zones = ["Australia/Sydney", "Europe/London", "America/New_York"];
        assert_eq!(closest("Australia/Sydny", zones), Some("Australia/Sydney"));
        assert_eq!(
            closest("europe/london", zones),
            Some("Europe/London"),
            "only the case"
        );
        assert_eq!(closest("Mars/Olympus", zones), None);
        assert_eq!(
            closest("Sales", ["Sales"]),
            None,
            "an exact name is no typo"
        );
        assert_eq!(
            did_you_mean("Supprt", ["Sales", "Support"]),
            " Did you mean `Support`?"
        );
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
