//! `~SEQ(var, start, step, end)`, `~SEQx(…)` (hexadecimal), `~LST(var, v1, v2, …)` and
//! `~LST({var1, var2}, {a1, a2}, {b1, b2}, …)`: the line is repeated once per value (or per
//! group of values) with the variables defined.

use super::Ch;

/// Most values one repetition may produce.
const MAX_SEQ_VALUES: i64 = 100_000;

pub(super) struct Repetition {
    pub(super) start: usize,
    pub(super) end: usize,
    /// The variables set on each repetition (several only for `~LST({A, B}, …)`).
    pub(super) vars: Vec<String>,
    kind: &'static str,
    args: Vec<String>,
}

impl Repetition {
    /// One row of values (one per variable) for each repetition, and what was adjusted (a
    /// `~LST` group with too few values leaves the rest empty, as keepalived does; extra values
    /// are dropped).
    pub(super) fn values(&self) -> Result<(Vec<Vec<String>>, Vec<String>), String> {
        if self
            .vars
            .iter()
            .any(|v| v.is_empty() || v.contains(['{', '}']))
        {
            return Err(format!("~{} needs a variable name first", self.kind));
        }
        if self.kind == "LST" {
            return self.list_values();
        }
        if self.vars.len() != 1 {
            return Err(format!("~{} sets exactly one variable", self.kind));
        }
        let rows = self.sequence()?.into_iter().map(|v| vec![v]).collect();
        Ok((rows, Vec::new()))
    }

    fn list_values(&self) -> Result<(Vec<Vec<String>>, Vec<String>), String> {
        if self.args.is_empty() {
            return Err("~LST needs at least one value".into());
        }
        let grouped = self.vars.len() > 1;
        let mut adjusted = Vec::new();
        let mut rows = Vec::new();
        for a in &self.args {
            let mut row: Vec<String> = match a.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                Some(inner) => inner.split(',').map(|v| v.trim().to_string()).collect(),
                None if grouped => {
                    return Err(format!(
                        "`{a}` must be a group like {{v1, v2}} for {} variables",
                        self.vars.len()
                    ));
                }
                None => vec![a.clone()],
            };
            if row.len() != self.vars.len() {
                adjusted.push(format!(
                    "`{a}` has {} value(s) for {} variable(s); {}",
                    row.len(),
                    self.vars.len(),
                    if row.len() < self.vars.len() {
                        "the missing ones are empty"
                    } else {
                        "the extra ones are ignored"
                    }
                ));
                row.resize(self.vars.len(), String::new());
            }
            rows.push(row);
        }
        Ok((rows, adjusted))
    }

    fn sequence(&self) -> Result<Vec<String>, String> {
        let nums: Result<Vec<i64>, _> = self.args.iter().map(|a| a.trim().parse::<i64>()).collect();
        let nums = nums.map_err(|_| format!("~{} arguments must be integers", self.kind))?;
        let (start, step, end) = match nums.as_slice() {
            [end] => (1, 1, *end),
            [start, end] => (*start, 1, *end),
            [start, step, end] => (*start, *step, *end),
            _ => {
                return Err(format!(
                    "~{} takes 1 to 3 numbers after the variable",
                    self.kind
                ));
            }
        };
        let span = i128::from(end) - i128::from(start);
        if step == 0 || span.signum() * i128::from(step.signum()) < 0 {
            return Err("the step never reaches the end".into());
        }
        if span / i128::from(step) >= i128::from(MAX_SEQ_VALUES) {
            return Err(format!("more than {MAX_SEQ_VALUES} values"));
        }
        let mut out = Vec::new();
        let mut v = start;
        while (step > 0 && v <= end) || (step < 0 && v >= end) {
            out.push(if self.kind == "SEQx" {
                format!("{v:x}")
            } else {
                v.to_string()
            });
            match v.checked_add(step) {
                Some(next) => v = next,
                None => break,
            }
        }
        Ok(out)
    }
}

/// The first `~SEQ(…)`, `~SEQx(…)` or `~LST(…)` in a line.
pub(super) fn find_repetition(chars: &[Ch]) -> Option<Repetition> {
    if !chars.iter().any(|c| c.c == '~') {
        return None;
    }
    let text: Vec<char> = chars.iter().map(|c| c.c).collect();
    for start in 0..text.len() {
        if text[start] != '~' {
            continue;
        }
        let rest: String = text[start + 1..].iter().take(5).collect();
        let kind = if rest.starts_with("SEQx(") {
            "SEQx"
        } else if rest.starts_with("SEQ(") {
            "SEQ"
        } else if rest.starts_with("LST(") {
            "LST"
        } else {
            continue;
        };
        let open = start + 1 + kind.len();
        let close = (open..text.len()).find(|&i| text[i] == ')')?;
        let inner: String = text[open + 1..close].iter().collect();
        let mut parts = split_outside_braces(&inner).into_iter();
        let first = parts.next().unwrap_or_default();
        let vars = match first.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            Some(group) => group.split(',').map(|v| v.trim().to_string()).collect(),
            None => vec![first],
        };
        return Some(Repetition {
            start,
            end: close + 1,
            vars,
            kind,
            args: parts.collect(),
        });
    }
    None
}

/// Splits `a, {b, c}, d` at the commas that are not inside `{…}`; parts are trimmed.
fn split_outside_braces(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current.trim().to_string());
    parts
}
