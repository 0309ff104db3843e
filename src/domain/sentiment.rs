//! The sentiment of a short text (a pulse comment, later feedback): VADER's compound
//! score from −1 to +1, and the usual label thresholds (±0.05).

use std::sync::OnceLock;

use vader_sentiment::SentimentIntensityAnalyzer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Positive,
    Neutral,
    Negative,
}

impl Label {
    pub fn name(self) -> &'static str {
        match self {
            Label::Positive => "positive",
            Label::Neutral => "neutral",
            Label::Negative => "negative",
        }
    }
}

fn analyzer() -> &'static SentimentIntensityAnalyzer<'static> {
    static ANALYZER: OnceLock<SentimentIntensityAnalyzer<'static>> = OnceLock::new();
    ANALYZER.get_or_init(SentimentIntensityAnalyzer::new)
}

/// VADER's compound score, −1 (most negative) to +1.
pub fn compound(text: &str) -> f64 {
    analyzer()
        .polarity_scores(text)
        .get("compound")
        .copied()
        .unwrap_or(0.0)
}

pub fn label_of(score: f64) -> Label {
    if score >= 0.05 {
        Label::Positive
    } else if score <= -0.05 {
        Label::Negative
    } else {
        Label::Neutral
    }
}

pub fn label(text: &str) -> Label {
    label_of(compound(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_get_the_label_a_reader_would_give() {
        assert_eq!(
            label("The training was great and Atlas is really helpful"),
            Label::Positive
        );
        assert_eq!(
            label("Atlas is slow and I hate the new renewal screen"),
            Label::Negative
        );
        assert_eq!(label("I use it on Mondays"), Label::Neutral);
    }
}
