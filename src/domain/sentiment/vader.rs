//! VADER's compound score, ported rule for rule from the reference implementation
//! (vaderSentiment, C.J. Hutto, MIT licence: `LICENSE-vaderSentiment.txt`; lexicons
//! copied unchanged from commit 44fc044). It matches the reference on its published
//! examples and on Herald's workplace corpus (`tests/fixtures/vader/`, checked by a
//! unit test), quirks included: `but` re-weights by the first equal score, as the
//! reference's `list.index` does.
//!
//! If you use VADER, please cite: Hutto, C.J. & Gilbert, E.E. (2014). VADER: A
//! Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text. ICWSM-14.

use std::collections::HashMap;
use std::sync::OnceLock;

const B_INCR: f64 = 0.293;
const B_DECR: f64 = -0.293;
const C_INCR: f64 = 0.733;
const N_SCALAR: f64 = -0.74;

const NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

const BOOST_UP: &[&str] = &[
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "considerable",
    "considerably",
    "decidedly",
    "deeply",
    "effing",
    "enormous",
    "enormously",
    "entirely",
    "especially",
    "exceptional",
    "exceptionally",
    "extreme",
    "extremely",
    "fabulously",
    "flipping",
    "flippin",
    "frackin",
    "fracking",
    "fricking",
    "frickin",
    "frigging",
    "friggin",
    "fully",
    "fuckin",
    "fucking",
    "fuggin",
    "fugging",
    "greatly",
    "hella",
    "highly",
    "hugely",
    "incredible",
    "incredibly",
    "intensely",
    "major",
    "majorly",
    "more",
    "most",
    "particularly",
    "purely",
    "quite",
    "really",
    "remarkably",
    "so",
    "substantially",
    "thoroughly",
    "total",
    "totally",
    "tremendous",
    "tremendously",
    "uber",
    "unbelievably",
    "unusually",
    "utter",
    "utterly",
    "very",
];

const BOOST_DOWN: &[&str] = &[
    "almost",
    "barely",
    "hardly",
    "just enough",
    "kind of",
    "kinda",
    "kindof",
    "kind-of",
    "less",
    "little",
    "marginal",
    "marginally",
    "occasional",
    "occasionally",
    "partly",
    "scarce",
    "scarcely",
    "slight",
    "slightly",
    "somewhat",
    "sort of",
    "sorta",
    "sortof",
    "sort-of",
];

const SPECIAL_CASES: &[(&str, f64)] = &[
    ("the shit", 3.0),
    ("the bomb", 3.0),
    ("bad ass", 1.5),
    ("badass", 1.5),
    ("bus stop", 0.0),
    ("yeah right", -2.0),
    ("kiss of death", -1.5),
    ("to die for", 3.0),
    ("beating heart", 3.1),
    ("broken heart", -2.9),
];

/// Python's `string.punctuation`.
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

struct Lexicons {
    words: HashMap<&'static str, f64>,
    emoji: HashMap<char, &'static str>,
}

fn lexicons() -> &'static Lexicons {
    static L: OnceLock<Lexicons> = OnceLock::new();
    L.get_or_init(|| Lexicons {
        words: include_str!("vader_lexicon.txt")
            .lines()
            .filter_map(|l| {
                let mut f = l.trim().split('\t');
                Some((f.next()?, f.next()?.parse().ok()?))
            })
            .collect(),
        emoji: include_str!("emoji_utf8_lexicon.txt")
            .lines()
            .filter_map(|l| {
                let mut f = l.trim().split('\t');
                let key = f.next()?;
                let mut chars = key.chars();
                // The reference looks emoji up one character at a time.
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    return None;
                };
                Some((c, f.next()?))
            })
            .collect(),
    })
}

fn booster(word: &str) -> Option<f64> {
    if BOOST_UP.contains(&word) {
        Some(B_INCR)
    } else if BOOST_DOWN.contains(&word) {
        Some(B_DECR)
    } else {
        None
    }
}

fn special_case(seq: &str) -> Option<f64> {
    SPECIAL_CASES
        .iter()
        .find(|(k, _)| *k == seq)
        .map(|(_, v)| *v)
}

/// Python's `str.isupper`: at least one cased character and none in lower case.
fn is_upper(s: &str) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if c.is_lowercase() {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// Whether a word (in lower case) changes how VADER reads the words around it: a
/// negation, a booster or dampener, or a word of a rule (`but`, `no`, `least`, …).
/// Masking such a word would change the score, so a name made of one is left alone.
pub fn is_rule_word(word: &str) -> bool {
    const RULES: &[&str] = &[
        "but", "no", "least", "kind", "of", "so", "this", "never", "without", "doubt", "at",
        "very", "or", "nor",
    ];
    negated(word) || booster(word).is_some() || RULES.contains(&word)
}

fn negated(word: &str) -> bool {
    NEGATE.contains(&word) || word.contains("n't")
}

/// The tokens: split on white space, punctuation stripped from both ends unless that
/// leaves two characters or fewer (an emoticon such as `:)` stays whole).
fn tokens(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|t| {
            let stripped = t.trim_matches(|c| PUNCTUATION.contains(c));
            if stripped.chars().count() <= 2 {
                t.to_string()
            } else {
                stripped.to_string()
            }
        })
        .collect()
}

/// Each emoji replaced by its description, as the reference does before scoring.
fn describe_emoji(text: &str) -> String {
    let emoji = &lexicons().emoji;
    let mut out = String::with_capacity(text.len());
    let mut prev_space = true;
    for c in text.chars() {
        match emoji.get(&c) {
            Some(description) => {
                if !prev_space {
                    out.push(' ');
                }
                out.push_str(description);
                prev_space = false;
            }
            None => {
                out.push(c);
                prev_space = c == ' ';
            }
        }
    }
    out.trim().to_string()
}

/// The text and its properties the rules read.
struct Senti {
    words: Vec<String>,
    lower: Vec<String>,
    cap_diff: bool,
}

impl Senti {
    fn new(text: &str) -> Self {
        let words = tokens(text);
        let lower = words.iter().map(|w| w.to_lowercase()).collect();
        let upper = words.iter().filter(|w| is_upper(w)).count();
        let diff = words.len() - upper;
        Self {
            cap_diff: diff > 0 && diff < words.len(),
            words,
            lower,
        }
    }

    fn in_lexicon(&self, i: usize) -> bool {
        lexicons().words.contains_key(self.lower[i].as_str())
    }
}

/// VADER's compound score of `text`, −1…+1, rounded to 4 decimals as the reference's is.
pub fn compound(text: &str) -> f64 {
    let text = describe_emoji(text);
    let s = Senti::new(&text);
    let mut sentiments = Vec::with_capacity(s.words.len());
    for i in 0..s.words.len() {
        let kind_of = i + 1 < s.words.len() && s.lower[i] == "kind" && s.lower[i + 1] == "of";
        if booster(&s.lower[i]).is_some() || kind_of {
            sentiments.push(0.0);
        } else {
            sentiments.push(valence(&s, i));
        }
    }
    but_check(&s.lower, &mut sentiments);
    let c = score(&sentiments, &text);
    (c * 10_000.0).round() / 10_000.0
}

fn valence(s: &Senti, i: usize) -> f64 {
    let lex = &lexicons().words;
    let Some(&base) = lex.get(s.lower[i].as_str()) else {
        return 0.0;
    };
    let mut v = base;
    let w = &s.lower;
    if w[i] == "no" && i + 1 != w.len() && lex.contains_key(w[i + 1].as_str()) {
        v = 0.0;
    }
    if (i > 0 && w[i - 1] == "no")
        || (i > 1 && w[i - 2] == "no")
        || (i > 2 && w[i - 3] == "no" && (w[i - 1] == "or" || w[i - 1] == "nor"))
    {
        v = base * N_SCALAR;
    }
    if is_upper(&s.words[i]) && s.cap_diff {
        v += if v > 0.0 { C_INCR } else { -C_INCR };
    }
    for start in 0..3 {
        if i > start && !s.in_lexicon(i - (start + 1)) {
            let mut inc = scalar_inc_dec(&s.words[i - (start + 1)], v, s.cap_diff);
            if start == 1 && inc != 0.0 {
                inc *= 0.95;
            }
            if start == 2 && inc != 0.0 {
                inc *= 0.9;
            }
            v += inc;
            v = negation_check(v, w, start, i);
            if start == 2 {
                v = special_idioms_check(v, w, i);
            }
        }
    }
    least_check(v, s, i)
}

fn scalar_inc_dec(word: &str, valence: f64, cap_diff: bool) -> f64 {
    let Some(mut scalar) = booster(&word.to_lowercase()) else {
        return 0.0;
    };
    if valence < 0.0 {
        scalar *= -1.0;
    }
    if is_upper(word) && cap_diff {
        scalar += if valence > 0.0 { C_INCR } else { -C_INCR };
    }
    scalar
}

fn negation_check(v: f64, w: &[String], start: usize, i: usize) -> f64 {
    match start {
        0 if negated(&w[i - 1]) => v * N_SCALAR,
        1 if w[i - 2] == "never" && (w[i - 1] == "so" || w[i - 1] == "this") => v * 1.25,
        1 if w[i - 2] == "without" && w[i - 1] == "doubt" => v,
        1 if negated(&w[i - 2]) => v * N_SCALAR,
        2 if (w[i - 3] == "never" && (w[i - 2] == "so" || w[i - 2] == "this"))
            || (w[i - 1] == "so" || w[i - 1] == "this") =>
        {
            v * 1.25
        }
        2 if w[i - 3] == "without" && (w[i - 2] == "doubt" || w[i - 1] == "doubt") => v,
        2 if negated(&w[i - 3]) => v * N_SCALAR,
        _ => v,
    }
}

fn special_idioms_check(mut v: f64, w: &[String], i: usize) -> f64 {
    let onezero = format!("{} {}", w[i - 1], w[i]);
    let twoonezero = format!("{} {} {}", w[i - 2], w[i - 1], w[i]);
    let twoone = format!("{} {}", w[i - 2], w[i - 1]);
    let threetwoone = format!("{} {} {}", w[i - 3], w[i - 2], w[i - 1]);
    let threetwo = format!("{} {}", w[i - 3], w[i - 2]);
    for seq in [&onezero, &twoonezero, &twoone, &threetwoone, &threetwo] {
        if let Some(x) = special_case(seq) {
            v = x;
            break;
        }
    }
    if w.len() - 1 > i {
        if let Some(x) = special_case(&format!("{} {}", w[i], w[i + 1])) {
            v = x;
        }
    }
    if w.len() - 1 > i + 1 {
        if let Some(x) = special_case(&format!("{} {} {}", w[i], w[i + 1], w[i + 2])) {
            v = x;
        }
    }
    for n_gram in [&threetwoone, &threetwo, &twoone] {
        if let Some(b) = booster(n_gram) {
            v += b;
        }
    }
    v
}

fn least_check(v: f64, s: &Senti, i: usize) -> f64 {
    let w = &s.lower;
    if i > 1 && !s.in_lexicon(i - 1) && w[i - 1] == "least" {
        if w[i - 2] != "at" && w[i - 2] != "very" {
            return v * N_SCALAR;
        }
        v
    } else if i > 0 && !s.in_lexicon(i - 1) && w[i - 1] == "least" {
        v * N_SCALAR
    } else {
        v
    }
}

/// Words before the first `but` count half, words after it half again as much. Like
/// the reference, each score is found again by value (`list.index`), so of equal
/// scores the first one is the one re-weighted.
fn but_check(lower: &[String], sentiments: &mut [f64]) {
    let Some(bi) = lower.iter().position(|w| w == "but") else {
        return;
    };
    for k in 0..sentiments.len() {
        let value = sentiments[k];
        let si = sentiments.iter().position(|x| *x == value).unwrap_or(k);
        if si < bi {
            sentiments[si] = value * 0.5;
        } else if si > bi {
            sentiments[si] = value * 1.5;
        }
    }
}

fn punctuation_emphasis(text: &str) -> f64 {
    let ep = text.matches('!').count().min(4) as f64 * 0.292;
    let qm = match text.matches('?').count() {
        n @ 2..=3 => n as f64 * 0.18,
        n if n > 3 => 0.96,
        _ => 0.0,
    };
    ep + qm
}

fn score(sentiments: &[f64], text: &str) -> f64 {
    if sentiments.is_empty() {
        return 0.0;
    }
    let mut sum: f64 = sentiments.iter().sum();
    let amp = punctuation_emphasis(text);
    if sum > 0.0 {
        sum += amp;
    } else if sum < 0.0 {
        sum -= amp;
    }
    (sum / (sum * sum + 15.0).sqrt()).clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tests/fixtures/vader/reference.tsv`: the reference implementation's compound
    /// score of each sentence (VADER's published examples, then Herald's workplace
    /// corpus), written by `tests/fixtures/vader/reference.py` outside `cargo test`.
    const REFERENCE: &str = include_str!("../../../tests/fixtures/vader/reference.tsv");

    #[test]
    fn every_fixture_sentence_scores_as_the_reference_implementation_does() {
        let mut wrong = Vec::new();
        let mut n = 0;
        for line in REFERENCE.lines().filter(|l| !l.is_empty()) {
            let (expected, sentence) = line.split_once('\t').expect("score<TAB>sentence");
            let expected: f64 = expected.parse().expect("a score");
            let ours = compound(sentence);
            if (ours - expected).abs() > 0.01 {
                wrong.push(format!(
                    "{expected:+.4} reference, {ours:+.4} ours: {sentence}"
                ));
            }
            n += 1;
        }
        assert!(
            n >= 230,
            "VADER's examples and at least 200 workplace sentences: {n}"
        );
        assert!(
            wrong.is_empty(),
            "{} of {n} disagree:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }

    #[test]
    fn the_issues_two_sentences_score_as_the_reference_does() {
        assert_eq!(compound("Looking forward to one place for invoices!"), 0.0);
        assert_eq!(compound("VADER is smart, handsome, and funny."), 0.8316);
        assert_eq!(compound(""), 0.0);
    }

    #[test]
    fn words_the_rules_read_are_known_so_no_name_masks_them() {
        for w in ["never", "very", "kinda", "but", "no", "don't", "least"] {
            assert!(is_rule_word(w), "{w}");
        }
        for w in ["joy", "grace", "atlas", "support"] {
            assert!(!is_rule_word(w), "{w}");
        }
    }

    #[test]
    fn but_reweights_the_first_equal_score_as_the_reference_does() {
        let lower: Vec<String> = ["good", "but", "x", "good"].map(String::from).to_vec();
        let mut s = [1.0, 0.0, 0.0, 1.0];
        but_check(&lower, &mut s);
        // The first 1.0 halves; the second is then found as itself and grows.
        assert_eq!(s, [0.5, 0.0, 0.0, 1.5]);
    }
}
