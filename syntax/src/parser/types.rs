//! Type annotations: names, `T[]`, `Name<T, …>`, unions, function types, parentheses.

use super::{Parser, is_reserved};
use crate::Span;
use crate::ast::TypeExpr;
use crate::diag;
use crate::lexer::TokenKind;

impl Parser<'_> {
    /// A type, including unions (a leading `|` is allowed).
    pub(super) fn ty(&mut self) -> TypeExpr {
        if !self.enter() {
            return TypeExpr::Error(self.skip_too_deep());
        }
        let t = self.union_type();
        self.leave();
        t
    }

    fn union_type(&mut self) -> TypeExpr {
        let start = self.start();
        self.eat("|");
        let first = self.array_type();
        if !self.at("|") {
            return first;
        }
        let mut members = vec![first];
        while self.eat("|") {
            members.push(self.array_type());
        }
        TypeExpr::Union(members, self.span_from(start))
    }

    /// A primary type followed by any number of `[]` on the same line.
    fn array_type(&mut self) -> TypeExpr {
        let start = self.start();
        let mut t = self.primary_type();
        while self.at("[") && !self.newline_before() && self.nth_at(1, "]") {
            self.bump();
            self.bump();
            t = TypeExpr::Array(Box::new(t), self.span_from(start));
        }
        t
    }

    fn primary_type(&mut self) -> TypeExpr {
        let start = self.start();
        let token_span = self.tok().span;
        match self.tok().kind {
            TokenKind::Word => return self.named_type(),
            TokenKind::Punct("(") if self.is_function_type() => return self.function_type(),
            TokenKind::Punct("(") => {
                self.bump();
                let t = self.ty();
                self.expect_close(")", token_span);
                return t;
            }
            TokenKind::Punct("{") => {
                self.skip_balanced();
                self.unsupported_syntax("object types", self.span_from(start));
            }
            TokenKind::Punct("[") => {
                self.skip_balanced();
                self.unsupported_syntax("tuple types", self.span_from(start));
            }
            TokenKind::Str(_) | TokenKind::Int(_) | TokenKind::Float(_) | TokenKind::Template => {
                self.bump();
                self.unsupported_syntax("literal types", token_span);
            }
            _ => {
                self.expected(diag::EXPECTED_TYPE, "a type");
                return TypeExpr::Error(Span::new(start, start));
            }
        }
        TypeExpr::Error(self.span_from(start))
    }

    /// `name` or `Name<T, …>`.
    fn named_type(&mut self) -> TypeExpr {
        let start = self.start();
        let word = self.nth_word(0).unwrap_or_default();
        if matches!(
            word,
            "typeof" | "keyof" | "infer" | "unique" | "readonly" | "asserts"
        ) && self.nth_word(1).is_some()
        {
            self.bump();
            self.array_type();
            self.unsupported_syntax(&format!("`{word}` types"), self.span_from(start));
            return TypeExpr::Error(self.span_from(start));
        }
        if is_reserved(word) && !matches!(word, "null" | "void" | "this") {
            self.expected(diag::EXPECTED_TYPE, "a type");
            return TypeExpr::Error(Span::new(start, start));
        }
        let name = self.any_word_ident();
        if self.at(".") {
            while self.eat(".") && self.nth_word(0).is_some() {
                self.bump();
            }
            self.unsupported_syntax("qualified type names", self.span_from(start));
            return TypeExpr::Error(self.span_from(start));
        }
        if self.at("<") {
            let args = self.type_arguments();
            return TypeExpr::Generic(name, args, self.span_from(start));
        }
        TypeExpr::Named(name)
    }

    /// At `(`: whether a function type `(a: A) => R` follows rather than a parenthesized type.
    fn is_function_type(&self) -> bool {
        if self.nth_at(1, ")") || self.nth_at(1, "...") {
            return true;
        }
        self.nth_word(1).is_some()
            && (self.nth_at(2, ":")
                || self.nth_at(2, ",")
                || self.nth_at(2, "?")
                || (self.nth_at(2, ")") && self.nth_at(3, "=>")))
    }

    /// `(a: A, b: B) => R`, at the `(`.
    fn function_type(&mut self) -> TypeExpr {
        let start = self.start();
        let params = self.parameters();
        self.expect("=>");
        let ret = self.ty();
        TypeExpr::Function(params, Box::new(ret), self.span_from(start))
    }

    /// `<T, U>` type arguments, at the `<`.
    pub(super) fn type_arguments(&mut self) -> Vec<TypeExpr> {
        let open = self.tok().span;
        self.bump();
        let mut args = Vec::new();
        while !self.at(">") && !self.at_closer() {
            args.push(self.ty());
            if !self.eat(",") {
                break;
            }
        }
        self.expect_close(">", open);
        args
    }

    /// Skips generic type parameters `<T extends U, …>` (reported as unsupported), if present.
    pub(super) fn skip_type_parameters(&mut self) {
        if !self.at("<") {
            return;
        }
        let start = self.start();
        let mut depth = 0usize;
        loop {
            if self.at("<") {
                depth += 1;
            } else if self.at(">") {
                depth -= 1;
            } else if self.at_closer() || self.at("{") || self.at("(") {
                break;
            }
            self.bump();
            if depth == 0 {
                break;
            }
        }
        self.unsupported_syntax("generic type parameters", self.span_from(start));
    }
}
