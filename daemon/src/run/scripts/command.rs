//! How a script or hook line is started: split into words and exec'd directly when it is a
//! plain command with arguments (quotes group words, as keepalived reads them), through
//! `/bin/sh -c` only when it needs a shell (pipes, redirections, `$` expansions, globs,
//! `;`/`&`, backslashes, `VAR=value` prefixes, …).

/// What to execute for one command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// `argv[0]` (a path, or a name looked up in PATH) and its arguments.
    Direct(Vec<String>),
    /// The whole line for `/bin/sh -c`.
    Shell(String),
}

impl Program {
    /// The program file that will run: `argv[0]`, or `/bin/sh` for a shell line.
    pub fn file(&self) -> &str {
        match self {
            Program::Direct(argv) => &argv[0],
            Program::Shell(_) => "/bin/sh",
        }
    }
}

/// Characters that mean something to the shell outside quotes.
const SHELL_OUTSIDE: &[char] = &[
    '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '*', '?', '[', ']', '#', '~', '{', '}', '\n',
];

/// Plans the execution of `line`.
pub fn plan(line: &str) -> Program {
    let shell = || Program::Shell(line.to_string());
    let mut words: Vec<String> = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some('\'') if c == '\'' => quote = None,
            Some('"') if c == '"' => quote = None,
            // Inside double quotes the shell still expands $, ` and \.
            Some('"') if matches!(c, '$' | '`' | '\\') => return shell(),
            Some(_) => word.get_or_insert_with(String::new).push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            None if c == ' ' || c == '\t' => words.extend(word.take()),
            None if SHELL_OUTSIDE.contains(&c) => return shell(),
            None => word.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return shell();
    }
    words.extend(word);
    match words.first() {
        None => shell(),
        // `VAR=value cmd` is a shell assignment.
        Some(first) if first.contains('=') => shell(),
        Some(_) => Program::Direct(words),
    }
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
            "",
        ] {
            assert_eq!(plan(line), Program::Shell(line.to_string()), "{line}");
        }
    }
}
