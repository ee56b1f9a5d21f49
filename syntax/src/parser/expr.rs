//! Expressions, by TypeScript precedence: assignment, conditional, binary operators (precedence
//! climbing), unary, postfix, call/member/index, primary.

use super::{Parser, is_reserved};
use crate::Span;
use crate::ast::{ArrowBody, BinaryOp, Expr, IncDec, Literal, LogicalOp, Param, TypeExpr, UnaryOp};
use crate::diag;
use crate::lexer::TokenKind;

/// What a binary-operator token means.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BinTok {
    Binary(BinaryOp),
    Logical(LogicalOp),
    Nullish,
    In,
    InstanceOf,
    As,
    Satisfies,
}

/// What an assignment-operator token means.
enum AssignTok {
    /// `=` (`None`) or a compound operator.
    Op(Option<BinaryOp>),
    /// `&&=`, `||=`, `??=`.
    Logical,
}

/// The precedence of `**`, the tightest binary operator.
const POW_PREC: u8 = 12;

impl Parser<'_> {
    /// An expression, including the comma operator (which is reported as unsupported).
    pub(super) fn expr_with_comma(&mut self) -> Expr {
        let start = self.start();
        let first = self.assign();
        if !self.at(",") {
            return first;
        }
        while self.eat(",") {
            self.assign();
        }
        unsupported("comma operator", self.span_from(start))
    }

    /// An assignment expression: the usual "one expression" (no comma operator).
    pub(super) fn assign(&mut self) -> Expr {
        if !self.enter() {
            return Expr::Error(self.skip_too_deep());
        }
        let e = self.assign_inner();
        self.leave();
        e
    }

    fn assign_inner(&mut self) -> Expr {
        let start = self.start();
        let target = self.conditional();
        match self.assign_op() {
            Some((op, tokens)) => self.assign_rest(target, op, tokens, start),
            None => target,
        }
    }

    /// The operator and right side of an assignment whose target has been read.
    fn assign_rest(&mut self, target: Expr, op: AssignTok, tokens: usize, start: u32) -> Expr {
        for _ in 0..tokens {
            self.bump();
        }
        let value = self.assign();
        let span = self.span_from(start);
        match op {
            AssignTok::Logical => unsupported("logical assignment operator", span),
            AssignTok::Op(_) if matches!(target, Expr::Array(..)) => {
                unsupported("destructuring assignment", span)
            }
            AssignTok::Op(op) => {
                self.check_target(&target, "the left side of an assignment");
                Expr::Assign(op, Box::new(target), Box::new(value), span)
            }
        }
    }

    /// The assignment operator at the current token and how many tokens it spans.
    fn assign_op(&self) -> Option<(AssignTok, usize)> {
        let TokenKind::Punct(p) = self.tok().kind else {
            return None;
        };
        let op = match p {
            "=" => None,
            "+=" => Some(BinaryOp::Add),
            "-=" => Some(BinaryOp::Sub),
            "*=" => Some(BinaryOp::Mul),
            "/=" => Some(BinaryOp::Div),
            "%=" => Some(BinaryOp::Rem),
            "**=" => Some(BinaryOp::Pow),
            "&=" => Some(BinaryOp::BitAnd),
            "|=" => Some(BinaryOp::BitOr),
            "^=" => Some(BinaryOp::BitXor),
            "<<=" => Some(BinaryOp::Shl),
            "&&=" | "||=" | "??=" => return Some((AssignTok::Logical, 1)),
            ">" => {
                return match self.gt_operator() {
                    (">>=", n) => Some((AssignTok::Op(Some(BinaryOp::Shr)), n)),
                    (">>>=", n) => Some((AssignTok::Op(Some(BinaryOp::UShr)), n)),
                    _ => None,
                };
            }
            _ => return None,
        };
        Some((AssignTok::Op(op), 1))
    }

    /// At a `>` token: the operator formed with the `>` and `=` tokens glued to it (`>`, `>=`,
    /// `>>`, `>>=`, `>>>`, `>>>=`) and how many tokens that is.
    fn gt_operator(&self) -> (&'static str, usize) {
        let mut n = 1;
        while n < 3 && self.nth_at(n, ">") && self.nth_glued(n) {
            n += 1;
        }
        let eq = self.nth_at(n, "=") && self.nth_glued(n);
        match (n, eq) {
            (1, false) => (">", 1),
            (1, true) => (">=", 2),
            (2, false) => (">>", 2),
            (2, true) => (">>=", 3),
            (3, false) => (">>>", 3),
            _ => (">>>=", 4),
        }
    }

    /// Reports an error unless `target` can be assigned to.
    fn check_target(&mut self, target: &Expr, what: &str) {
        if matches!(
            target,
            Expr::Ident(_)
                | Expr::Member(..)
                | Expr::Index(..)
                | Expr::Error(_)
                | Expr::Unsupported { .. }
        ) {
            return;
        }
        let message = format!("{what} must be a variable, a property or an array element");
        self.error_at(diag::INVALID_ASSIGN_TARGET, message, target.span(), None);
    }

    fn conditional(&mut self) -> Expr {
        let start = self.start();
        let cond = self.binary(0);
        if self.at("?") {
            self.conditional_rest(cond, start)
        } else {
            cond
        }
    }

    /// `? then : else` after the condition.
    fn conditional_rest(&mut self, cond: Expr, start: u32) -> Expr {
        self.bump();
        let then = self.assign();
        self.expect(":");
        let other = self.assign();
        Expr::Conditional(
            Box::new(cond),
            Box::new(then),
            Box::new(other),
            self.span_from(start),
        )
    }

    /// The binary operator at the current token: its meaning, precedence and token count.
    fn binary_op(&self) -> Option<(BinTok, u8, usize)> {
        use BinaryOp::*;
        let t = self.tok();
        let (op, prec, n) = match t.kind {
            TokenKind::Punct(p) => match p {
                "??" => (BinTok::Nullish, 1, 1),
                "||" => (BinTok::Logical(LogicalOp::Or), 2, 1),
                "&&" => (BinTok::Logical(LogicalOp::And), 3, 1),
                "|" => (BinTok::Binary(BitOr), 4, 1),
                "^" => (BinTok::Binary(BitXor), 5, 1),
                "&" => (BinTok::Binary(BitAnd), 6, 1),
                "==" => (BinTok::Binary(Eq), 7, 1),
                "!=" => (BinTok::Binary(Ne), 7, 1),
                "===" => (BinTok::Binary(StrictEq), 7, 1),
                "!==" => (BinTok::Binary(StrictNe), 7, 1),
                "<" => (BinTok::Binary(Lt), 8, 1),
                "<=" => (BinTok::Binary(Le), 8, 1),
                ">" => match self.gt_operator() {
                    (">", n) => (BinTok::Binary(Gt), 8, n),
                    (">=", n) => (BinTok::Binary(Ge), 8, n),
                    (">>", n) => (BinTok::Binary(Shr), 9, n),
                    (">>>", n) => (BinTok::Binary(UShr), 9, n),
                    _ => return None,
                },
                "<<" => (BinTok::Binary(Shl), 9, 1),
                "+" => (BinTok::Binary(Add), 10, 1),
                "-" => (BinTok::Binary(Sub), 10, 1),
                "*" => (BinTok::Binary(Mul), 11, 1),
                "/" => (BinTok::Binary(Div), 11, 1),
                "%" => (BinTok::Binary(Rem), 11, 1),
                "**" => (BinTok::Binary(Pow), POW_PREC, 1),
                _ => return None,
            },
            TokenKind::Word => match self.text_of(t) {
                "instanceof" => (BinTok::InstanceOf, 8, 1),
                "in" => (BinTok::In, 8, 1),
                "as" if !t.newline_before => (BinTok::As, 8, 1),
                "satisfies" if !t.newline_before => (BinTok::Satisfies, 8, 1),
                _ => return None,
            },
            _ => return None,
        };
        Some((op, prec, n))
    }

    /// Binary operators of precedence `min` or tighter.
    fn binary(&mut self, min: u8) -> Expr {
        if !self.enter() {
            return Expr::Error(self.skip_too_deep());
        }
        let e = self.binary_inner(min);
        self.leave();
        e
    }

    fn binary_inner(&mut self, min: u8) -> Expr {
        let start = self.start();
        let mut left = self.unary();
        while let Some((op, prec, tokens)) = self.binary_op() {
            if prec < min {
                break;
            }
            left = self.binary_rest(left, op, prec, tokens, start);
        }
        left
    }

    /// One binary operator and its right operand, after the left operand `left`.
    fn binary_rest(&mut self, left: Expr, op: BinTok, prec: u8, tokens: usize, start: u32) -> Expr {
        match op {
            BinTok::As | BinTok::Satisfies => {
                self.bump();
                let ty = self.ty();
                if op == BinTok::Satisfies {
                    return left;
                }
                return Expr::As(Box::new(left), ty, self.span_from(start));
            }
            BinTok::InstanceOf => {
                self.bump();
                return self.instanceof_rest(left, start, prec);
            }
            _ => {}
        }
        let pow = op == BinTok::Binary(BinaryOp::Pow);
        if pow {
            self.check_unary_pow(&left, start);
        }
        for _ in 0..tokens {
            self.bump();
        }
        let right = self.binary(if pow { prec } else { prec + 1 });
        let span = self.span_from(start);
        let (l, r) = (Box::new(left), Box::new(right));
        match op {
            BinTok::Binary(b) => Expr::Binary(b, l, r, span),
            BinTok::Logical(o) => Expr::Logical(o, l, r, span),
            BinTok::Nullish => unsupported("nullish coalescing operator `??`", span),
            _ => unsupported("`in` operator", span),
        }
    }

    /// `x instanceof C` after the `instanceof`.
    fn instanceof_rest(&mut self, left: Expr, start: u32, prec: u8) -> Expr {
        if self.at_name() && !self.nth_at(1, ".") {
            let class = self.any_word_ident();
            return Expr::InstanceOf(Box::new(left), class, self.span_from(start));
        }
        self.expected(diag::EXPECTED_NAME, "a class name after `instanceof`");
        self.binary(prec + 1);
        Expr::Error(self.span_from(start))
    }

    /// `-x ** y` is a syntax error in TypeScript: the unary operator needs parentheses.
    fn check_unary_pow(&mut self, left: &Expr, start: u32) {
        let at = (start - self.base) as usize;
        let parenthesized = self.text.as_bytes().get(at) == Some(&b'(');
        if matches!(left, Expr::Unary(..)) && !parenthesized {
            let span = self.tok().span;
            self.error_at(
                diag::AMBIGUOUS_UNARY_POW,
                "a unary operator cannot be applied directly to the left side of `**`".into(),
                span,
                Some("add parentheses: `(-x) ** y` or `-(x ** y)`".into()),
            );
        }
    }

    fn unary(&mut self) -> Expr {
        if !self.enter() {
            return Expr::Error(self.skip_too_deep());
        }
        let e = self.unary_inner();
        self.leave();
        e
    }

    fn unary_inner(&mut self) -> Expr {
        let t = self.tok();
        let op = match t.kind {
            TokenKind::Punct("-") => Some(UnaryOp::Neg),
            TokenKind::Punct("+") => Some(UnaryOp::Plus),
            TokenKind::Punct("!") => Some(UnaryOp::Not),
            TokenKind::Punct("~") => Some(UnaryOp::BitNot),
            TokenKind::Word if self.text_of(t) == "typeof" => Some(UnaryOp::TypeOf),
            _ => None,
        };
        if let Some(op) = op {
            return self.prefix_unary(op);
        }
        if let Some(op) = self.inc_dec() {
            return self.prefix_update(op);
        }
        if let Some(word @ ("delete" | "void" | "await")) = self.nth_word(0) {
            return self.unsupported_unary(word);
        }
        self.postfix()
    }

    fn prefix_unary(&mut self, op: UnaryOp) -> Expr {
        let start = self.start();
        self.bump();
        let operand = self.unary();
        Expr::Unary(op, Box::new(operand), self.span_from(start))
    }

    fn prefix_update(&mut self, op: IncDec) -> Expr {
        let start = self.start();
        self.bump();
        let target = self.unary();
        let what = if op == IncDec::Inc {
            "the operand of `++`"
        } else {
            "the operand of `--`"
        };
        self.check_target(&target, what);
        Expr::Update {
            op,
            prefix: true,
            target: Box::new(target),
            span: self.span_from(start),
        }
    }

    fn unsupported_unary(&mut self, word: &str) -> Expr {
        let start = self.start();
        self.bump();
        self.unary();
        unsupported(&format!("`{word}` operator"), self.span_from(start))
    }

    fn inc_dec(&self) -> Option<IncDec> {
        if self.at("++") {
            Some(IncDec::Inc)
        } else if self.at("--") {
            Some(IncDec::Dec)
        } else {
            None
        }
    }

    /// A call/member expression followed by `++`/`--` on the same line.
    fn postfix(&mut self) -> Expr {
        let start = self.start();
        let e = self.call_member();
        match self.inc_dec() {
            Some(op) if !self.newline_before() => self.postfix_update(e, op, start),
            _ => e,
        }
    }

    fn postfix_update(&mut self, e: Expr, op: IncDec, start: u32) -> Expr {
        self.bump();
        let what = if op == IncDec::Inc {
            "the operand of `++`"
        } else {
            "the operand of `--`"
        };
        self.check_target(&e, what);
        Expr::Update {
            op,
            prefix: false,
            target: Box::new(e),
            span: self.span_from(start),
        }
    }

    /// A primary expression followed by any number of `.name`, `[index]`, `(args)`.
    fn call_member(&mut self) -> Expr {
        let start = self.start();
        let mut e = if self.at_word("new") {
            self.new_expr()
        } else {
            self.primary()
        };
        loop {
            let t = self.tok();
            e = match t.kind {
                TokenKind::Punct(".") => self.member(e, start),
                TokenKind::Punct("?.") => self.optional_chain(start),
                TokenKind::Punct("(") => self.call(e, start),
                TokenKind::Punct("[") => self.index(e, start),
                TokenKind::Punct("!") if !t.newline_before => {
                    self.bump();
                    unsupported("non-null assertion `!`", self.span_from(start))
                }
                TokenKind::Template => self.tagged_template(&e, start),
                _ => return e,
            };
        }
    }

    /// `.name` after `object`; an error node when the name is missing.
    fn member(&mut self, object: Expr, start: u32) -> Expr {
        self.bump();
        if self.nth_word(0).is_none() {
            self.expected(diag::EXPECTED_NAME, "a property name after `.`");
            return Expr::Error(self.span_from(start));
        }
        let name = self.any_word_ident();
        Expr::Member(Box::new(object), name, self.span_from(start))
    }

    fn optional_chain(&mut self, start: u32) -> Expr {
        self.bump();
        if self.at("(") || self.at("[") {
            self.skip_balanced();
        } else if self.nth_word(0).is_some() {
            self.bump();
        } else {
            self.expected(diag::EXPECTED_NAME, "a property name after `?.`");
        }
        unsupported("optional chaining `?.`", self.span_from(start))
    }

    fn call(&mut self, callee: Expr, start: u32) -> Expr {
        let args = self.arguments();
        Expr::Call(Box::new(callee), args, self.span_from(start))
    }

    fn index(&mut self, object: Expr, start: u32) -> Expr {
        let open = self.tok().span;
        self.bump();
        let index = self.expr_with_comma();
        self.close_list("]", open, false);
        Expr::Index(Box::new(object), Box::new(index), self.span_from(start))
    }

    fn tagged_template(&mut self, tag: &Expr, start: u32) -> Expr {
        self.bump();
        let inline_c = matches!(tag, Expr::Ident(id) if id.name == "code");
        unsupported(
            if inline_c {
                "inline C code"
            } else {
                "tagged template"
            },
            self.span_from(start),
        )
    }

    /// `(a, b, …)`, at the `(`.
    fn arguments(&mut self) -> Vec<Expr> {
        let open = self.tok().span;
        self.bump();
        let mut args = Vec::new();
        while !self.at(")") && !self.at_eof() {
            args.push(self.assign());
            if !self.eat(",") {
                break;
            }
        }
        self.close_list(")", open, false);
        args
    }

    /// `new Name<T>(args)`, at the `new`.
    fn new_expr(&mut self) -> Expr {
        let start = self.start();
        self.bump();
        if self.eat(".") {
            if self.nth_word(0).is_some() {
                self.bump();
            }
            return unsupported("`new.target`", self.span_from(start));
        }
        if !self.at_name() {
            self.expected(diag::EXPECTED_NAME, "a class name after `new`");
            return Expr::Error(self.span_from(start));
        }
        let class = self.any_word_ident();
        let qualified = self.at(".");
        while self.eat(".") {
            if self.nth_word(0).is_some() {
                self.bump();
            }
        }
        let type_args = if self.at("<") {
            self.type_arguments()
        } else {
            Vec::new()
        };
        let args = if self.at("(") {
            self.arguments()
        } else {
            Vec::new()
        };
        let span = self.span_from(start);
        if qualified {
            return unsupported("`new` with a qualified class name", span);
        }
        Expr::New {
            class,
            type_args,
            args,
            span,
        }
    }

    fn primary(&mut self) -> Expr {
        let start = self.start();
        let t = self.tok();
        let token_span = t.span;
        let lit = match &t.kind {
            TokenKind::Int(v) => Literal::Int(*v),
            TokenKind::Float(bits) => Literal::Float(*bits),
            TokenKind::Str(s) => Literal::Str(s.clone()),
            TokenKind::Template => {
                self.bump();
                return unsupported("template literal", token_span);
            }
            TokenKind::Punct("(") => return self.paren_or_arrow(),
            TokenKind::Punct("[") => return self.array(),
            TokenKind::Punct("{") => {
                self.skip_balanced();
                return unsupported("object literal", self.span_from(start));
            }
            TokenKind::Punct("...") => {
                self.bump();
                self.assign();
                return unsupported("spread `...`", self.span_from(start));
            }
            TokenKind::Word => return self.word_primary(),
            TokenKind::Punct("/" | "/=") => {
                let message = format!("expected an expression but found {}", self.describe());
                let hint = Some("regular expressions are not supported".to_string());
                self.error_at(diag::EXPECTED_EXPR, message, token_span, hint);
                return Expr::Error(Span::new(start, start));
            }
            _ => {
                self.expected(diag::EXPECTED_EXPR, "an expression");
                return Expr::Error(Span::new(start, start));
            }
        };
        self.bump();
        Expr::Lit(lit, token_span)
    }

    /// A primary expression that starts with a word.
    fn word_primary(&mut self) -> Expr {
        let start = self.start();
        let span = self.tok().span;
        let word = self.nth_word(0).unwrap_or_default();
        let lit = match word {
            "true" => Literal::Bool(true),
            "false" => Literal::Bool(false),
            "null" => Literal::Null,
            "undefined" => Literal::Undefined,
            "this" => {
                self.bump();
                return Expr::This(span);
            }
            "super" => {
                self.bump();
                return Expr::Super(span);
            }
            "function" => return self.skip_function_expr(),
            "class" => {
                self.bump();
                while !self.at("{") && !self.at_closer() {
                    self.bump();
                }
                self.skip_balanced();
                return unsupported("`class` expression", self.span_from(start));
            }
            "import" => {
                self.bump();
                if self.at("(") {
                    self.skip_balanced();
                }
                return unsupported("dynamic `import`", self.span_from(start));
            }
            _ if is_reserved(word) => {
                self.expected(diag::EXPECTED_EXPR, "an expression");
                return Expr::Error(Span::new(start, start));
            }
            _ => {
                if self.nth_at(1, "=>") && !self.nth(1).newline_before {
                    return self.single_param_arrow();
                }
                return Expr::Ident(self.any_word_ident());
            }
        };
        self.bump();
        Expr::Lit(lit, span)
    }

    /// `function name(…) { … }` in expression position, skipped as unsupported.
    fn skip_function_expr(&mut self) -> Expr {
        let start = self.start();
        self.bump();
        self.eat("*");
        if self.nth_word(0).is_some() {
            self.bump();
        }
        if self.at("(") {
            self.skip_balanced();
        }
        if self.eat(":") {
            self.ty();
        }
        if self.at("{") {
            self.skip_balanced();
        } else {
            self.expected(diag::EXPECTED_TOKEN, "`{`");
        }
        unsupported("`function` expression", self.span_from(start))
    }

    /// `[a, b, c,]`, at the `[`.
    fn array(&mut self) -> Expr {
        let start = self.start();
        let open = self.tok().span;
        self.bump();
        let mut elements = Vec::new();
        while !self.at("]") && !self.at_eof() {
            if self.at(",") {
                self.expected(diag::EXPECTED_EXPR, "an array element");
                self.bump();
                continue;
            }
            elements.push(self.assign());
            if !self.eat(",") {
                break;
            }
        }
        self.close_list("]", open, false);
        Expr::Array(elements, self.span_from(start))
    }

    /// `(…)`: an arrow function if what follows the parentheses is `=>` (tried by backtracking),
    /// otherwise a parenthesized expression.
    fn paren_or_arrow(&mut self) -> Expr {
        if let Some(arrow) = self.try_arrow() {
            return arrow;
        }
        let start = self.start();
        let open = self.tok().span;
        self.bump();
        if self.at(")") {
            self.expected(diag::EXPECTED_EXPR, "an expression");
            self.bump();
            return Expr::Error(self.span_from(start));
        }
        let inner = self.expr_with_comma();
        self.close_list(")", open, false);
        inner
    }

    /// Parses `(params): R =>` and the body if that is what follows; otherwise backtracks.
    fn try_arrow(&mut self) -> Option<Expr> {
        let cp = self.checkpoint();
        let start = self.start();
        self.speculating += 1;
        let head = self.arrow_head();
        self.speculating -= 1;
        match head {
            Some((params, ret)) if self.errors.len() == cp.errors => {
                self.bump();
                let body = self.arrow_body();
                Some(Expr::Arrow {
                    params,
                    ret,
                    body,
                    span: self.span_from(start),
                })
            }
            _ => {
                self.restore(cp);
                None
            }
        }
    }

    /// `(a: A, b): R` up to the `=>` (not consumed), or `None` if this is not an arrow head.
    fn arrow_head(&mut self) -> Option<(Vec<Param>, Option<TypeExpr>)> {
        self.bump();
        let mut params = Vec::new();
        while !self.at(")") {
            if !self.at_name() {
                return None;
            }
            let start = self.start();
            let name = self.any_word_ident();
            let ty = if self.eat(":") { Some(self.ty()) } else { None };
            params.push(Param {
                name,
                ty,
                span: self.span_from(start),
            });
            if !self.eat(",") {
                break;
            }
        }
        if !self.eat(")") {
            return None;
        }
        let ret = if self.eat(":") { Some(self.ty()) } else { None };
        (self.at("=>") && !self.newline_before()).then_some((params, ret))
    }

    /// `x => body`, at the `x`.
    fn single_param_arrow(&mut self) -> Expr {
        let start = self.start();
        let name = self.any_word_ident();
        let param = Param {
            span: name.span,
            name,
            ty: None,
        };
        self.bump();
        let body = self.arrow_body();
        Expr::Arrow {
            params: vec![param],
            ret: None,
            body,
            span: self.span_from(start),
        }
    }

    /// After `=>`: a block or an expression.
    fn arrow_body(&mut self) -> ArrowBody {
        if self.at("{") {
            ArrowBody::Block(self.block())
        } else {
            ArrowBody::Expr(Box::new(self.assign()))
        }
    }
}

/// An [`Expr::Unsupported`] node.
fn unsupported(what: &str, span: Span) -> Expr {
    Expr::Unsupported {
        what: what.to_string(),
        span,
    }
}
