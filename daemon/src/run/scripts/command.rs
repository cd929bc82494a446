//! How a script or hook line is started. Without `enable_script_security` ([`plan`]): split
//! into words and exec'd directly when it is a plain command with arguments (quotes group
//! words, as keepalived reads them), through `/bin/sh -c` only when it needs a shell (pipes,
//! redirections, `$` expansions, globs, `;`/`&`, backslashes, `VAR=value` prefixes, …).
//! With it ([`words`]): never through a shell — keepalived's own split, the first word is the
//! program and every other word a literal argument (`>`, `&&` included), so the program that
//! passed the security check is the only one the line starts.

use std::iter::Peekable;
use std::str::Chars;

/// What to execute for one command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// `argv[0]` (a path, or a name looked up in PATH) and its arguments.
    Direct(Vec<String>),
    /// The whole line for `/bin/sh -c`.
    Shell(String),
}

/// Characters that mean something to the shell outside quotes.
const SHELL_OUTSIDE: &[char] = &[
    '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '*', '?', '[', ']', '#', '~', '{', '}', '\n',
];

/// Plans the execution of `line`: exec'd directly, split by [`words`], unless it needs a
/// shell ([`needs_shell`]), is empty, or starts with a `VAR=value` assignment.
pub fn plan(line: &str) -> Program {
    if needs_shell(line) {
        return Program::Shell(line.to_string());
    }
    match words(line) {
        // `VAR=value cmd` is a shell assignment.
        Some(words) if words.first().is_some_and(|first| !first.contains('=')) => {
            Program::Direct(words)
        }
        _ => Program::Shell(line.to_string()),
    }
}

/// Whether `line` means something only a shell gives it: a character of [`SHELL_OUTSIDE`]
/// outside quotes, a backslash anywhere (so [`words`] never unescapes in a direct line), `$`
/// or `` ` `` inside double quotes, or an unterminated quote.
fn needs_shell(line: &str) -> bool {
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            // A backslash, in either quotes, is kept as the shell keeps it (the shell, not
            // keepalived's escapes of [`words`]); inside double quotes $ and ` still expand.
            Some(_) if c == '\\' => return true,
            Some('"') if matches!(c, '$' | '`') => return true,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if SHELL_OUTSIDE.contains(&c) => return true,
            None => {}
        }
    }
    quote.is_some()
}

/// `line` split into words as keepalived splits a script line: blanks separate words, `'…'`
/// and `"…"` group them (the quotes removed), and a backslash, inside quotes too, escapes the
/// next character (`\n`, `\t`, `\a`, `\b`, `\E`, `\f`, `\r`, `\v`, `\xHH`, `\cX`, up to
/// three octal digits; any other character stands for itself). `None` for an unterminated
/// quote or a trailing backslash, which keepalived rejects as well.
pub fn words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let escaped = unescape(&mut chars)?;
                word.get_or_insert_with(String::new).push(escaped);
            }
            q if Some(q) == quote => quote = None,
            '\'' | '"' if quote.is_none() => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            ' ' | '\t' | '\n' | '\r' if quote.is_none() => words.extend(word.take()),
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return None;
    }
    words.extend(word);
    Some(words)
}

/// The character a backslash escape stands for; `chars` is just past the backslash. Numeric
/// escapes give one byte (as a character of that value).
fn unescape(chars: &mut Peekable<Chars<'_>>) -> Option<char> {
    let c = chars.next()?;
    Some(match c {
        'x' if chars.peek().is_some_and(char::is_ascii_hexdigit) => {
            number(chars, 0, 16, usize::MAX)
        }
        'c' if chars.peek().is_some() => char::from(chars.next()? as u8 & 0x1f),
        '0'..='7' => number(chars, c.to_digit(8)?, 8, 2),
        'a' => '\u{7}',
        'b' => '\u{8}',
        'E' => '\u{1b}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        other => other,
    })
}

/// `value` extended by up to `max` more digits of `radix` from `chars`, kept to one byte as
/// keepalived keeps it.
fn number(chars: &mut Peekable<Chars<'_>>, mut value: u32, radix: u32, max: usize) -> char {
    for _ in 0..max {
        let Some(d) = chars.peek().and_then(|d| d.to_digit(radix)) else {
            break;
        };
        value = (value * radix + d) & 0xff;
        chars.next();
    }
    char::from(value as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(words: &[&str]) -> Program {
        Program::Direct(words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn plain_path_with_arguments_is_exec_d_directly() {
        assert_eq!(
            plan("/usr/local/bin/notify.sh INSTANCE VI_1 MASTER 100"),
            direct(&[
                "/usr/local/bin/notify.sh",
                "INSTANCE",
                "VI_1",
                "MASTER",
                "100"
            ])
        );
        assert_eq!(
            plan("  test   -e /run/flag "),
            direct(&["test", "-e", "/run/flag"])
        );
    }

    #[test]
    fn quotes_group_words_without_a_shell() {
        assert_eq!(
            plan("/bin/logger -t vrrp 'state changed' \"to master\""),
            direct(&["/bin/logger", "-t", "vrrp", "state changed", "to master"])
        );
        assert_eq!(plan("/bin/echo ''"), direct(&["/bin/echo", ""]));
    }

    #[test]
    fn shell_syntax_goes_through_sh() {
        for line in [
            "killall -0 nginx || exit 1",
            "/bin/check > /dev/null",
            "echo $HOME",
            "echo \"$HOME\"",
            "ls *.conf",
            "a; b",
            "X=1 /bin/check",
            "echo 'unterminated",
            "echo a\\ b",
            "/bin/echo 'a\\tb'",
            "",
        ] {
            assert_eq!(plan(line), Program::Shell(line.to_string()), "{line}");
        }
    }

    fn owned(words: &[&str]) -> Option<Vec<String>> {
        Some(words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn words_keep_shell_syntax_as_plain_arguments_as_keepalived_does() {
        assert_eq!(
            words("/opt/chk.sh >/dev/null && x"),
            owned(&["/opt/chk.sh", ">/dev/null", "&&", "x"])
        );
        assert_eq!(
            words("  X=1 /bin/check $HOME;  "),
            owned(&["X=1", "/bin/check", "$HOME;"])
        );
        assert_eq!(words(""), owned(&[]));
    }

    #[test]
    fn quotes_group_and_backslashes_escape_inside_and_outside_quotes() {
        assert_eq!(
            words(r#"'/opt/my chk' "a b" c\ d '' "q\"x""#),
            owned(&["/opt/my chk", "a b", "c d", "", "q\"x"])
        );
        assert_eq!(
            words(r"a\tb \x41\101 \cA \q"),
            owned(&["a\tb", "AA", "\u{1}", "q"])
        );
        assert_eq!(words("echo 'unterminated"), None);
        assert_eq!(words("trailing\\"), None);
    }
}
