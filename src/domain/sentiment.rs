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

/// The compound score of `text` with the proper names in `names` (teams, channels, the
/// campaign and its product) masked first, so "Support" the team or "Atlas" the product
/// cannot move a score. A name is masked as written (`Support`) or in capitals
/// (`SUPPORT`), whole words only: "thanks for the support" keeps its word.
pub fn compound_masked(text: &str, names: &[String]) -> f64 {
    compound(&mask(text, names))
}

/// The label of `text` scored with its proper names masked (see [`compound_masked`]).
pub fn label_masked(text: &str, names: &[String]) -> Label {
    label_of(compound_masked(text, names))
}

/// `text` with each of `names` (longest first) replaced by `it`, a word VADER does not
/// score.
pub fn mask(text: &str, names: &[String]) -> String {
    let mut sorted: Vec<&String> = names.iter().filter(|n| !n.trim().is_empty()).collect();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = text.to_string();
    for name in sorted {
        for form in [name.to_string(), name.to_uppercase()] {
            out = replace_words(&out, &form, "it");
        }
    }
    out
}

/// Replaces whole-word occurrences of `word` (not inside a longer word).
fn replace_words(text: &str, word: &str, with: &str) -> String {
    let part_of_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(word) {
        let before = if i > 0 {
            rest[..i].chars().next_back()
        } else {
            out.chars().next_back()
        };
        let after = rest[i + word.len()..].chars().next();
        out.push_str(&rest[..i]);
        if part_of_word(before) || part_of_word(after) {
            out.push_str(word);
        } else {
            out.push_str(with);
        }
        rest = &rest[i + word.len()..];
    }
    out.push_str(rest);
    out
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

    #[test]
    fn a_team_or_product_name_moves_no_score() {
        let names = vec![
            "Support".to_string(),
            "Atlas CRM".to_string(),
            "Atlas".to_string(),
        ];
        let text = "Honestly this feels like extra work for Support, nobody asked us.";
        assert_eq!(
            mask(text, &names),
            "Honestly this feels like extra work for it, nobody asked us."
        );
        let finance = text.replace("Support", "Finance");
        assert!(
            compound(text) > compound(&finance),
            "unmasked, VADER reads the team's name as praise"
        );
        let mut all = names.clone();
        all.push("Finance".into());
        assert_eq!(
            compound_masked(text, &all),
            compound_masked(&finance, &all),
            "masked, one team's name scores as another's"
        );
        assert_eq!(
            mask("ATLAS CRM is down; Atlas-wide outage", &names),
            "it is down; it-wide outage"
        );
        assert_eq!(
            mask("thanks for the support, Supportive team", &names),
            "thanks for the support, Supportive team",
            "the common word and longer words stay"
        );
    }
}
