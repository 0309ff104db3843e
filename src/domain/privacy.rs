//! Which groups' results may be shown: a group needs at least the minimum number of
//! respondents, and no combination of shown figures may isolate a smaller group (the
//! whole minus the shown teams is itself a group).

/// The outcome for a set of teams with their respondent counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    /// Teams shown on their own.
    pub shown: Vec<String>,
    /// Teams with answers but too few to show.
    pub withheld: Vec<String>,
    /// The withheld teams together, shown as one group when that group is big enough.
    pub others_combined: bool,
    /// Whether an all-teams figure may be shown.
    pub overall: bool,
}

pub fn visibility(counts: &[(String, usize)], min: usize) -> Visibility {
    let shown: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n >= min)
        .map(|(t, _)| t.clone())
        .collect();
    let withheld: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0 && *n < min)
        .map(|(t, _)| t.clone())
        .collect();
    let hidden_total: usize = counts
        .iter()
        .filter(|(_, n)| *n < min)
        .map(|(_, n)| n)
        .sum();
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    // The overall figure minus every shown team equals the hidden teams together: safe
    // only if that remainder is empty or itself big enough.
    let remainder_safe = hidden_total == 0 || hidden_total >= min;
    Visibility {
        shown,
        withheld,
        others_combined: hidden_total >= min && counts.iter().any(|(_, n)| *n > 0 && *n < min),
        overall: total >= min && remainder_safe,
    }
}

#[cfg(test)]
mod tests {
    use super::visibility;

    fn c(v: &[(&str, usize)]) -> Vec<(String, usize)> {
        v.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    #[test]
    fn a_small_team_is_withheld_and_the_overall_would_reveal_it_so_it_is_hidden_too() {
        let v = visibility(&c(&[("Sales", 8), ("Support", 6), ("Finance", 3)]), 5);
        assert_eq!(v.shown, ["Sales", "Support"]);
        assert_eq!(v.withheld, ["Finance"]);
        assert!(
            !v.overall,
            "overall − Sales − Support would be Finance's 3 answers"
        );
        assert!(!v.others_combined);
    }

    #[test]
    fn small_teams_together_form_a_group_when_they_reach_the_minimum() {
        let v = visibility(&c(&[("Sales", 8), ("Support", 3), ("Finance", 3)]), 5);
        assert!(v.others_combined && v.overall);
    }

    #[test]
    fn with_every_team_big_enough_everything_shows() {
        let v = visibility(&c(&[("Sales", 5), ("Support", 7)]), 5);
        assert_eq!((v.shown.len(), v.withheld.len(), v.overall), (2, 0, true));
    }
}
