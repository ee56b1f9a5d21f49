//! The driver: from a source file in the database to a linked [`Image`], or the diagnostics
//! that prevent it.

use crate::db::{self, Compiler, FunctionName, MAIN, SourceFile};
use crate::diagnostic::Diagnostic;
use crate::link::{self, Image, LinkError, LinkInput, LinkTarget};

/// Why a program could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// Compile errors in the source.
    Diagnostics(Vec<Diagnostic>),
    /// The code generator failed (a compiler bug, reported as such).
    Codegen(String),
    /// The program does not fit the device.
    Link(LinkError),
}

/// Checks a file and returns its diagnostics (empty when it compiles).
pub fn check(db: &Compiler, file: SourceFile) -> Vec<Diagnostic> {
    db::diagnostics(db, file)
}

/// Compiles and links the program whose entry file is `file` for a fresh `target` device.
pub fn build(db: &Compiler, file: SourceFile, target: &LinkTarget) -> Result<Image, BuildError> {
    let diagnostics = db::diagnostics(db, file);
    if !diagnostics.is_empty() {
        return Err(BuildError::Diagnostics(diagnostics));
    }
    let mut inputs = Vec::new();
    for name in db::function_names(db, file) {
        let interned = FunctionName::new(db, name.clone());
        let (Some(ir), Some(code)) = (
            db::lower_function(db, file, interned),
            db::compile_function(db, file, interned),
        ) else {
            return Err(BuildError::Codegen(format!(
                "`{name}` has no code although it has no errors"
            )));
        };
        let code = code.as_ref().map_err(|e| BuildError::Codegen(e.clone()))?;
        inputs.push(LinkInput {
            name: name.clone(),
            ir: ir.clone(),
            code: code.clone(),
        });
    }
    link::link(&inputs, &Default::default(), MAIN, target).map_err(BuildError::Link)
}
