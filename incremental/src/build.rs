//! The driver: from a source file in the database to a linked [`Image`], or the diagnostics
//! that prevent it.

use crate::check::items::adapter_name;
use crate::check::{self, Signatures};
use crate::db::{self, Compiler, FunctionName, MAIN, SourceFile};
use crate::diagnostic::Diagnostic;
use crate::link::{self, ClassLayout, Image, LinkError, LinkInput, LinkTarget, MethodEntry};
use crate::lower;
use device::abi;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

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
    let mut inputs = builtin_adapters()?.to_vec();
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
    let classes = class_layouts(db::signatures(db, file));
    link::link(&inputs, &classes, MAIN, target).map_err(BuildError::Link)
}

/// The adapters of the built-in methods callable on `any` receivers, in slot order (compiled
/// once per process: they depend on nothing but the compiler).
fn builtin_adapters() -> Result<&'static [LinkInput], BuildError> {
    static ADAPTERS: OnceLock<Result<Vec<LinkInput>, String>> = OnceLock::new();
    let compiled = ADAPTERS.get_or_init(|| {
        abi::BUILTIN_METHODS
            .iter()
            .map(|m| {
                let body = check::builtin_adapter_body(m);
                let ir = lower::lower(&body, 0);
                let code = backend_x64::compile(&ir).map_err(|e| format!("{}: {e}", ir.name))?;
                Ok(LinkInput {
                    name: body.name,
                    ir: Arc::new(ir),
                    code: Arc::new(code),
                })
            })
            .collect()
    });
    compiled
        .as_deref()
        .map_err(|e| BuildError::Codegen(e.clone()))
}

/// The run-time layout of every class, for the descriptors the linker writes.
fn class_layouts(sigs: &Signatures) -> BTreeMap<String, ClassLayout> {
    sigs.classes
        .iter()
        .map(|(name, info)| {
            let methods = info
                .methods
                .iter()
                .map(|m| MethodEntry {
                    name: m.name.clone(),
                    arity: sigs
                        .functions
                        .get(&m.function)
                        .map_or(0, |f| f.params.len() as u32),
                    entry: m.function.clone(),
                    adapter: adapter_name(&m.function),
                })
                .collect();
            let layout = ClassLayout {
                name: info.ty.name.clone(),
                superclass: info.ty.ancestors.first().cloned(),
                fields: info
                    .fields
                    .iter()
                    .map(|(n, t)| (n.clone(), t.runtime_type()))
                    .collect(),
                methods,
            };
            (name.clone(), layout)
        })
        .collect()
}
