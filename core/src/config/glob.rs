//! A small glob matcher for `include` patterns, as `glob(3)` with `GLOB_BRACE` understands them:
//! `*` and `?` (never matching `/`), `[abc]`, `[a-z]`, `[!x]`, and csh-style `{a,b}` alternatives.
//!
//! Pure string functions: loaders use them to filter the names they list.

/// Expands `{a,b}` alternatives (nested allowed) into plain patterns, in order.
pub fn expand_braces(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let Some(open) = chars.iter().position(|&c| c == '{') else {
        return vec![pattern.to_string()];
    };
    let mut depth = 0;
    let mut close = None;
    let mut commas = Vec::new();
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            ',' if depth == 1 => commas.push(i),
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![pattern.to_string()];
    };
    let prefix: String = chars[..open].iter().collect();
    let suffix: String = chars[close + 1..].iter().collect();
    let mut bounds = vec![open];
    bounds.extend(&commas);
    bounds.push(close);
    let mut out = Vec::new();
    for w in bounds.windows(2) {
        let alt: String = chars[w[0] + 1..w[1]].iter().collect();
        out.extend(expand_braces(&format!("{prefix}{alt}{suffix}")));
    }
    out
}

/// Whether `path` matches `pattern` (braces expanded first).
pub fn matches(pattern: &str, path: &str) -> bool {
    let path: Vec<char> = path.chars().collect();
    expand_braces(pattern).iter().any(|p| {
        let p: Vec<char> = p.chars().collect();
        match_here(&p, &path)
    })
}

/// Whether a pattern contains any wildcard character.
pub fn has_wildcards(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '{'])
}

fn match_here(p: &[char], s: &[char]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some('*') => {
            let rest = &p[1..];
            for i in 0..=s.len() {
                if match_here(rest, &s[i..]) {
                    return true;
                }
                if i < s.len() && s[i] == '/' {
                    return false;
                }
            }
            false
        }
        Some('?') => !s.is_empty() && s[0] != '/' && match_here(&p[1..], &s[1..]),
        Some('[') => match (s.first(), class_end(p)) {
            (Some(&c), Some(end)) if c != '/' => {
                class_matches(&p[1..end], c) && match_here(&p[end + 1..], &s[1..])
            }
            (Some(&c), None) => c == '[' && match_here(&p[1..], &s[1..]),
            _ => false,
        },
        Some(&c) => s.first() == Some(&c) && match_here(&p[1..], &s[1..]),
    }
}

fn class_end(p: &[char]) -> Option<usize> {
    let mut i = 1;
    if matches!(p.get(i), Some('!') | Some('^')) {
        i += 1;
    }
    if p.get(i) == Some(&']') {
        i += 1;
    }
    (i..p.len()).find(|&j| p[j] == ']')
}

fn class_matches(class: &[char], c: char) -> bool {
    let (negate, class) = match class.first() {
        Some('!') | Some('^') => (true, &class[1..]),
        _ => (false, class),
    };
    let mut found = false;
    let mut i = 0;
    while i < class.len() {
        if i + 2 < class.len() && class[i + 1] == '-' {
            if class[i] <= c && c <= class[i + 2] {
                found = true;
            }
            i += 3;
        } else {
            if class[i] == c {
                found = true;
            }
            i += 1;
        }
    }
    found != negate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_within_one_path_component_only() {
        assert!(matches("/etc/k/*.conf", "/etc/k/a.conf"));
        assert!(!matches("/etc/k/*.conf", "/etc/k/sub/a.conf"));
        assert!(!matches("/etc/k/*.conf", "/etc/k/a.cfg"));
    }

    #[test]
    fn classes_question_marks_and_braces_match_like_glob_brace() {
        assert!(matches("n[0-9].conf", "n7.conf"));
        assert!(!matches("n[!0-9].conf", "n7.conf"));
        assert!(matches("n?.conf", "nx.conf"));
        assert!(matches("{a,b/c}.conf", "b/c.conf"));
        assert_eq!(expand_braces("x{1,{2,3}}y"), vec!["x1y", "x2y", "x3y"]);
        assert_eq!(expand_braces("x{1"), vec!["x{1"]);
    }
}
