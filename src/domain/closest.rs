//! "Did you mean …?": the known name nearest to a typo, by edit distance.

/// The candidate closest to `typed` (ignoring case), if it is near enough to be the
/// likely intent: at most a third of the typed length in edits (at least one), or else
/// the longest candidate of three or more letters that `typed` begins with
/// (`acknowledge` → `ack`).
pub fn closest<'a, I>(typed: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let typed_lower = typed.to_lowercase();
    let limit = (typed.chars().count() / 3).max(1);
    let others: Vec<(String, &str)> = candidates
        .into_iter()
        .filter(|c| *c != typed)
        .map(|c| (c.to_lowercase(), c))
        .collect();
    let by_edits = others
        .iter()
        .map(|(lower, c)| (distance(&typed_lower, lower), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    by_edits.or_else(|| {
        others
            .iter()
            .filter(|(lower, _)| lower.len().min(typed_lower.len()) >= 3)
            .filter(|(lower, _)| typed_lower.starts_with(lower.as_str()))
            .max_by_key(|(lower, _)| lower.len())
            .map(|(_, c)| *c)
    })
}

/// The end of an "unknown X" message: `; did you mean `B`? (LABEL: A, B)` when one name
/// is close, else `; LABEL: A, B`.
pub fn or_list(typed: &str, candidates: &[&str], label: &str) -> String {
    let list = if candidates.is_empty() {
        "none".to_string()
    } else {
        candidates.join(", ")
    };
    match closest(typed, candidates.iter().copied()) {
        Some(c) => format!("; did you mean `{c}`? ({label}: {list})"),
        None => format!("; {label}: {list}"),
    }
}

/// Edit distance over characters, a swap of two neighbours counting as one edit
/// (optimal string alignment), so `nmae` is one edit from `name`.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
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
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("nmae", "name"), 1, "a swap is one edit");
        assert_eq!(closest("acknowledge", ["ack", "audience"]), Some("ack"));
        assert_eq!(closest("a", ["ack"]), None, "too short to be a beginning");
        assert_eq!(
            or_list("Suport", &["Sales", "Support"], "known teams are"),
            "; did you mean `Support`? (known teams are: Sales, Support)"
        );
        assert_eq!(or_list("HR", &[], "there are"), "; there are: none");
    }
}
