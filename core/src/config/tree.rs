//! Blocks: turns logical lines of tokens into a tree of statements.
//!
//! A statement is a keyword with arguments; it may open a block with `{`, on the same line or
//! alone on the next line. keepalived splits a line at every unquoted brace, so
//! `authentication { auth_type PASS }` and a `}` after arguments both work. Unbalanced braces
//! are errors with the location of the brace.

use super::diagnostic::{Diagnostic, Diagnostics};
use super::lexer::{Line, Token};
use super::source::Span;

/// One statement: a keyword, its arguments, and an optional block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The first word.
    pub keyword: Token,
    /// The remaining words on the statement's line (up to a brace).
    pub args: Vec<Token>,
    /// The `{ … }` body, if any.
    pub block: Option<Block>,
}

/// The body of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Location of the `{`.
    pub open: Span,
    /// Statements inside, in order.
    pub items: Vec<Statement>,
}

impl Statement {
    /// Span covering the keyword.
    pub fn span(&self) -> Span {
        self.keyword.span
    }

    /// The statements of the block (empty when there is none).
    pub fn items(&self) -> &[Statement] {
        self.block
            .as_ref()
            .map(|b| b.items.as_slice())
            .unwrap_or(&[])
    }
}

/// Builds the statement tree of a whole configuration.
pub fn build(lines: Vec<Line>, diags: &mut Diagnostics) -> Vec<Statement> {
    // Segments: runs of words between braces and line ends, with the brace that ended them.
    let mut segments: Vec<(Vec<Token>, Option<Token>)> = Vec::new();
    for line in lines {
        let mut words = Vec::new();
        for token in line {
            if token.is_open() || token.is_close() {
                segments.push((std::mem::take(&mut words), Some(token)));
            } else {
                words.push(token);
            }
        }
        if !words.is_empty() {
            segments.push((words, None));
        }
    }
    // Stack of open blocks: the statement that owns each, and its items.
    let mut stack: Vec<(Statement, Vec<Statement>)> = Vec::new();
    let mut top: Vec<Statement> = Vec::new();
    for (words, brace) in segments {
        let current = stack.last_mut().map(|(_, items)| items).unwrap_or(&mut top);
        if let Some(stmt) = statement(words) {
            current.push(stmt);
        }
        let Some(brace) = brace else { continue };
        if brace.is_open() {
            let current = stack.last_mut().map(|(_, items)| items).unwrap_or(&mut top);
            match current.pop() {
                Some(owner) if owner.block.is_none() => stack.push((owner, Vec::new())),
                other => {
                    if let Some(o) = other {
                        current.push(o);
                    }
                    diags.push(
                        Diagnostic::error(brace.span, "`{` without a keyword before it")
                            .with_label("this block has no name")
                            .with_help("write the keyword on the line before `{` (e.g. `virtual_ipaddress {`)"),
                    );
                    let anonymous = Statement {
                        keyword: brace.clone(),
                        args: Vec::new(),
                        block: None,
                    };
                    stack.push((anonymous, Vec::new()));
                }
            }
            if let Some((owner, _)) = stack.last_mut() {
                owner.block = Some(Block {
                    open: brace.span,
                    items: Vec::new(),
                });
            }
        } else {
            match stack.pop() {
                Some((mut owner, items)) => {
                    if let Some(b) = owner.block.as_mut() {
                        b.items = items;
                    }
                    let parent = stack.last_mut().map(|(_, items)| items).unwrap_or(&mut top);
                    if owner.keyword.is_open() {
                        parent.extend(owner.block.map(|b| b.items).unwrap_or_default());
                    } else {
                        parent.push(owner);
                    }
                }
                None => diags.push(
                    Diagnostic::error(brace.span, "extra `}` with no block open")
                        .with_label("nothing to close")
                        .with_help("remove this `}` or add the `{` it was meant to close"),
                ),
            }
        }
    }
    while let Some((mut owner, items)) = stack.pop() {
        let open = owner
            .block
            .as_ref()
            .map(|b| b.open)
            .unwrap_or(owner.keyword.span);
        diags.push(
            Diagnostic::error(
                open,
                format!("block `{}` is never closed", owner.keyword.text),
            )
            .with_label("opened here")
            .with_help("add the missing `}`"),
        );
        if let Some(b) = owner.block.as_mut() {
            b.items = items;
        }
        let parent = stack.last_mut().map(|(_, items)| items).unwrap_or(&mut top);
        parent.push(owner);
    }
    top
}

fn statement(mut words: Vec<Token>) -> Option<Statement> {
    if words.is_empty() {
        return None;
    }
    let keyword = words.remove(0);
    Some(Statement {
        keyword,
        args: words,
        block: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::lexer::{LexOptions, lex};
    use crate::config::source::{MemoryLoader, Sources};

    fn tree(text: &str) -> (Vec<Statement>, Diagnostics) {
        let l = MemoryLoader::new().with("k.conf", text);
        let mut s = Sources::default();
        let mut d = Diagnostics::default();
        let lines = lex("k.conf", &l, &LexOptions::default(), &mut s, &mut d);
        (build(lines, &mut d), d)
    }

    #[test]
    fn braces_on_the_same_or_next_line_open_the_same_block() {
        let (t, d) = tree("a x\n{\n  b 1 }\nc { d }\n");
        assert!(d.items.is_empty(), "{d:?}");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].args[0].text, "x");
        assert_eq!(t[0].items()[0].keyword.text, "b");
        assert_eq!(t[1].items()[0].keyword.text, "d");
    }

    #[test]
    fn unbalanced_braces_are_errors_at_the_brace() {
        let (_, d) = tree("a {\n b\n}\n}\n");
        assert_eq!(d.items.len(), 1);
        assert_eq!(d.items[0].span.map(|s| s.line), Some(4));
        let (t, d) = tree("a {\n b {\n");
        assert_eq!(d.items.len(), 2);
        assert_eq!(t[0].items()[0].keyword.text, "b");
    }
}
