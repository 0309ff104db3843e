//! eNPS: answers 0–10; promoters 9–10, passives 7–8, detractors 0–6;
//! eNPS = % promoters − % detractors, from −100 to +100.

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Enps {
    pub respondents: usize,
    pub promoters: usize,
    pub passives: usize,
    pub detractors: usize,
    pub score: f64,
}

pub fn enps(answers: &[u8]) -> Option<Enps> {
    if answers.is_empty() {
        return None;
    }
    let promoters = answers.iter().filter(|a| **a >= 9).count();
    let detractors = answers.iter().filter(|a| **a <= 6).count();
    let n = answers.len();
    let score = 100.0 * (promoters as f64 - detractors as f64) / n as f64;
    Some(Enps {
        respondents: n,
        promoters,
        passives: n - promoters - detractors,
        detractors,
        score,
    })
}

#[cfg(test)]
mod tests {
    use super::enps;

    #[test]
    fn enps_is_percent_promoters_minus_percent_detractors() {
        let e = enps(&[10, 9, 9, 8, 7, 6, 0, 3, 10, 10]).expect("answers");
        assert_eq!((e.promoters, e.passives, e.detractors), (5, 2, 3));
        assert_eq!(e.score, 20.0);
        assert_eq!(enps(&[0, 0]).map(|e| e.score), Some(-100.0));
        assert_eq!(enps(&[]), None);
    }
}
