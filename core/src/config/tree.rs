//! Blocks: turns logical lines of tokens into a tree of statements.
//!
//! A statement is a keyword with arguments; it may open a block with `{`, on the same line or
//! alone on the next line. keepalived splits a line at every unquoted brace, so
//! `authentication { auth_type PASS }` and a `}` after arguments both work. Unbalanced braces,
//! a `{` after a keyword that takes values and a block keyword without `{` are errors with the
//! location of the mistake; the tree is repaired so that later diagnostics stay meaningful.

use super::diagnostic::{Diagnostic, Diagnostics};
use super::grammar::{self, Context};
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
///
/// Braces are matched with the keyword table ([`grammar`]) in mind, the way keepalived reads
/// them: a `{` after a keyword that takes values (`priority 100 {`) is an error at that brace,
/// and a block keyword with no `{` (`virtual_ipaddress` followed by addresses) is an error at
/// the keyword. To keep the rest of the file meaningful, the builder then repairs what the
/// brace count of the whole file says is wrong: with more `{` than `}` the stray `{` is
/// dropped (keepalived does the same: "Unexpected '{' - ignoring"); with balanced braces the
/// stray block is skipped as a whole; with more `}` than `{` the missing `{` is assumed.
pub fn build(lines: Vec<Line>, diags: &mut Diagnostics) -> Vec<Statement> {
    // Segments: runs of words between braces and line ends, with the brace that ended them.
    let mut segments: Vec<(Vec<Token>, Option<Token>)> = Vec::new();
    let (mut opens, mut closes) = (0usize, 0usize);
    for line in lines {
        let mut words = Vec::new();
        for token in line {
            if token.is_open() || token.is_close() {
                if token.is_open() {
                    opens += 1;
                } else {
                    closes += 1;
                }
                segments.push((std::mem::take(&mut words), Some(token)));
            } else {
                words.push(token);
            }
        }
        if !words.is_empty() {
            segments.push((words, None));
        }
    }
    let mut b = Builder {
        stack: Vec::new(),
        top: Vec::new(),
        surplus_opens: opens.saturating_sub(closes),
        surplus_closes: closes.saturating_sub(opens),
        diags,
    };
    let mut segments = segments.into_iter().peekable();
    while let Some((words, brace)) = segments.next() {
        let next_is_open = brace.is_none()
            && segments
                .peek()
                .is_some_and(|(w, b)| w.is_empty() && b.as_ref().is_some_and(Token::is_open));
        if let Some(stmt) = statement(words) {
            let context = b.context();
            let opens_block = grammar::child(context, &stmt.keyword.text);
            let has_brace = brace.as_ref().is_some_and(Token::is_open) || next_is_open;
            match opens_block {
                Some(child) if !has_brace && b.surplus_closes > 0 && context != Context::Opaque => {
                    b.missing_open(stmt, child);
                    if let Some(brace) = brace {
                        b.brace(brace);
                    }
                    continue;
                }
                _ => b.current().push(stmt),
            }
        }
        if let Some(brace) = brace {
            b.brace(brace);
        }
    }
    b.finish()
}

/// One open block: the statement that owns it, what is inside so far, and what it is.
struct Frame {
    owner: Statement,
    items: Vec<Statement>,
    context: Context,
    /// A stray block after a value keyword: its contents are dropped when it closes.
    skipped: bool,
}

struct Builder<'d> {
    stack: Vec<Frame>,
    top: Vec<Statement>,
    /// `{` not matched by any `}` in the whole file (what stray braces are allowed to consume).
    surplus_opens: usize,
    /// `}` not matched by any `{` (what missing `{` are allowed to consume).
    surplus_closes: usize,
    diags: &'d mut Diagnostics,
}

impl Builder<'_> {
    fn context(&self) -> Context {
        self.stack.last().map(|f| f.context).unwrap_or(Context::Top)
    }

    fn current(&mut self) -> &mut Vec<Statement> {
        match self.stack.last_mut() {
            Some(f) => &mut f.items,
            None => &mut self.top,
        }
    }

    fn brace(&mut self, brace: Token) {
        if brace.is_open() {
            self.open(brace);
        } else {
            self.close(brace);
        }
    }

    fn open(&mut self, brace: Token) {
        let context = self.context();
        let current = self.current();
        let owner = match current.pop() {
            Some(owner) if owner.block.is_none() => owner,
            other => {
                if let Some(o) = other {
                    current.push(o);
                }
                self.diags.push(
                    Diagnostic::error(brace.span, "`{` without a keyword before it")
                        .with_label("this block has no name")
                        .with_help(
                            "write the keyword on the line before `{` (e.g. `virtual_ipaddress {`)",
                        ),
                );
                let anonymous = Statement {
                    keyword: brace.clone(),
                    args: Vec::new(),
                    block: None,
                };
                self.push_frame(anonymous, brace.span, Context::Opaque, false);
                return;
            }
        };
        if let Some(child) = grammar::child(context, &owner.keyword.text) {
            self.push_frame(owner, brace.span, child, false);
            return;
        }
        if !grammar::is_value_keyword(context, &owner.keyword.text) {
            // Unknown keyword: keep its block so the model reports the keyword and skips it.
            self.push_frame(owner, brace.span, Context::Opaque, false);
            return;
        }
        self.stray_open(owner, brace, context);
    }

    /// `{` after a keyword that takes values.
    fn stray_open(&mut self, owner: Statement, brace: Token, context: Context) {
        let kw = owner.keyword.text.clone();
        let (message, label, help) = if context == Context::Values {
            (
                format!("unexpected `{{` after `{kw}` in a list of values"),
                "a list entry does not open a block".to_string(),
                "remove this `{`; each line of the list is one entry".to_string(),
            )
        } else {
            (
                format!("unexpected `{{`: `{kw}` takes a value, not a block"),
                format!("`{kw}` does not open a block"),
                format!(
                    "remove this `{{` and write `{}` on one line",
                    std::iter::once(kw.as_str())
                        .chain(owner.args.iter().map(|t| t.text.as_str()))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            )
        };
        let ignored = self.surplus_opens > 0;
        let help = if ignored {
            help
        } else {
            format!("{help}; the lines up to its `}}` are ignored")
        };
        self.diags.push(
            Diagnostic::error(brace.span, message)
                .with_label(label)
                .with_help(help),
        );
        let span = brace.span;
        self.current().push(owner);
        if ignored {
            // Like keepalived: the brace is dropped and what follows belongs to the block around.
            self.surplus_opens -= 1;
        } else {
            let placeholder = Statement {
                keyword: brace,
                args: Vec::new(),
                block: None,
            };
            self.push_frame(placeholder, span, Context::Opaque, true);
        }
    }

    /// A block keyword with no `{` while the file has a `}` too many: assume the `{`.
    fn missing_open(&mut self, owner: Statement, child: Context) {
        self.surplus_closes -= 1;
        let kw = owner.keyword.text.clone();
        self.diags.push(
            Diagnostic::error(
                owner.span(),
                format!("`{kw}` opens a block but no `{{` follows"),
            )
            .with_label("`{` missing after this")
            .with_help(format!("write `{kw} {{` and end the block with `}}`")),
        );
        let span = owner.span();
        self.push_frame(owner, span, child, false);
    }

    fn push_frame(&mut self, mut owner: Statement, open: Span, context: Context, skipped: bool) {
        owner.block = Some(Block {
            open,
            items: Vec::new(),
        });
        self.stack.push(Frame {
            owner,
            items: Vec::new(),
            context,
            skipped,
        });
    }

    fn close(&mut self, brace: Token) {
        let Some(frame) = self.stack.pop() else {
            self.diags.push(
                Diagnostic::error(brace.span, "extra `}` with no block open")
                    .with_label("nothing to close")
                    .with_help("remove this `}` or add the `{` it was meant to close"),
            );
            return;
        };
        self.attach(frame);
    }

    fn attach(&mut self, frame: Frame) {
        let Frame {
            mut owner,
            items,
            skipped,
            ..
        } = frame;
        if skipped {
            return;
        }
        if let Some(b) = owner.block.as_mut() {
            b.items = items;
        }
        let parent = self.current();
        if owner.keyword.is_open() {
            parent.extend(owner.block.map(|b| b.items).unwrap_or_default());
        } else {
            parent.push(owner);
        }
    }

    fn finish(mut self) -> Vec<Statement> {
        while let Some(frame) = self.stack.pop() {
            let open = frame
                .owner
                .block
                .as_ref()
                .map(|b| b.open)
                .unwrap_or(frame.owner.keyword.span);
            self.diags.push(
                Diagnostic::error(
                    open,
                    format!("block `{}` is never closed", frame.owner.keyword.text),
                )
                .with_label("opened here")
                .with_help("add the missing `}`"),
            );
            self.attach(frame);
        }
        self.top
    }
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

    const INSTANCE: &str = "vrrp_instance VI_1 {\n    priority 100 {\n    advert_int 1\n    virtual_ipaddress {\n        192.0.2.1/24\n    }\n}\n";

    #[test]
    fn brace_after_a_value_keyword_is_dropped_when_the_file_has_one_brace_too_many() {
        let (t, d) = tree(INSTANCE);
        assert_eq!(d.items.len(), 1, "{d:?}");
        let span = d.items[0].span.expect("span");
        assert_eq!((span.line, span.column), (2, 18));
        assert!(d.items[0].message.contains("`priority` takes a value"));
        let kws: Vec<&str> = t[0]
            .items()
            .iter()
            .map(|s| s.keyword.text.as_str())
            .collect();
        assert_eq!(kws, ["priority", "advert_int", "virtual_ipaddress"]);
        assert_eq!(t[0].items()[0].args[0].text, "100");
    }

    #[test]
    fn balanced_block_after_a_value_keyword_is_skipped_whole() {
        let (t, d) = tree(
            "vrrp_instance VI_1 {\n    advert_int 1 {\n        x 1\n    }\n    priority 9\n}\n",
        );
        assert_eq!(d.items.len(), 1, "{d:?}");
        let kws: Vec<&str> = t[0]
            .items()
            .iter()
            .map(|s| s.keyword.text.as_str())
            .collect();
        assert_eq!(kws, ["advert_int", "priority"]);
    }

    #[test]
    fn block_keyword_without_brace_gets_one_when_the_file_has_a_closing_brace_too_many() {
        let (t, d) = tree(
            "vrrp_instance VI_1 {\n    virtual_ipaddress\n        192.0.2.1/24\n    }\n    priority 9\n}\n",
        );
        assert_eq!(d.items.len(), 1, "{d:?}");
        assert_eq!(d.items[0].span.map(|s| s.line), Some(2));
        let vips = &t[0].items()[0];
        assert_eq!(vips.items()[0].keyword.text, "192.0.2.1/24");
        assert_eq!(t[0].items()[1].keyword.text, "priority");
    }

    #[test]
    fn unknown_keyword_keeps_its_block_and_a_brace_in_a_value_list_is_stray() {
        let (t, d) = tree("frobnicate {\n    a 1\n}\n");
        assert!(d.items.is_empty(), "{d:?}");
        assert_eq!(t[0].items()[0].keyword.text, "a");
        let (_, d) =
            tree("vrrp_instance V {\n    virtual_ipaddress {\n        192.0.2.1/24 {\n    }\n}\n");
        assert_eq!(d.items.len(), 1, "{d:?}");
        assert!(d.items[0].message.contains("list of values"), "{d:?}");
    }
}
