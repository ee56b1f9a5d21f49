//! Top-level items: functions, classes, enums, imports, type aliases, `export`, and the
//! TypeScript declarations that are recognized only to be reported (`interface`, `declare`, …).

use super::{Parser, STMT_WEIGHT};
use crate::Span;
use crate::ast::{
    Block, ClassDecl, ClassMember, EnumDecl, EnumMember, FunctionDecl, Ident, ImportDecl,
    ImportName, Item, Param, SourceFile, Stmt, TypeAliasDecl,
};
use crate::lexer::TokenKind;
use crate::{depth, diag};

/// Words that may precede a declaration after `export`.
const EXPORTABLE: &[&str] = &[
    "let",
    "const",
    "var",
    "function",
    "class",
    "enum",
    "type",
    "interface",
    "declare",
    "abstract",
    "async",
    "namespace",
];

/// Class member modifiers; only `static` has a meaning, the access modifiers are ignored, the
/// rest are reported.
const MEMBER_MODIFIERS: &[&str] = &[
    "static",
    "public",
    "private",
    "protected",
    "readonly",
    "override",
    "declare",
    "abstract",
    "async",
    "get",
    "set",
];

impl Parser<'_> {
    /// The whole file.
    pub(super) fn source_file(&mut self) -> SourceFile {
        let mut items = Vec::new();
        while !self.at_eof() {
            if self.at("}") || self.at(")") || self.at("]") {
                self.error_stray_closer();
                self.bump();
                continue;
            }
            let before = self.pos;
            let item = self.item(true);
            items.push(self.bound_depth(item));
            if self.pos == before {
                self.unexpected_token();
            }
        }
        SourceFile { items }
    }

    /// Replaces an item nested deeper than [`depth::MAX_TREE_DEPTH`] by an error node.
    fn bound_depth(&mut self, item: Item) -> Item {
        if !depth::too_deep(&item) {
            return item;
        }
        let span = item.span();
        if !self.errors.contains_since(diag::TOO_DEEP, span.start) {
            let message = format!(
                "this is nested more than {} levels deep",
                depth::MAX_TREE_DEPTH
            );
            let hint = Some("split the expression or statement into smaller parts".to_string());
            self.error_at(
                diag::TOO_DEEP,
                message,
                Span::new(span.start, span.start),
                hint,
            );
        }
        depth::dismantle(item);
        Item::Stmt(Stmt::Error(span))
    }

    /// A declaration or statement; `top` says whether it is at the top level of the file.
    pub(super) fn item(&mut self, top: bool) -> Item {
        if !self.enter_weighted(STMT_WEIGHT) {
            let span = self.skip_too_deep();
            return Item::Stmt(Stmt::Error(span));
        }
        let item = self.item_inner(top);
        self.leave_weighted(STMT_WEIGHT);
        item
    }

    fn item_inner(&mut self, top: bool) -> Item {
        let start = self.start();
        let errors = self.errors.len();
        let mut exported = false;
        if self.at_word("export") {
            if !top {
                let span = self.tok().span;
                let message = "`export` is only allowed at the top level of a file".to_string();
                self.error_at(
                    diag::MISPLACED_EXPORT,
                    message,
                    span,
                    Some("remove `export`".into()),
                );
            }
            if !self.nth_word(1).is_some_and(|w| EXPORTABLE.contains(&w)) {
                self.bump();
                let what = match self.nth_word(0) {
                    Some("default") => "`export default`",
                    _ if self.at("*") => "`export *`",
                    _ => "`export { … }` list",
                };
                self.recover_statement();
                return Item::Stmt(Stmt::Unsupported {
                    what: what.into(),
                    span: self.span_from(start),
                });
            }
            self.bump();
            exported = true;
        }
        let next_on_same_line = !self.nth(1).newline_before;
        match (self.nth_word(0), self.nth_word(1)) {
            (Some("function"), _) => return Item::Function(self.function_decl(exported, start)),
            (Some("class"), _) => return Item::Class(self.class_decl(exported, start)),
            (Some("enum"), _) => return Item::Enum(self.enum_decl(exported, start)),
            (Some("const"), Some("enum")) => {
                self.bump();
                return Item::Enum(self.enum_decl(exported, start));
            }
            (Some("import"), _) if !self.nth_at(1, "(") && !self.nth_at(1, ".") => {
                return self.import_decl(start, errors);
            }
            (Some("type"), Some(_)) if next_on_same_line => {
                return Item::TypeAlias(self.type_alias(exported, start, errors));
            }
            (Some(word @ ("interface" | "declare" | "namespace" | "module")), Some(_))
                if next_on_same_line =>
            {
                let what = match word {
                    "interface" => "`interface` declaration",
                    "declare" => "`declare` declaration",
                    _ => "`namespace` declaration",
                };
                return self.skip_declaration(what, start);
            }
            (Some("abstract"), Some("class")) if next_on_same_line => {
                return self.skip_declaration("abstract class", start);
            }
            (Some("async"), Some("function")) if next_on_same_line => {
                return self.skip_declaration("`async` function", start);
            }
            _ => {}
        }
        Item::Stmt(self.statement(exported, start, errors))
    }

    /// Skips a declaration the language does not support, up to its `{ … }` body or the end of
    /// the statement, and returns it as [`Stmt::Unsupported`].
    fn skip_declaration(&mut self, what: &str, start: u32) -> Item {
        let mut first = true;
        loop {
            if self.at_eof() || self.at("}") || (!first && self.newline_before() && !self.at("{")) {
                break;
            }
            if self.eat(";") {
                break;
            }
            if self.at("{") {
                self.skip_balanced();
                break;
            }
            if self.at("(") || self.at("[") {
                self.skip_balanced();
            } else {
                self.bump();
            }
            first = false;
        }
        Item::Stmt(Stmt::Unsupported {
            what: what.into(),
            span: self.span_from(start),
        })
    }

    fn function_decl(&mut self, exported: bool, start: u32) -> FunctionDecl {
        self.bump();
        if self.at("*") {
            let span = self.tok().span;
            self.bump();
            self.unsupported_syntax("generator functions", span);
        }
        let name = self.name("a function name");
        self.skip_type_parameters();
        let params = self.parameters();
        let ret = if self.eat(":") { Some(self.ty()) } else { None };
        let body = self.body("a function body");
        FunctionDecl {
            exported,
            name,
            params,
            ret,
            body,
            span: self.span_from(start),
        }
    }

    /// A function or method body; a missing one (an overload signature) is reported.
    fn body(&mut self, what: &str) -> Block {
        if self.at("{") {
            return self.block();
        }
        self.expected(diag::EXPECTED_TOKEN, &format!("`{{` and {what}"));
        let start = self.start();
        Block {
            stmts: Vec::new(),
            span: Span::new(start, start),
        }
    }

    /// `(a: A, b, …)` parameters of a function, method, constructor or function type.
    pub(super) fn parameters(&mut self) -> Vec<Param> {
        let open = self.tok().span;
        if !self.expect("(") {
            return Vec::new();
        }
        let mut params = Vec::new();
        while !self.at(")") && !self.at_eof() {
            if let Some(p) = self.parameter() {
                params.push(p);
            }
            if !self.eat(",") {
                break;
            }
        }
        self.close_list(")", open, true);
        params
    }

    fn parameter(&mut self) -> Option<Param> {
        let start = self.start();
        while self.nth_word(0).is_some_and(|w| {
            matches!(
                w,
                "public" | "private" | "protected" | "readonly" | "override"
            )
        }) && self.nth_word(1).is_some()
        {
            self.bump();
            self.unsupported_syntax("parameter properties", self.span_from(start));
        }
        if self.at("...") {
            let span = self.tok().span;
            self.bump();
            self.unsupported_syntax("rest parameters", span);
        }
        if self.at("{") || self.at("[") {
            self.skip_balanced();
            self.unsupported_syntax("destructuring parameters", self.span_from(start));
            if self.eat(":") {
                self.ty();
            }
            return None;
        }
        let name = self.name("a parameter name");
        if name.name.is_empty() {
            return None;
        }
        if self.at("?") {
            let span = self.tok().span;
            self.bump();
            self.unsupported_syntax("optional parameters", span);
        }
        let ty = if self.eat(":") { Some(self.ty()) } else { None };
        if self.at("=") {
            let value_start = self.start();
            self.bump();
            self.assign();
            self.unsupported_syntax("default parameter values", self.span_from(value_start));
        }
        Some(Param {
            name,
            ty,
            span: self.span_from(start),
        })
    }

    fn class_decl(&mut self, exported: bool, start: u32) -> ClassDecl {
        self.bump();
        let name = self.name("a class name");
        self.skip_type_parameters();
        let mut extends = None;
        if self.eat_word("extends") {
            let base = self.name("a base class name");
            if self.at("<") {
                let args_start = self.start();
                self.type_arguments();
                self.unsupported_syntax("generic base classes", self.span_from(args_start));
            }
            extends = (!base.name.is_empty()).then_some(base);
        }
        if self.eat_word("implements") {
            loop {
                self.name("an interface name");
                if self.at("<") {
                    self.type_arguments();
                }
                if !self.eat(",") {
                    break;
                }
            }
        }
        let members = self.class_body();
        ClassDecl {
            exported,
            name,
            extends,
            members,
            span: self.span_from(start),
        }
    }

    fn class_body(&mut self) -> Vec<ClassMember> {
        let open = self.tok().span;
        if !self.expect("{") {
            return Vec::new();
        }
        let mut members = Vec::new();
        while !self.at("}") && !self.at_eof() && !self.at_declaration_after_class() {
            if self.eat(";") {
                continue;
            }
            let before = self.pos;
            if let Some(member) = self.class_member() {
                members.push(member);
            }
            if self.pos == before {
                self.unexpected_token();
            }
        }
        self.expect_close("}", open);
        members
    }

    /// Whether a top-level declaration starts a line inside a class body, which means that the
    /// class lacks its closing `}` (a member with such a name would be followed by `(` or `:`).
    fn at_declaration_after_class(&self) -> bool {
        const DECLARATIONS: &[&str] = &[
            "function",
            "class",
            "enum",
            "import",
            "export",
            "let",
            "const",
            "var",
            "interface",
        ];
        self.newline_before()
            && self.nth_word(0).is_some_and(|w| DECLARATIONS.contains(&w))
            && (self.nth_word(1).is_some() || self.nth_at(1, "{"))
    }

    /// Whether the `n`th token ahead can start a member name (so a word before it is a modifier).
    fn member_name_at(&self, n: usize) -> bool {
        let t = self.nth(n);
        matches!(
            t.kind,
            TokenKind::Word | TokenKind::Str(_) | TokenKind::Int(_) | TokenKind::Punct("[" | "*")
        )
    }

    fn class_member(&mut self) -> Option<ClassMember> {
        let start = self.start();
        let errors = self.errors.len();
        let mut is_static = false;
        while let Some(modifier) = self.nth_word(0).filter(|w| MEMBER_MODIFIERS.contains(w)) {
            if !self.member_name_at(1) {
                break;
            }
            match modifier {
                "static" => is_static = true,
                "get" | "set" => {
                    self.unsupported_syntax("`get` and `set` accessors", self.tok().span)
                }
                "async" | "abstract" | "declare" => {
                    self.unsupported_syntax(&format!("`{modifier}` class members"), self.tok().span)
                }
                _ => {}
            }
            self.bump();
        }
        if self.at("*") {
            self.unsupported_syntax("generator methods", self.tok().span);
            self.bump();
        }
        if self.nth_word(0).is_none() {
            if self.at("[") || matches!(self.tok().kind, TokenKind::Str(_) | TokenKind::Int(_)) {
                let span = self.tok().span;
                self.unsupported_syntax("computed or quoted member names", span);
            } else {
                self.expected(diag::EXPECTED_NAME, "a class member");
            }
            self.recover_member();
            return None;
        }
        let name = self.any_word_ident();
        if name.name == "constructor" && self.at("(") && !is_static {
            let params = self.parameters();
            if self.eat(":") {
                let ty_start = self.start();
                self.ty();
                self.unsupported_syntax("constructor return types", self.span_from(ty_start));
            }
            let body = self.body("a constructor body");
            return Some(ClassMember::Constructor {
                params,
                body,
                span: self.span_from(start),
            });
        }
        self.skip_type_parameters();
        if self.at("(") {
            let params = self.parameters();
            let ret = if self.eat(":") { Some(self.ty()) } else { None };
            let body = self.body("a method body");
            return Some(ClassMember::Method {
                is_static,
                name,
                params,
                ret,
                body,
                span: self.span_from(start),
            });
        }
        Some(self.field(is_static, name, start, errors))
    }

    /// A property declaration after its name.
    fn field(&mut self, is_static: bool, name: Ident, start: u32, errors: usize) -> ClassMember {
        if self.at("?") {
            self.unsupported_syntax("optional properties", self.tok().span);
            self.bump();
        } else {
            self.eat("!");
        }
        let ty = if self.eat(":") { Some(self.ty()) } else { None };
        let init = if self.eat("=") {
            Some(self.assign())
        } else {
            None
        };
        let span = self.span_from(start);
        if !(self.eat(";") || self.at("}") || self.at_eof() || self.newline_before()) {
            if self.errors.len() == errors {
                self.expected(
                    diag::EXPECTED_TOKEN,
                    "`;` or a line break after the property",
                );
            }
            self.recover_member();
        }
        ClassMember::Field {
            is_static,
            name,
            ty,
            init,
            span,
        }
    }

    /// Skips the rest of a class member that could not be read.
    fn recover_member(&mut self) {
        let mut first = true;
        while !self.at_eof() && !self.at("}") && (first || !self.newline_before()) {
            if self.eat(";") {
                return;
            }
            if self.at("{") || self.at("(") || self.at("[") {
                self.skip_balanced();
            } else {
                self.bump();
            }
            first = false;
        }
    }

    fn enum_decl(&mut self, exported: bool, start: u32) -> EnumDecl {
        self.bump();
        let name = self.name("an enum name");
        let mut members = Vec::new();
        let open = self.tok().span;
        if self.expect("{") {
            while !self.at("}") && !self.at_eof() {
                let member_start = self.start();
                let member_name = match &self.tok().kind {
                    TokenKind::Word => self.any_word_ident(),
                    TokenKind::Str(s) => {
                        let ident = Ident {
                            name: String::from_utf8_lossy(s).into_owned(),
                            span: self.tok().span,
                        };
                        self.bump();
                        ident
                    }
                    _ => {
                        self.expected(diag::EXPECTED_NAME, "an enum member name");
                        break;
                    }
                };
                let value = if self.eat("=") {
                    Some(self.assign())
                } else {
                    None
                };
                members.push(EnumMember {
                    name: member_name,
                    value,
                    span: self.span_from(member_start),
                });
                if !self.eat(",") {
                    break;
                }
            }
            self.close_list("}", open, false);
        }
        EnumDecl {
            exported,
            name,
            members,
            span: self.span_from(start),
        }
    }

    fn import_decl(&mut self, start: u32, errors: usize) -> Item {
        self.bump();
        let type_only = self.at_word("type") && (self.nth_at(1, "{") || self.nth_at(1, "*"));
        if type_only {
            self.bump();
        }
        let mut names = Vec::new();
        match self.tok().kind {
            TokenKind::Punct("{") => {
                names = self.import_names();
                if !self.eat_word("from") {
                    self.expected(diag::EXPECTED_TOKEN, "`from`");
                }
            }
            TokenKind::Str(_) => {}
            TokenKind::Punct("*") | TokenKind::Word => {
                let what = if self.at("*") {
                    "namespace import `* as`"
                } else {
                    "default import"
                };
                self.recover_statement();
                return Item::Stmt(Stmt::Unsupported {
                    what: what.into(),
                    span: self.span_from(start),
                });
            }
            _ => self.expected(diag::EXPECTED_TOKEN, "`{`"),
        }
        let (from, from_span) = match &self.tok().kind {
            TokenKind::Str(s) => {
                let path = String::from_utf8_lossy(s).into_owned();
                let span = self.tok().span;
                self.bump();
                (path, span)
            }
            _ => {
                if self.errors.len() == errors {
                    self.expected(diag::EXPECTED_TOKEN, "a module path string");
                }
                (String::new(), Span::new(self.start(), self.start()))
            }
        };
        self.end_statement(errors);
        Item::Import(ImportDecl {
            type_only,
            names,
            from,
            from_span,
            span: self.span_from(start),
        })
    }

    /// `{ a, type b, c as d }`, at the `{`.
    fn import_names(&mut self) -> Vec<ImportName> {
        let open = self.tok().span;
        self.bump();
        let mut names = Vec::new();
        while !self.at("}") && !self.at_eof() {
            if self.at_word("type") && self.nth_word(1).is_some_and(|w| w != "as") {
                self.bump();
            }
            if self.nth_word(0).is_none() {
                self.expected(diag::EXPECTED_NAME, "an imported name");
                break;
            }
            let name = self.any_word_ident();
            let alias = if self.eat_word("as") {
                Some(self.name("a local name"))
            } else {
                None
            };
            names.push(ImportName { name, alias });
            if !self.eat(",") {
                break;
            }
        }
        self.close_list("}", open, false);
        names
    }

    fn type_alias(&mut self, exported: bool, start: u32, errors: usize) -> TypeAliasDecl {
        self.bump();
        let name = self.name("a type name");
        self.skip_type_parameters();
        let ty = if self.expect("=") {
            self.ty()
        } else {
            crate::ast::TypeExpr::Error(Span::new(self.start(), self.start()))
        };
        self.end_statement(errors);
        TypeAliasDecl {
            exported,
            name,
            ty,
            span: self.span_from(start),
        }
    }
}
