//! Statements and blocks, with automatic semicolon insertion (see [`Parser::end_statement`]).

use super::{MAX_LOOKAHEAD, Parser, is_reserved};
use crate::Span;
use crate::ast::{Block, DeclKind, Expr, Item, Stmt, VarDeclarator};
use crate::diag;
use crate::lexer::TokenKind;

impl Parser<'_> {
    /// A statement inside a function or block; nested declarations become [`Stmt::NestedItem`].
    pub(super) fn stmt(&mut self) -> Stmt {
        match self.item(false) {
            Item::Stmt(s) => s,
            item => Stmt::NestedItem(Box::new(item)),
        }
    }

    /// A statement that is not a declaration item. `start` and `errors_at_start` are the
    /// statement's start offset (before any `export`) and the error count there.
    pub(super) fn statement(&mut self, exported: bool, start: u32, errors_at_start: usize) -> Stmt {
        if let Some(word) = self.nth_word(0) {
            match word {
                "let" | "const" | "var" => {
                    let mut stmt = self.var_decl(exported, start);
                    self.end_statement(errors_at_start);
                    if let Stmt::VarDecl { span, .. } = &mut stmt {
                        *span = self.span_from(start);
                    }
                    return stmt;
                }
                "if" => return self.if_stmt(),
                "while" => return self.while_stmt(),
                "do" => return self.do_while_stmt(),
                "for" => return self.for_stmt(),
                "break" | "continue" => return self.jump_stmt(word == "break", errors_at_start),
                "return" => return self.return_stmt(errors_at_start),
                "switch" => return self.switch_stmt(),
                "try" => return self.try_stmt(),
                "throw" => {
                    self.bump();
                    if !self.newline_before() {
                        self.expr_with_comma();
                    }
                    self.end_statement(errors_at_start);
                    return unsupported("`throw` statement", self.span_from(start));
                }
                "with" => {
                    self.bump();
                    self.skip_balanced();
                    self.stmt();
                    return unsupported("`with` statement", self.span_from(start));
                }
                "debugger" => {
                    self.bump();
                    self.end_statement(errors_at_start);
                    return unsupported("`debugger` statement", self.span_from(start));
                }
                _ if self.nth_at(1, ":") && !is_reserved(word) => {
                    self.bump();
                    self.bump();
                    self.stmt();
                    return unsupported("labeled statement", self.span_from(start));
                }
                _ => {}
            }
        }
        if self.at("{") {
            return Stmt::Block(self.block());
        }
        if self.at_word("else") {
            let span = self.tok().span;
            let hint = Some("an `else` must directly follow the statement of an `if`".to_string());
            self.error_at(
                diag::UNEXPECTED_TOKEN,
                "unexpected `else`".into(),
                span,
                hint,
            );
            self.bump();
            return Stmt::Error(span);
        }
        if self.eat(";") {
            return Stmt::Empty(self.span_from(start));
        }
        if self.at(")") || self.at("]") {
            let span = self.error_stray_closer();
            self.bump();
            return Stmt::Error(span);
        }
        let e = self.expr_with_comma();
        self.end_statement(errors_at_start);
        Stmt::Expr(e)
    }

    /// `{ statements }`.
    pub(super) fn block(&mut self) -> Block {
        let start = self.start();
        let open = self.tok().span;
        if !self.expect("{") {
            return Block {
                stmts: Vec::new(),
                span: Span::new(start, start),
            };
        }
        let mut stmts = Vec::new();
        while !self.at("}") && !self.at_eof() {
            let before = self.pos;
            stmts.push(self.stmt());
            if self.pos == before {
                self.unexpected_token();
            }
        }
        self.expect_close("}", open);
        Block {
            stmts,
            span: self.span_from(start),
        }
    }

    /// Reports the current token as unexpected and skips it (to guarantee progress).
    pub(super) fn unexpected_token(&mut self) {
        let message = format!("unexpected {}", self.describe());
        let span = self.tok().span;
        self.error_at(diag::UNEXPECTED_TOKEN, message, span, None);
        self.bump();
    }

    /// `let`/`const`/`var` and its declarators, without the statement end.
    pub(super) fn var_decl(&mut self, exported: bool, start: u32) -> Stmt {
        let kind = if self.at_word("const") {
            DeclKind::Const
        } else {
            DeclKind::Let
        };
        self.bump();
        let mut decls = Vec::new();
        let mut destructuring = false;
        loop {
            let decl_start = self.start();
            if self.at("{") || self.at("[") {
                self.skip_balanced();
                destructuring = true;
            } else {
                let name = self.name("a variable name");
                if name.name.is_empty() {
                    break;
                }
                self.eat("!");
                let ty = if self.eat(":") { Some(self.ty()) } else { None };
                let init = if self.eat("=") {
                    Some(self.assign())
                } else {
                    None
                };
                decls.push(VarDeclarator {
                    name,
                    ty,
                    init,
                    span: self.span_from(decl_start),
                });
            }
            if destructuring {
                if self.eat(":") {
                    self.ty();
                }
                if self.eat("=") {
                    self.assign();
                }
            }
            if !self.eat(",") {
                break;
            }
        }
        let span = self.span_from(start);
        if destructuring {
            return unsupported("destructuring declaration", span);
        }
        Stmt::VarDecl {
            exported,
            kind,
            decls,
            span,
        }
    }

    /// `( expression )` after `if`, `while`; a missing `(` is reported and the condition still read.
    fn paren_condition(&mut self) -> Expr {
        let open = self.tok().span;
        let has_open = self.expect("(");
        let cond = self.expr_with_comma();
        if has_open {
            self.close_list(")", open, true);
        }
        cond
    }

    fn if_stmt(&mut self) -> Stmt {
        let start = self.start();
        self.bump();
        let cond = self.paren_condition();
        let then = Box::new(self.stmt());
        let other = if self.eat_word("else") {
            Some(Box::new(self.stmt()))
        } else {
            None
        };
        Stmt::If {
            cond,
            then,
            other,
            span: self.span_from(start),
        }
    }

    fn while_stmt(&mut self) -> Stmt {
        let start = self.start();
        self.bump();
        let cond = self.paren_condition();
        let body = Box::new(self.stmt());
        Stmt::While {
            cond,
            body,
            span: self.span_from(start),
        }
    }

    fn do_while_stmt(&mut self) -> Stmt {
        let start = self.start();
        self.bump();
        let body = Box::new(self.stmt());
        let cond = if self.eat_word("while") {
            self.paren_condition()
        } else {
            self.expected(diag::EXPECTED_TOKEN, "`while`");
            Expr::Error(Span::new(self.start(), self.start()))
        };
        // After `do … while (…)` a semicolon is inserted even without a line break.
        self.eat(";");
        Stmt::DoWhile {
            body,
            cond,
            span: self.span_from(start),
        }
    }

    fn for_stmt(&mut self) -> Stmt {
        let start = self.start();
        self.bump();
        self.eat_word("await");
        let open = self.tok().span;
        if !self.at("(") {
            self.expected(diag::EXPECTED_TOKEN, "`(`");
            self.recover_statement();
            return Stmt::Error(self.span_from(start));
        }
        if let Some(what) = self.for_in_of() {
            self.skip_balanced();
            self.stmt();
            return unsupported(what, self.span_from(start));
        }
        self.bump();
        let init = if self.at(";") {
            None
        } else if matches!(self.nth_word(0), Some("let" | "const" | "var")) {
            let init_start = self.start();
            Some(Box::new(self.var_decl(false, init_start)))
        } else {
            Some(Box::new(Stmt::Expr(self.expr_with_comma())))
        };
        self.expect(";");
        let cond = if self.at(";") {
            None
        } else {
            Some(self.expr_with_comma())
        };
        self.expect(";");
        let step = if self.at(")") {
            None
        } else {
            Some(self.expr_with_comma())
        };
        self.close_list(")", open, true);
        let body = Box::new(self.stmt());
        Stmt::For {
            init,
            cond,
            step,
            body,
            span: self.span_from(start),
        }
    }

    /// At the `(` after `for`: which unsupported loop this is if the header has no `;` but an `of`
    /// or `in` at its top level.
    fn for_in_of(&self) -> Option<&'static str> {
        let mut depth = 0i32;
        let mut kind = None;
        for i in 0..MAX_LOOKAHEAD {
            let t = self.nth(i);
            match t.kind {
                TokenKind::Eof => return None,
                TokenKind::Punct("(" | "[" | "{") => depth += 1,
                TokenKind::Punct(")" | "]" | "}") => {
                    depth -= 1;
                    if depth <= 0 {
                        return kind;
                    }
                }
                TokenKind::Punct(";") if depth == 1 => return None,
                TokenKind::Word if depth == 1 && kind.is_none() => match self.text_of(t) {
                    "of" => kind = Some("`for … of` loop"),
                    "in" => kind = Some("`for … in` loop"),
                    _ => {}
                },
                _ => {}
            }
        }
        None
    }

    fn jump_stmt(&mut self, is_break: bool, errors_at_start: usize) -> Stmt {
        let start = self.start();
        self.bump();
        let labeled = self.at_name() && !self.newline_before();
        if labeled {
            self.bump();
        }
        self.end_statement(errors_at_start);
        let span = self.span_from(start);
        match (labeled, is_break) {
            (true, true) => unsupported("labeled `break`", span),
            (true, false) => unsupported("labeled `continue`", span),
            (false, true) => Stmt::Break(span),
            (false, false) => Stmt::Continue(span),
        }
    }

    fn return_stmt(&mut self, errors_at_start: usize) -> Stmt {
        let start = self.start();
        self.bump();
        let ends = self.at(";") || self.at("}") || self.at_eof() || self.newline_before();
        let value = if ends {
            None
        } else {
            Some(self.expr_with_comma())
        };
        self.end_statement(errors_at_start);
        Stmt::Return(value, self.span_from(start))
    }

    fn switch_stmt(&mut self) -> Stmt {
        let start = self.start();
        self.bump();
        if self.at("(") {
            self.skip_balanced();
        } else {
            self.expected(diag::EXPECTED_TOKEN, "`(`");
        }
        if self.at("{") {
            self.skip_balanced();
        } else {
            self.expected(diag::EXPECTED_TOKEN, "`{`");
        }
        unsupported("`switch` statement", self.span_from(start))
    }

    fn try_stmt(&mut self) -> Stmt {
        let start = self.start();
        self.bump();
        if self.at("{") {
            self.skip_balanced();
        } else {
            self.expected(diag::EXPECTED_TOKEN, "`{`");
        }
        while self.eat_word("catch") || self.eat_word("finally") {
            if self.at("(") {
                self.skip_balanced();
            }
            if self.at("{") {
                self.skip_balanced();
            }
        }
        unsupported("`try` statement", self.span_from(start))
    }
}

/// A [`Stmt::Unsupported`] node.
fn unsupported(what: &str, span: Span) -> Stmt {
    Stmt::Unsupported {
        what: what.to_string(),
        span,
    }
}
