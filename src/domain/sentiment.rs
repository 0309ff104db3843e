//! The sentiment of a short text (a pulse comment, later feedback): VADER's compound
//! score from −1 to +1, and the usual label thresholds (±0.05).

pub mod vader;

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

/// VADER's compound score, −1 (most negative) to +1, as the reference implementation
/// gives it (see [`vader`]).
pub fn compound(text: &str) -> f64 {
    vader::compound(text)
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

/// `text` with each of `names` replaced by `it`, a word VADER does not score: names of
/// several words or with punctuation (`Atlas CRM`, `sales-team`) first, longest first;
/// then single words in one pass, looked up in a set (a guild may have thousands of
/// members' names).
pub fn mask(text: &str, names: &[String]) -> String {
    let is_word = |n: &str| n.chars().all(|c| c.is_alphanumeric() || c == '_');
    let mut phrases: Vec<&String> = names
        .iter()
        .filter(|n| !n.trim().is_empty() && !is_word(n))
        .collect();
    phrases.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = text.to_string();
    for name in phrases {
        for form in [name.to_string(), name.to_uppercase()] {
            out = replace_words(&out, &form, "it");
        }
    }
    let words: std::collections::HashSet<String> = names
        .iter()
        .filter(|n| !n.is_empty() && is_word(n))
        .flat_map(|n| [n.to_string(), n.to_uppercase()])
        .collect();
    replace_word_set(&out, &words, "it")
}

/// Replaces each whole word (a run of letters, digits and `_`) found in `words`.
fn replace_word_set(text: &str, words: &std::collections::HashSet<String>, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if words.contains(word.as_str()) {
            out.push_str(with);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
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
    fn a_colleagues_name_moves_no_score_and_other_words_stay() {
        let names = [
            "Joy".to_string(),
            "Grace".to_string(),
            "sales-team".to_string(),
        ];
        assert_eq!(
            mask(
                "Joy and GRACE said sales-team is fine; joy all round",
                &names
            ),
            "it and it said it is fine; joy all round"
        );
        assert_eq!(compound_masked("Joy sent the new report", &names), 0.0);
        assert!(
            compound("Joy sent the new report") > 0.3,
            "the name alone would count"
        );
    }

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
