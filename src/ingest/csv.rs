//! A CSV file of adoption rows (`herald adoption import`): a header naming the columns
//! (`source`, `metric`, `team` and/or `member`, `value`, `at`, in any order), then one row
//! a line. Quoted cells may hold commas, doubled quotes and line breaks, as spreadsheets
//! write them. A row is numbered by the line it starts on, as an editor shows it.

use crate::domain::adoption::{Incoming, RowError};
use crate::domain::closest::or_list;

const COLUMNS: [&str; 6] = ["source", "metric", "team", "member", "value", "at"];

/// The file's rows, or what is wrong with its header or quoting.
pub fn rows(text: &str) -> Result<Vec<Incoming>, Vec<RowError>> {
    let records = records(text.strip_prefix('\u{feff}').unwrap_or(text))?;
    let Some((line, header)) = records.first() else {
        return Err(vec![bad(1, "header", "the file is empty; its first line names the columns: source,metric,team,member,value,at".into())]);
    };
    let mut errors = Vec::new();
    let mut columns = Vec::new();
    for name in header {
        let name = name.trim().to_ascii_lowercase();
        match COLUMNS.iter().find(|c| **c == name) {
            Some(c) if columns.contains(&Some(*c)) => {
                errors.push(bad(*line, "header", format!("column `{c}` appears twice")))
            }
            Some(c) => columns.push(Some(*c)),
            None if name.is_empty() => columns.push(None),
            None => errors.push(bad(
                *line,
                "header",
                format!(
                    "unknown column `{name}`{}",
                    or_list(&name, &COLUMNS, "columns")
                ),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Vec::new();
    for (line, cells) in &records[1..] {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if cells.len() > columns.len() {
            errors.push(bad(
                *line,
                "row",
                format!(
                    "{} cells, but the header names {} columns",
                    cells.len(),
                    columns.len()
                ),
            ));
            continue;
        }
        let mut row = Incoming {
            row: *line,
            ..Incoming::default()
        };
        for (col, cell) in columns.iter().zip(cells) {
            let slot = match col {
                Some("source") => &mut row.source,
                Some("metric") => &mut row.metric,
                Some("team") => &mut row.team,
                Some("member") => &mut row.member,
                Some("value") => &mut row.value,
                Some("at") => &mut row.at,
                _ => continue,
            };
            *slot = Some(cell.clone());
        }
        out.push(row);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn bad(row: usize, column: &'static str, message: String) -> RowError {
    RowError {
        row,
        column,
        message,
    }
}

/// Records as (the line each starts on, its cells).
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, Vec<RowError>> {
    let mut out = Vec::new();
    let (mut line, mut start) = (1, 1);
    let (mut cells, mut cell) = (Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                cell.push(c);
            }
            (false, '"') if cell.trim().is_empty() => {
                cell.clear();
                quoted = true;
            }
            (false, ',') => cells.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                cells.push(std::mem::take(&mut cell));
                out.push((start, std::mem::take(&mut cells)));
                line += 1;
                start = line;
            }
            (false, c) => cell.push(c),
        }
    }
    if quoted {
        return Err(vec![bad(
            start,
            "row",
            "a quoted cell is never closed; end it with \"".into(),
        )]);
    }
    if !cell.is_empty() || !cells.is_empty() {
        cells.push(cell);
        out.push((start, cells));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_any_order_quoted_cells_and_line_numbers_as_an_editor_shows_them() {
        let text = "at,team,metric,value,source\r\n2026-03-09,Sales,crm_active,12,crm\n\n2026-03-10,\"Sales, EMEA\",crm_active,\"1\"\"3\",\"line\none\"\n2026-03-11,Support,crm_active,4,crm\n";
        let rows = rows(text).expect("rows");
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].row, rows[0].team.as_deref()), (2, Some("Sales")));
        assert_eq!(rows[1].row, 4);
        assert_eq!(rows[1].team.as_deref(), Some("Sales, EMEA"));
        assert_eq!(rows[1].value.as_deref(), Some("1\"3"));
        assert_eq!(rows[1].source.as_deref(), Some("line\none"));
        assert_eq!(
            rows[2].row, 6,
            "the quoted line break moved the next row down"
        );
    }

    #[test]
    fn a_mistyped_header_or_an_open_quote_is_named() {
        let errors = rows("source,metric,tem,value,at\n").expect_err("refused");
        assert_eq!(
            errors[0].to_string(),
            "1:header: unknown column `tem`; did you mean `team`? (columns: source, metric, team, member, value, at)"
        );
        let errors =
            rows("source,metric,team,value,at\ncrm,x,\"Sales,1,2026-03-09\n").expect_err("refused");
        assert_eq!(
            errors[0].to_string(),
            "2:row: a quoted cell is never closed; end it with \""
        );
    }
}
