//! `~SEQ(var, start, step, end)`, `~SEQx(…)` (hexadecimal) and `~LST(var, v1, v2, …)`:
//! the line is repeated once per value with `$var` defined.

use super::Ch;

/// Most values one repetition may produce.
const MAX_SEQ_VALUES: i64 = 100_000;

pub(super) struct Repetition {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) var: String,
    kind: &'static str,
    args: Vec<String>,
}

impl Repetition {
    pub(super) fn values(&self) -> Result<Vec<String>, String> {
        if self.kind == "LST" {
            if self.args.is_empty() {
                return Err("~LST needs at least one value".into());
            }
            return Ok(self.args.clone());
        }
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
        let mut parts = inner.split(',').map(|s| s.trim().to_string());
        let var = parts.next().unwrap_or_default();
        return Some(Repetition {
            start,
            end: close + 1,
            var,
            kind,
            args: parts.collect(),
        });
    }
    None
}
