//! ADKAR readiness (Prosci): five elements rated 1–5, in order. A person's barrier point
//! is the first element rated 3 or lower; a team's view is the mean of each element and
//! the distribution of its members' barrier points.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Element {
    Awareness,
    Desire,
    Knowledge,
    Ability,
    Reinforcement,
}

pub const ELEMENTS: [Element; 5] = [
    Element::Awareness,
    Element::Desire,
    Element::Knowledge,
    Element::Ability,
    Element::Reinforcement,
];

impl Element {
    pub fn name(self) -> &'static str {
        match self {
            Element::Awareness => "Awareness",
            Element::Desire => "Desire",
            Element::Knowledge => "Knowledge",
            Element::Ability => "Ability",
            Element::Reinforcement => "Reinforcement",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ELEMENTS
            .iter()
            .copied()
            .find(|e| e.name().eq_ignore_ascii_case(s.trim()))
    }
}

/// The first element rated 3 or lower, if any.
pub fn barrier_point(ratings: &[u8; 5]) -> Option<Element> {
    ratings.iter().position(|r| *r <= 3).map(|i| ELEMENTS[i])
}

/// A team's ADKAR picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamAdkar {
    pub respondents: usize,
    /// Mean rating per element, in ADKAR order.
    pub means: [f64; 5],
    /// How many members have each element as their barrier point, in ADKAR order.
    pub barriers: [usize; 5],
    /// Members with no barrier point.
    pub no_barrier: usize,
}

impl TeamAdkar {
    pub fn of(ratings: &[[u8; 5]]) -> Self {
        let n = ratings.len();
        let mut means = [0.0; 5];
        let mut barriers = [0; 5];
        let mut no_barrier = 0;
        for r in ratings {
            for (i, v) in r.iter().enumerate() {
                means[i] += f64::from(*v);
            }
            match barrier_point(r) {
                Some(e) => barriers[ELEMENTS.iter().position(|x| *x == e).unwrap_or(0)] += 1,
                None => no_barrier += 1,
            }
        }
        if n > 0 {
            for m in &mut means {
                *m /= n as f64;
            }
        }
        Self {
            respondents: n,
            means,
            barriers,
            no_barrier,
        }
    }

    /// The team's barrier point: the element most members are stuck at (earliest on a tie).
    pub fn team_barrier(&self) -> Option<Element> {
        let max = *self.barriers.iter().max()?;
        (max > 0).then(|| ELEMENTS[self.barriers.iter().position(|b| *b == max).unwrap_or(0)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_barrier_point_is_the_first_element_rated_three_or_lower() {
        assert_eq!(barrier_point(&[5, 4, 3, 1, 1]), Some(Element::Knowledge));
        assert_eq!(barrier_point(&[2, 5, 5, 5, 5]), Some(Element::Awareness));
        assert_eq!(
            barrier_point(&[4, 4, 4, 4, 4]),
            None,
            "a person may have none"
        );
    }

    #[test]
    fn a_team_view_has_element_means_and_the_barrier_distribution() {
        let t = TeamAdkar::of(&[
            [5, 2, 4, 4, 4],
            [4, 3, 5, 5, 5],
            [5, 5, 5, 5, 5],
            [1, 1, 1, 1, 1],
        ]);
        assert_eq!(t.respondents, 4);
        assert_eq!(t.means, [3.75, 2.75, 3.75, 3.75, 3.75]);
        assert_eq!(t.barriers, [1, 2, 0, 0, 0]);
        assert_eq!(t.no_barrier, 1);
        assert_eq!(t.team_barrier(), Some(Element::Desire));
    }
}
