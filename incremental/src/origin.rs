//! Where the positions of a compiled unit's own syntax lie in its file.
//!
//! Each unit is checked and lowered from syntax whose positions do not depend on the text
//! around it, so that an edit that only moves it (a longer function above) re-runs nothing for
//! it. A top-level function, method or constructor is parsed again from its own text (see
//! [`crate::check::items::relative`]): one [`Origin`] piece. The top-level statements of a file,
//! `<main>`, are parsed again one by one and laid end to end ([`main_statements`]): one piece per
//! statement, so that they keep their positions when a function between them grows.

use crate::check::items::static_field;
use syntax::Span;
use syntax::ast::{self, ClassMember, Item};

/// A map from the positions of a unit's own syntax to positions in its file: pieces of its own
/// text, each at some place in the file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// `(own, file)`: own positions from `own` on (up to the next piece's) are `file - own`
    /// further on in the file. Sorted by `own`; the first starts at 0.
    pieces: Vec<(u32, u32)>,
}

impl Origin {
    /// Own positions that are file positions `start` further on (one piece).
    pub fn at(start: u32) -> Origin {
        Origin {
            pieces: vec![(0, start)],
        }
    }

    /// Whether own positions are file positions.
    pub fn is_identity(&self) -> bool {
        self.pieces == [(0, 0)]
    }

    /// `span` (own positions) in file positions: both ends move with the piece of its start,
    /// since a construct never spans two pieces.
    pub fn span(&self, span: Span) -> Span {
        match self.piece_of(span.start) {
            Some((own, file)) => Span::new(span.start - own + file, span.end - own + file),
            None => span,
        }
    }

    fn piece_of(&self, pos: u32) -> Option<(u32, u32)> {
        let after = self.pieces.partition_point(|&(own, _)| own <= pos);
        after.checked_sub(1).map(|i| self.pieces[i])
    }
}

/// What a static field is parsed inside when it is parsed again on its own.
const FIELD_WRAPPER: &str = "class C{";

/// The top-level code of `file` (whose text is `text`) with positions that do not depend on
/// the functions and classes between its statements: each static field's declaration (first,
/// as declarations of globals `C::x`, in source order) and each top-level statement parsed again
/// from its own text, laid end to end one byte apart; and where those pieces are in the file.
/// `None` when a piece alone does not parse back into the same one construct cleanly (the
/// caller then keeps file positions).
pub fn main_statements(file: &ast::SourceFile, text: &str) -> Option<(Vec<Item>, Origin)> {
    let mut layout = Layout::default();
    let mut statics = Vec::new();
    for item in &file.items {
        let Item::Class(c) = item else { continue };
        for member in &c.members {
            if let ClassMember::Field {
                is_static: true,
                span,
                ..
            } = member
            {
                statics.push(layout.static_field(&c.name.name, *span, text)?);
            }
        }
    }
    let mut items: Vec<Item> = statics
        .into_iter()
        .map(|d| {
            let span = d.span;
            Item::Stmt(ast::Stmt::VarDecl {
                exported: false,
                kind: ast::DeclKind::Let,
                decls: vec![d],
                span,
            })
        })
        .collect();
    for item in &file.items {
        if let Item::Stmt(stmt) = item {
            items.push(layout.statement(stmt.span(), text)?);
        }
    }
    let pieces = if layout.pieces.is_empty() {
        vec![(0, 0)]
    } else {
        layout.pieces
    };
    Some((items, Origin { pieces }))
}

/// The pieces of `<main>` laid out so far.
#[derive(Default)]
struct Layout {
    pieces: Vec<(u32, u32)>,
    /// Where the next piece's text starts in own positions.
    next: u32,
}

impl Layout {
    /// Parses `prefix`, the text at `span` of `text` and `suffix` again, starting at the next
    /// free own position (so that the piece's text is `prefix.len()` further on), and records
    /// the piece.
    fn parse(
        &mut self,
        span: Span,
        text: &str,
        prefix: &str,
        suffix: &str,
    ) -> Option<ast::SourceFile> {
        let own = text.get(span.start as usize..span.end as usize)?;
        let parse = syntax::parse_at(&format!("{prefix}{own}{suffix}"), self.next);
        if !parse.errors.is_empty() {
            return None;
        }
        let start = self.next + prefix.len() as u32;
        self.pieces.push((start, span.start));
        self.next = start + own.len() as u32 + suffix.len() as u32 + 1;
        Some(parse.file)
    }

    /// The statement at `span`, parsed again.
    fn statement(&mut self, span: Span, text: &str) -> Option<Item> {
        let start = self.next;
        let file = self.parse(span, text, "", "")?;
        let [item @ Item::Stmt(stmt)] = file.items.as_slice() else {
            return None;
        };
        let same = stmt.span() == Span::new(start, start + span.end - span.start);
        same.then(|| item.clone())
    }

    /// The static field of class `class` at `span`, parsed again inside a class of its own, as
    /// the declaration of global `class::name`.
    fn static_field(&mut self, class: &str, span: Span, text: &str) -> Option<ast::VarDeclarator> {
        let file = self.parse(span, text, FIELD_WRAPPER, "}")?;
        let [Item::Class(wrapper)] = file.items.as_slice() else {
            return None;
        };
        let [member] = wrapper.members.as_slice() else {
            return None;
        };
        static_field(class, member)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_code_keeps_its_positions_when_a_function_between_grows() {
        let text =
            "let a = 1\nfunction f() { print(1) }\nprint(a)\nclass C { static n: integer = 2 }\n";
        let longer = text.replace("print(1)", "print(1 + 1000)");
        let (short, long) = (syntax::parse(text).file, syntax::parse(&longer).file);
        let (items, origin) = main_statements(&short, text).unwrap();
        let (items2, origin2) = main_statements(&long, &longer).unwrap();
        assert_eq!(items, items2, "the same syntax, positions included");
        assert_ne!(origin, origin2);
        assert_eq!(
            items.len(),
            3,
            "the static field first, then two statements"
        );
        // Every piece maps back to its own text in the file.
        let shown = |items: &[Item], origin: &Origin, text: &str| -> Vec<String> {
            items
                .iter()
                .map(|i| {
                    let s = origin.span(i.span());
                    text[s.start as usize..s.end as usize].to_string()
                })
                .collect()
        };
        let expected = ["static n: integer = 2", "let a = 1", "print(a)"];
        assert_eq!(shown(&items, &origin, text), expected);
        assert_eq!(shown(&items2, &origin2, &longer), expected);
        let Item::Stmt(ast::Stmt::VarDecl { decls, .. }) = &items[0] else {
            panic!("a declaration")
        };
        assert_eq!(decls[0].name.name, "C::n");
        let name = origin.span(decls[0].name.span);
        assert_eq!(&text[name.start as usize..name.end as usize], "n");
    }

    #[test]
    fn a_file_without_top_level_code_has_file_positions() {
        let text = "function f() {}\n";
        let (items, origin) = main_statements(&syntax::parse(text).file, text).unwrap();
        assert!(items.is_empty());
        assert!(origin.is_identity());
        assert_eq!(origin.span(Span::new(5, 7)), Span::new(5, 7));
    }
}
