//! Distinct people behind a team's signals, as far as keyed hashes can tell. Reactions
//! and feedback carry one key per person; a pulse carries one key per ballot, which no
//! one can link to a person or to the same person's ballot in another pulse. So the
//! count is the largest single group of keys: a lower bound that never exceeds the
//! people who took part, nor the team. It is exact when only one group spoke.

use super::words::count;

/// Distinct contributors: at least `n`, exactly `n` when `exact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct People {
    pub n: i64,
    pub exact: bool,
}

/// `groups`: the distinct keys in each group (the person keys, then one per pulse);
/// `team_size`: the team's members when known (0 or None: unknown).
pub fn distinct_people(groups: impl IntoIterator<Item = i64>, team_size: Option<i64>) -> People {
    let sizes: Vec<i64> = groups.into_iter().filter(|n| *n > 0).collect();
    let n = sizes.iter().copied().max().unwrap_or(0);
    let exact = sizes.len() <= 1;
    match team_size {
        Some(size) if size > 0 && n > size => People {
            n: size,
            exact: false,
        },
        _ => People { n, exact },
    }
}

impl People {
    /// "7 contributors", or "at least 12 contributors" when more may have spoken.
    pub fn describe(self) -> String {
        let c = count(self.n, "contributor", "contributors");
        if self.exact {
            c
        } else {
            format!("at least {c}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn one_person_answering_three_pulses_and_reacting_counts_once() {
        // Person keys: 1 (she reacted); three pulses, one ballot each (hers).
        let p = distinct_people([1, 1, 1, 1], Some(20));
        assert_eq!(p, People { n: 1, exact: false });
        assert_eq!(p.describe(), "at least 1 contributor");
        assert_eq!(distinct_people([7], Some(20)).describe(), "7 contributors");
        assert_eq!(distinct_people([], None), People { n: 0, exact: true });
    }

    #[test]
    fn a_count_never_passes_the_team_size() {
        assert_eq!(
            distinct_people([25], Some(20)),
            People {
                n: 20,
                exact: false
            }
        );
        assert_eq!(
            distinct_people([25], Some(0)),
            People { n: 25, exact: true }
        );
    }

    proptest! {
        /// Whoever of a team reacts and answers whichever pulses, the shown count is
        /// never more than the people who took part, never more than the team, and
        /// exact when it says so.
        #[test]
        fn no_count_exceeds_the_people_who_took_part_or_the_team(
            size in 1i64..40,
            reacted in proptest::collection::btree_set(0i64..40, 0..40),
            pulses in proptest::collection::vec(
                proptest::collection::btree_set(0i64..40, 0..40), 0..6),
        ) {
            let keep = |s: &BTreeSet<i64>| -> BTreeSet<i64> {
                s.iter().copied().filter(|m| *m < size).collect()
            };
            let reacted = keep(&reacted);
            let pulses: Vec<BTreeSet<i64>> = pulses.iter().map(keep).collect();
            let mut everyone = reacted.clone();
            for p in &pulses {
                everyone.extend(p);
            }
            let groups = std::iter::once(reacted.len() as i64)
                .chain(pulses.iter().map(|p| p.len() as i64));
            let shown = distinct_people(groups, Some(size));
            prop_assert!(shown.n <= everyone.len() as i64);
            prop_assert!(shown.n <= size);
            if shown.exact {
                prop_assert_eq!(shown.n, everyone.len() as i64);
            }
        }
    }
}
