//! Templates are hard-wrapped in their files, but Discord shows every line break. Before a
//! template is compiled, the lines of one paragraph are joined: each soft break becomes a
//! space and a Jinja comment that swallows the newline (`a {#⏎#}b` renders `a b`), so
//! error positions keep their file lines. Blank lines, list items, quotes, headings, a
//! line that is all bold (a label), table rows, code blocks, Jinja block tags and hard
//! breaks (two trailing spaces or a backslash) keep their breaks.

/// The template source with the soft breaks inside paragraphs joined.
pub fn join_paragraph_lines(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 64);
    let mut in_code = false;
    let mut prev: Option<&str> = None;
    for (i, line) in source.split('\n').enumerate() {
        let joins = i > 0 && !in_code && prev.is_some_and(|p| continues(p, line));
        if i > 0 {
            if joins {
                let kept = out.trim_end_matches([' ', '\t']).len();
                out.truncate(kept);
                out.push_str(" {#\n#}");
            } else {
                out.push('\n');
            }
        }
        if fence(line) {
            in_code = !in_code;
        }
        out.push_str(if joins { line.trim_start() } else { line });
        prev = Some(line);
    }
    out
}

/// Whether `line` continues the paragraph `prev` is in.
fn continues(prev: &str, line: &str) -> bool {
    !keeps_own_line(prev) && !hard_break(prev) && !keeps_own_line(line) && !starts_block(line)
}

fn fence(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("```") || t.starts_with("~~~")
}

fn hard_break(line: &str) -> bool {
    line.ends_with("  ") || line.ends_with('\\')
}

/// A line that is a whole block of its own: blank, a heading, a bold label, a table row,
/// a fence or a Jinja block tag.
fn keeps_own_line(line: &str) -> bool {
    let t = line.trim();
    t.is_empty()
        || t.starts_with('#')
        || t.starts_with('|')
        || fence(t)
        || t.starts_with("{%")
        || t.starts_with("{#")
        || bold_label(t)
}

/// `**What changes**` or `**When:**` alone on its line.
fn bold_label(t: &str) -> bool {
    let inner = t.trim_end_matches(':');
    inner.len() > 4
        && inner.starts_with("**")
        && inner.ends_with("**")
        && !inner[2..inner.len() - 2].contains("**")
}

/// A line that starts a new block: a list item or a quote.
fn starts_block(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") || t.starts_with('>') {
        return true;
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && (t[digits..].starts_with(". ") || t[digits..].starts_with(") "))
}

#[cfg(test)]
mod tests {
    use super::join_paragraph_lines;

    fn rendered(source: &str) -> String {
        let env = minijinja::Environment::new();
        env.render_str(
            &join_paragraph_lines(source),
            minijinja::context! { name => "Sales" },
        )
        .unwrap()
    }

    #[test]
    fn lines_of_one_paragraph_join_and_blank_lines_keep_paragraphs_apart() {
        let text = "We lost deals because a\nrenewal date sat in a spreadsheet.\n\nSo, {{ name }},\nwe fix it.";
        assert_eq!(
            rendered(text),
            "We lost deals because a renewal date sat in a spreadsheet.\n\nSo, Sales, we fix it."
        );
    }

    #[test]
    fn lists_quotes_headings_labels_code_and_hard_breaks_keep_their_lines() {
        let text = "## What changes\nIntro line\nwraps here.\n- one\n- two\n  wraps\n1. first\n> quoted\n**When:**\nMonday\nHard  \nbreak\n```\ncode\nkept\n```\nend";
        assert_eq!(
            rendered(text),
            "## What changes\nIntro line wraps here.\n- one\n- two wraps\n1. first\n> quoted\n**When:**\nMonday Hard  \nbreak\n```\ncode\nkept\n```\nend"
        );
    }

    #[test]
    fn jinja_block_tags_keep_their_lines_and_the_file_keeps_its_line_count() {
        let text = "Teams:\n{% for t in [1, 2] %}\n- {{ t }}\n{% endfor %}\nThanks,\neveryone.";
        let joined = join_paragraph_lines(text);
        assert_eq!(joined.lines().count(), text.lines().count());
        assert_eq!(rendered(text), "Teams:\n\n- 1\n\n- 2\n\nThanks, everyone.");
    }
}
