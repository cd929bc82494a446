//! The keepalived.conf language below the grammar: comments, line continuation, `include`,
//! `@id` conditionals, `$NAME=value` parameters, `~SEQ`/`~LST` repetition, quoting, and the
//! split into tokens. Output is a flat list of logical lines of tokens, includes already
//! inlined; every token keeps the file, line and column it came from.
//!
//! Order per physical line follows `lib/parser.c`: comments are removed (`#`/`!` outside quotes,
//! `\#`/`\!` escape them), a trailing `\` joins the next line, then `@id` is applied, `$NAME=`
//! lines define parameters, `~SEQ` lines are repeated, `${NAME}`/`$NAME` are substituted
//! (recursively; undefined names stay as written), and `include` lines are expanded.

mod repetition;

use super::diagnostic::{Diagnostic, Diagnostics, Severity};
use super::glob;
use super::source::{FileId, Loader, Sources, Span, resolve_relative};
use repetition::{Repetition, find_repetition};
use std::collections::BTreeMap;

/// One word of a configuration after preprocessing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The word, quotes removed and escapes applied.
    pub text: String,
    /// Where it was written.
    pub span: Span,
    /// Whether any part of it was quoted (a quoted `{` is a word, not a brace).
    pub quoted: bool,
}

impl Token {
    /// Whether this token is an unquoted `{`.
    pub fn is_open(&self) -> bool {
        !self.quoted && self.text == "{"
    }

    /// Whether this token is an unquoted `}`.
    pub fn is_close(&self) -> bool {
        !self.quoted && self.text == "}"
    }
}

/// One logical line of tokens (never empty).
pub type Line = Vec<Token>;

/// Caller-supplied settings of the preprocessor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LexOptions {
    /// Config id for `@id` lines (keepalived: `-i`, default the short host name). `None` keeps
    /// no `@id` line and every `@^id` line.
    pub config_id: Option<String>,
}

const MAX_INCLUDE_DEPTH: usize = 32;
const MAX_SUBSTITUTION_DEPTH: usize = 16;
const MAX_REPEATED_LINES: usize = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ch {
    c: char,
    line: u32,
    col: u32,
}

/// Reads `root` and everything it includes, returning the logical lines of tokens.
pub fn lex(
    root: &str,
    loader: &dyn Loader,
    options: &LexOptions,
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> Vec<Line> {
    let mut lexer = Lexer {
        loader,
        options,
        sources,
        diags,
        params: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
        repeated: 0,
        expanded: false,
    };
    match loader.read(root) {
        Ok(text) => lexer.file(root, text),
        Err(why) => lexer.diags.push(
            Diagnostic::new(
                Severity::Error,
                None,
                format!("cannot read configuration file {root}: {why}"),
            )
            .with_help("give the path of a readable keepalived.conf"),
        ),
    }
    lexer.out
}

struct Lexer<'a> {
    loader: &'a dyn Loader,
    options: &'a LexOptions,
    sources: &'a mut Sources,
    diags: &'a mut Diagnostics,
    params: BTreeMap<String, Vec<Ch>>,
    stack: Vec<String>,
    out: Vec<Line>,
    repeated: usize,
    /// Reading the lines of an expanded multi-line definition (no second substitution).
    expanded: bool,
}

impl Lexer<'_> {
    fn file(&mut self, path: &str, text: String) {
        let id = self.sources.add(path, text.clone());
        self.stack.push(path.to_string());
        let physical: Vec<&str> = text.split('\n').collect();
        let mut i = 0;
        while i < physical.len() {
            let mut logical = self.decomment(id, physical[i], i as u32 + 1);
            i += 1;
            while ends_with_continuation(&logical) && i < physical.len() {
                // The `\` becomes a line break kept inside the logical line: a `$NAME=`
                // definition stores it (keepalived's multi-line definitions expand to several
                // lines); any other line is split there again before it is read.
                if let Some(backslash) = logical.pop() {
                    logical.push(Ch {
                        c: '\n',
                        ..backslash
                    });
                }
                logical.extend(self.decomment(id, physical[i], i as u32 + 1));
                i += 1;
            }
            self.logical_line(id, path, logical, 0);
        }
        self.stack.pop();
    }

    /// Removes a `#`/`!` comment (outside quotes, not escaped); warns when it starts mid-word.
    fn decomment(&mut self, file: FileId, text: &str, line: u32) -> Vec<Ch> {
        let text = text.strip_suffix('\r').unwrap_or(text);
        let mut out = Vec::new();
        let mut quote: Option<char> = None;
        let mut escaped = false;
        for (i, c) in text.chars().enumerate() {
            let ch = Ch {
                c,
                line,
                col: i as u32 + 1,
            };
            if escaped {
                escaped = false;
                out.push(ch);
                continue;
            }
            match (c, quote) {
                ('\\', _) => escaped = true,
                ('"' | '\'', None) => quote = Some(c),
                (q, Some(open)) if q == open => quote = None,
                ('#' | '!', None) => {
                    if out.last().is_some_and(|p: &Ch| !p.c.is_whitespace()) {
                        let word: String = word_before(&out);
                        self.diags.push(
                            Diagnostic::warning(
                                Span {
                                    file,
                                    line,
                                    column: ch.col,
                                    len: 1,
                                },
                                format!("`{c}` starts a comment here, so this word ends as `{word}`"),
                            )
                            .with_label("comment starts here")
                            .with_help(format!(
                                "quote the value (\"…{c}…\") or escape it as `\\{c}` if `{c}` is part of it"
                            )),
                        );
                    }
                    return out;
                }
                _ => {}
            }
            out.push(ch);
        }
        out
    }

    fn logical_line(&mut self, file: FileId, path: &str, mut chars: Vec<Ch>, depth: usize) {
        trim(&mut chars);
        if chars.is_empty() {
            return;
        }
        if depth == 0 && chars[0].c == '@' {
            let end = chars
                .iter()
                .position(|c| c.c.is_whitespace())
                .unwrap_or(chars.len());
            let word: String = chars[1..end].iter().map(|c| c.c).collect();
            let (negate, id) = match word.strip_prefix('^') {
                Some(id) => (true, id.to_string()),
                None => (false, word),
            };
            let matches = self.options.config_id.as_deref() == Some(id.as_str());
            if matches == negate {
                return;
            }
            chars.drain(..end);
            trim(&mut chars);
            if chars.is_empty() {
                return;
            }
        }
        if let Some((name, value)) = parameter_definition(&chars) {
            self.params.insert(name, value);
            return;
        }
        // A written continuation (not one that came out of a multi-line definition).
        if let Some(at) = chars
            .iter()
            .position(|c| c.c == '\n')
            .filter(|_| depth == 0)
        {
            self.diags.push(
                Diagnostic::error(
                    span_of(file, &chars[at..at + 1]),
                    "a `\\` at the end of a line only continues a `$NAME=` definition",
                )
                .with_label("keepalived reads the next line on its own")
                .with_help(
                    "write the statement on one line, or define it as `$NAME=… \\` and use `$NAME`",
                ),
            );
            for piece in chars.split(|c| c.c == '\n') {
                self.logical_line(file, path, piece.to_vec(), depth + 1);
            }
            return;
        }
        if let Some(seq) = find_repetition(&chars) {
            self.repeat(file, path, chars, seq, depth);
            return;
        }
        let mut chars = if self.expanded {
            chars
        } else {
            self.substitute(&chars, path, 0)
        };
        if chars.iter().any(|c| c.c == '\n') {
            // The lines of a multi-line definition: already substituted (substitution is
            // recursive), so they are not substituted again — a definition that names itself
            // must not grow without end.
            let outer = std::mem::replace(&mut self.expanded, true);
            for piece in chars.split(|c| c.c == '\n') {
                self.logical_line(file, path, piece.to_vec(), depth + 1);
            }
            self.expanded = outer;
            return;
        }
        self.drop_unsupported_builtins(file, &mut chars);
        let tokens = self.tokenize(file, &chars);
        if tokens.is_empty() {
            return;
        }
        if !tokens[0].quoted {
            match tokens[0].text.as_str() {
                // includer/m/w/b/a only change how keepalived reports missing files.
                "include" | "includer" | "includem" | "includew" | "includeb" | "includea" => {
                    self.include(path, &tokens);
                    return;
                }
                "include_check" => {
                    self.diags.push(
                        Diagnostic::warning(tokens[0].span, "recognised, not supported: include_check")
                            .with_label("ignored by vrrplab")
                            .with_help("remove it; vrrplab warns about every include that matches nothing or cannot be read"),
                    );
                    return;
                }
                _ => {}
            }
        }
        self.out.push(tokens);
    }

    fn repeat(&mut self, file: FileId, path: &str, chars: Vec<Ch>, seq: Repetition, depth: usize) {
        let span = span_of(file, &chars[seq.start..seq.end]);
        let values = match seq.values() {
            Ok((rows, adjusted)) => {
                for why in adjusted {
                    self.diags.push(
                        Diagnostic::warning(span, format!("repetition: {why}"))
                            .with_label("keepalived does the same without a word")
                            .with_help("give every group one value per variable: ~LST({A, B}, {a1, b1}, {a2, b2})"),
                    );
                }
                rows
            }
            Err(why) => {
                self.diags.push(
                    Diagnostic::error(span, format!("invalid repetition: {why}"))
                        .with_help("write ~SEQ(var, start, step, end) or ~LST(var, v1, v2, …)"),
                );
                return;
            }
        };
        self.repeated += values.len();
        if self.repeated > MAX_REPEATED_LINES {
            self.diags.push(
                Diagnostic::error(
                    span,
                    format!("repetition expands to more than {MAX_REPEATED_LINES} lines"),
                )
                .with_help("use smaller ~SEQ/~LST ranges"),
            );
            return;
        }
        let saved: Vec<(String, Option<Vec<Ch>>)> = seq
            .vars
            .iter()
            .map(|v| (v.clone(), self.params.get(v).cloned()))
            .collect();
        let anchor = chars[seq.start];
        for row in values {
            for (var, value) in seq.vars.iter().zip(row) {
                let value_chars = value
                    .chars()
                    .map(|c| Ch {
                        c,
                        line: anchor.line,
                        col: anchor.col,
                    })
                    .collect();
                self.params.insert(var.clone(), value_chars);
            }
            let mut rest = chars[..seq.start].to_vec();
            rest.extend_from_slice(&chars[seq.end..]);
            let rest = self.substitute(&rest, path, 0);
            self.logical_line(file, path, rest, depth + 1);
        }
        for (var, value) in saved {
            match value {
                Some(v) => self.params.insert(var, v),
                None => self.params.remove(&var),
            };
        }
    }

    /// Replaces `${NAME}` and `$NAME` by parameter values (recursively); unknown names stay.
    fn substitute(&self, chars: &[Ch], path: &str, depth: usize) -> Vec<Ch> {
        if depth > MAX_SUBSTITUTION_DEPTH || !chars.iter().any(|c| c.c == '$') {
            return chars.to_vec();
        }
        let mut out = Vec::with_capacity(chars.len());
        let mut i = 0;
        let mut changed = false;
        while i < chars.len() {
            if chars[i].c == '$'
                && let Some((name, consumed)) = reference_at(&chars[i..])
                && let Some(value) = self.builtin_or_param(&name, path, chars[i])
            {
                out.extend(value.into_iter().map(|c| Ch {
                    c: c.c,
                    line: chars[i].line,
                    col: chars[i].col,
                }));
                i += consumed;
                changed = true;
                continue;
            }
            out.push(chars[i]);
            i += 1;
        }
        if changed {
            self.substitute(&out, path, depth + 1)
        } else {
            out
        }
    }

    /// Removes `${_RANDOM …}`, `${_ENV …}` and `${_INSTANCE}` (keepalived built-ins that need
    /// randomness, the environment or the process name) with a warning naming them.
    fn drop_unsupported_builtins(&mut self, file: FileId, chars: &mut Vec<Ch>) {
        const NAMES: [&str; 3] = ["_RANDOM", "_ENV", "_INSTANCE"];
        let mut i = 0;
        while i + 2 < chars.len() {
            if chars[i].c == '$' && chars[i + 1].c == '{' {
                let rest: String = chars[i + 2..].iter().take(9).map(|c| c.c).collect();
                let name = NAMES.iter().find(|n| {
                    rest.starts_with(*n) && !rest[n.len()..].starts_with(|c: char| is_ident(c))
                });
                if let (Some(name), Some(close)) =
                    (name, chars[i..].iter().position(|c| c.c == '}'))
                {
                    self.diags.push(
                        Diagnostic::warning(
                            span_of(file, &chars[i..i + close + 1]),
                            format!("recognised, not supported: ${{{name}}}"),
                        )
                        .with_label("replaced by nothing")
                        .with_help("write the value itself, or define it with `$NAME=value`"),
                    );
                    chars.drain(i..i + close + 1);
                    continue;
                }
            }
            i += 1;
        }
    }

    fn builtin_or_param(&self, name: &str, path: &str, at: Ch) -> Option<Vec<Ch>> {
        let text = match name {
            "_HASH" => "#".to_string(),
            "_BANG" => "!".to_string(),
            "_PWD" => super::source::parent_dir(path).to_string(),
            _ => return self.params.get(name).cloned(),
        };
        Some(
            text.chars()
                .map(|c| Ch {
                    c,
                    line: at.line,
                    col: at.col,
                })
                .collect(),
        )
    }

    fn tokenize(&mut self, file: FileId, chars: &[Ch]) -> Line {
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].c.is_whitespace() {
                i += 1;
                continue;
            }
            let start = chars[i];
            if start.c == '{' || start.c == '}' {
                tokens.push(Token {
                    text: start.c.to_string(),
                    span: span_of(file, &chars[i..i + 1]),
                    quoted: false,
                });
                i += 1;
                continue;
            }
            let begin = i;
            let mut text = String::new();
            let mut quoted = false;
            while i < chars.len() {
                let c = chars[i].c;
                if c.is_whitespace() || c == '{' || c == '}' {
                    break;
                }
                if c == '"' || c == '\'' {
                    quoted = true;
                    i += 1;
                    let mut closed = false;
                    while i < chars.len() {
                        let q = chars[i].c;
                        if q == c {
                            closed = true;
                            i += 1;
                            break;
                        }
                        if q == '\\' && i + 1 < chars.len() {
                            let (c, used) = unescape_at(&chars[i + 1..]);
                            text.push(c);
                            i += 1 + used;
                            continue;
                        }
                        text.push(q);
                        i += 1;
                    }
                    if !closed {
                        self.diags.push(
                            Diagnostic::error(
                                span_of(file, &chars[begin..begin + 1]),
                                format!("unterminated {c}quoted{c} string"),
                            )
                            .with_label("quote opened here")
                            .with_help(format!("close the string with {c} on the same line")),
                        );
                    }
                    continue;
                }
                if c == '\\' && i + 1 < chars.len() {
                    text.push(chars[i + 1].c);
                    i += 2;
                    continue;
                }
                text.push(c);
                i += 1;
            }
            tokens.push(Token {
                text,
                span: span_of(file, &chars[begin..i]),
                quoted,
            });
        }
        tokens
    }

    fn include(&mut self, path: &str, tokens: &[Token]) {
        let Some(target) = tokens.get(1) else {
            self.diags.push(
                Diagnostic::error(tokens[0].span, "include needs a file name or pattern")
                    .with_help("write `include /etc/keepalived/conf.d/*.conf`"),
            );
            return;
        };
        let pattern = resolve_relative(path, &target.text);
        let files = if glob::has_wildcards(&pattern) {
            match self.loader.glob(&pattern) {
                Ok(f) => f,
                Err(why) => {
                    self.diags.push(Diagnostic::warning(
                        target.span,
                        format!("include pattern {pattern} cannot be expanded: {why}"),
                    ));
                    return;
                }
            }
        } else {
            vec![pattern.clone()]
        };
        if files.is_empty() {
            self.diags.push(
                Diagnostic::warning(target.span, format!("include {pattern} matches no file"))
                    .with_help("check the pattern; keepalived silently skips it"),
            );
        }
        for file in files {
            if self.stack.contains(&file) {
                self.diags.push(
                    Diagnostic::error(
                        target.span,
                        format!("include cycle: {file} includes itself"),
                    )
                    .with_label("included again here")
                    .with_help(format!("remove this include: {file} is already being read")),
                );
                continue;
            }
            if self.stack.len() >= MAX_INCLUDE_DEPTH {
                self.diags.push(Diagnostic::error(
                    target.span,
                    format!("includes nested deeper than {MAX_INCLUDE_DEPTH} levels"),
                ));
                return;
            }
            match self.loader.read(&file) {
                Ok(text) => self.file(&file, text),
                Err(why) => self.diags.push(
                    Diagnostic::warning(
                        target.span,
                        format!("cannot read included file {file}: {why}"),
                    )
                    .with_help("fix the path; keepalived skips an unreadable include"),
                ),
            }
        }
    }
}

/// The character a backslash escape stands for (`\n`, `\x41`, `\101`, …) and how many
/// characters after the backslash it used.
fn unescape_at(rest: &[Ch]) -> (char, usize) {
    let digits = |radix: u32, max: usize, skip: usize| {
        let ds: String = rest[skip..]
            .iter()
            .take(max)
            .map(|c| c.c)
            .take_while(|c| c.is_digit(radix))
            .collect();
        let value = u32::from_str_radix(&ds, radix)
            .ok()
            .and_then(char::from_u32);
        value.map(|v| (v, ds.len()))
    };
    match rest[0].c {
        'x' => match digits(16, 2, 1) {
            Some((c, n)) => (c, 1 + n),
            None => ('x', 1),
        },
        '0'..='7' => match digits(8, 3, 0) {
            Some((c, n)) => (c, n),
            None => (rest[0].c, 1),
        },
        other => (unescape(other), 1),
    }
}

fn unescape(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'v' => '\u{b}',
        'E' => '\u{1b}',
        other => other,
    }
}

fn word_before(chars: &[Ch]) -> String {
    let start = chars
        .iter()
        .rposition(|c| c.c.is_whitespace())
        .map(|p| p + 1)
        .unwrap_or(0);
    chars[start..].iter().map(|c| c.c).collect()
}

fn trim(chars: &mut Vec<Ch>) {
    while chars.last().is_some_and(|c| c.c.is_whitespace()) {
        chars.pop();
    }
    let lead = chars.iter().take_while(|c| c.c.is_whitespace()).count();
    chars.drain(..lead);
}

fn ends_with_continuation(chars: &[Ch]) -> bool {
    let trailing = chars.iter().rev().take_while(|c| c.c == '\\').count();
    trailing % 2 == 1
}

fn span_of(file: FileId, chars: &[Ch]) -> Span {
    let first = chars[0];
    let same_line = chars.iter().all(|c| c.line == first.line);
    let len = match chars.last() {
        Some(last) if same_line && last.col >= first.col => last.col - first.col + 1,
        _ => 1,
    };
    Span {
        file,
        line: first.line,
        column: first.col,
        len,
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `$NAME=VALUE` at the start of a line.
fn parameter_definition(chars: &[Ch]) -> Option<(String, Vec<Ch>)> {
    if chars.first()?.c != '$' {
        return None;
    }
    let name_len = chars[1..].iter().take_while(|c| is_ident(c.c)).count();
    if name_len == 0 || chars.get(1 + name_len)?.c != '=' {
        return None;
    }
    let name = chars[1..1 + name_len].iter().map(|c| c.c).collect();
    let mut value = chars[2 + name_len..].to_vec();
    trim(&mut value);
    Some((name, value))
}

/// `${NAME}` or `$NAME` at the start of `chars`: the name and how many chars it spans.
fn reference_at(chars: &[Ch]) -> Option<(String, usize)> {
    if chars.get(1)?.c == '{' {
        let close = chars.iter().position(|c| c.c == '}')?;
        let name: String = chars[2..close].iter().map(|c| c.c).collect();
        return (!name.is_empty()).then_some((name, close + 1));
    }
    let len = chars[1..].iter().take_while(|c| is_ident(c.c)).count();
    (len > 0).then(|| (chars[1..1 + len].iter().map(|c| c.c).collect(), len + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::source::MemoryLoader;

    fn words(loader: &MemoryLoader, id: Option<&str>) -> (Vec<Vec<String>>, Diagnostics) {
        let mut sources = Sources::default();
        let mut diags = Diagnostics::default();
        let opts = LexOptions {
            config_id: id.map(str::to_string),
        };
        let lines = lex("k.conf", loader, &opts, &mut sources, &mut diags);
        let w = lines
            .into_iter()
            .map(|l| l.into_iter().map(|t| t.text).collect())
            .collect();
        (w, diags)
    }

    #[test]
    fn comments_quotes_and_braces_split_as_keepalived_does() {
        let l = MemoryLoader::new().with(
            "k.conf",
            "a {b 'x y'\"z\" # c\n! all comment\n  notify \"/bin/x #1\" }\n",
        );
        let (w, d) = words(&l, None);
        assert_eq!(
            w,
            vec![
                vec!["a", "{", "b", "x yz"],
                vec!["notify", "/bin/x #1", "}"]
            ]
        );
        assert!(d.items.is_empty());
    }

    #[test]
    fn escapes_include_variants_and_unsupported_builtins_are_handled() {
        let l = MemoryLoader::new()
            .with(
                "k.conf",
                "x \"a\\x41\\101\\tb\" ${_RANDOM 1 9} y\nincludem o.conf\n",
            )
            .with("o.conf", "z\n");
        let (w, d) = words(&l, None);
        assert_eq!(w, vec![vec!["x", "aAA\tb", "y"], vec!["z"]]);
        assert_eq!(d.items.len(), 1);
        assert!(d.items[0].message.contains("_RANDOM"));
    }

    #[test]
    fn bang_inside_a_word_starts_a_comment_and_warns() {
        let l = MemoryLoader::new().with("k.conf", "auth_pass s3cret!x\n");
        let (w, d) = words(&l, None);
        assert_eq!(w, vec![vec!["auth_pass", "s3cret"]]);
        assert_eq!(d.items.len(), 1);
        assert_eq!(d.items[0].span.map(|s| s.column), Some(17));
    }

    #[test]
    fn parameters_conditionals_and_continuations_are_applied() {
        let l = MemoryLoader::new().with(
            "k.conf",
            "$IF=eth1\n$P=${IF}x\n@h1 priority 200\n@^h1 priority 100\ninterface $IF $P $NOPE\n$L=a \\\n  b\n$L\nc \\\nd\n",
        );
        let (w, d) = words(&l, Some("h1"));
        assert_eq!(
            w,
            vec![
                vec!["priority", "200"],
                vec!["interface", "eth1", "eth1x", "$NOPE"],
                vec!["a"],
                vec!["b"],
                vec!["c"],
                vec!["d"],
            ]
        );
        assert_eq!(d.items.len(), 1, "{d:?}");
        assert_eq!(d.items[0].span.map(|s| (s.line, s.column)), Some((9, 3)));
        let (w, _) = words(&l, Some("h2"));
        assert_eq!(w[0], vec!["priority", "100"]);
    }

    #[test]
    fn lst_with_grouped_variables_sets_every_variable_per_group() {
        let l = MemoryLoader::new().with(
            "k.conf",
            "~LST({A, B}, {1, x}, {2, y}) v $A ${B}\n~LST({A, B}, {1}) z\n",
        );
        let (w, d) = words(&l, None);
        assert_eq!(w, vec![vec!["v", "1", "x"], vec!["v", "2", "y"], vec!["z"]]);
        assert_eq!(d.items.len(), 1, "{d:?}");
        assert_eq!(d.items[0].severity, Severity::Warning);
        assert!(d.items[0].message.contains("1 value(s) for 2"), "{d:?}");
    }

    #[test]
    fn seq_repeats_the_line_for_each_value() {
        let l =
            MemoryLoader::new().with("k.conf", "~SEQ(i, 1, 2, 5) vrid $i\n~LST(n, a, b) x ${n}\n");
        let (w, _) = words(&l, None);
        assert_eq!(
            w,
            vec![
                vec!["vrid", "1"],
                vec!["vrid", "3"],
                vec!["vrid", "5"],
                vec!["x", "a"],
                vec!["x", "b"]
            ]
        );
    }

    #[test]
    fn include_is_relative_globbed_and_cycles_are_errors() {
        let l = MemoryLoader::new()
            .with("k.conf", "include d/*.conf\nend\n")
            .with("d/a.conf", "a 1\ninclude ../k.conf\n")
            .with("d/b.conf", "b 2\n");
        let (w, d) = words(&l, None);
        assert_eq!(w, vec![vec!["a", "1"], vec!["b", "2"], vec!["end"]]);
        assert!(d.has_errors());
        assert!(d.items[0].message.contains("include cycle"));
    }
}
