//! The driver: from the entry file of a program in the database (its modules loaded with
//! [`crate::modules::load`]) to a linked [`Image`], or the diagnostics that prevent it.

use crate::check::items::{adapter_name, qualify};
use crate::check::{self, Signatures};
use crate::db::{self, Compiler, FunctionName, MAIN, SourceFile};
use crate::diagnostic::Diagnostic;
use crate::hir;
use crate::link::{self, ClassLayout, Image, LinkError, LinkInput, LinkTarget, MethodEntry};
use crate::lower;
use crate::modules::init_order;
use crate::target::Target;
use crate::types::Type;
use device::abi;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// The function the image starts at: it runs each module's top-level code in initialization
/// order.
pub(crate) const START: &str = "<start>";

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

/// Checks the program whose entry file is `entry` and returns the diagnostics of all its
/// modules, in initialization order (empty when it compiles).
pub fn check(db: &Compiler, entry: SourceFile) -> Vec<Diagnostic> {
    init_order(db, entry)
        .into_iter()
        .flat_map(|file| db::diagnostics(db, file))
        .collect()
}

/// Compiles and links the program whose entry file is `entry` for a fresh `target` device.
pub fn build(db: &Compiler, entry: SourceFile, target: &LinkTarget) -> Result<Image, BuildError> {
    let diagnostics = check(db, entry);
    if !diagnostics.is_empty() {
        return Err(BuildError::Diagnostics(diagnostics));
    }
    let modules = init_order(db, entry);
    let compiled = modules
        .iter()
        .map(|&file| compile_module(db, file))
        .collect::<Result<Vec<_>, _>>()?;
    link_modules(db, &modules, &compiled, target)
}

/// Everything a link needs from one module: its compiled functions and the layouts of the
/// classes it defines or imports. It depends only on the module's source, path and number and
/// on the modules it imports, so it can be kept between builds.
#[derive(Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ModuleArtifact {
    /// Its functions, named program-wide.
    pub functions: Vec<LinkInput>,
    /// Class layouts by qualified name.
    pub classes: BTreeMap<String, ClassLayout>,
}

/// Compiles one module of a program (its diagnostics are an error).
pub fn compile_module(db: &Compiler, file: SourceFile) -> Result<ModuleArtifact, BuildError> {
    let diagnostics = db::diagnostics(db, file);
    if !diagnostics.is_empty() {
        return Err(BuildError::Diagnostics(diagnostics));
    }
    Ok(ModuleArtifact {
        functions: module_functions(db, file)?,
        classes: class_layouts(db::signatures(db, file)),
    })
}

/// Links a program from its modules in initialization order (`modules`, as
/// [`init_order`] gives them) and their artifacts, for a fresh `target` device.
pub fn link_modules(
    db: &Compiler,
    modules: &[SourceFile],
    artifacts: &[ModuleArtifact],
    target: &LinkTarget,
) -> Result<Image, BuildError> {
    let (inputs, classes) = link_inputs(db, modules, artifacts)?;
    link::link(&inputs, &classes, START, target).map_err(BuildError::Link)
}

/// The functions of a whole program (built-in adapters first, `<start>` last) and its class
/// layouts.
pub(crate) fn link_inputs(
    db: &Compiler,
    modules: &[SourceFile],
    artifacts: &[ModuleArtifact],
) -> Result<(Vec<LinkInput>, BTreeMap<String, ClassLayout>), BuildError> {
    let target = db::code_target(db);
    let mut inputs = builtin_adapters(target)?.to_vec();
    let mut classes = BTreeMap::new();
    for artifact in artifacts {
        inputs.extend(artifact.functions.iter().cloned());
        classes.extend(artifact.classes.clone());
    }
    inputs.push(start_function(db, modules, target)?);
    Ok((inputs, classes))
}

/// The compiled functions of one module, named program-wide.
fn module_functions(db: &Compiler, file: SourceFile) -> Result<Vec<LinkInput>, BuildError> {
    db::function_names(db, file)
        .iter()
        .map(|name| {
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
            Ok(LinkInput {
                name: ir.name.clone(),
                ir: ir.clone(),
                code: code.clone(),
            })
        })
        .collect()
}

/// The entry function: calls the `<main>` of every module in initialization order.
fn start_function(
    db: &Compiler,
    modules: &[SourceFile],
    target: Target,
) -> Result<LinkInput, BuildError> {
    let span = syntax::Span::default();
    let stmts = modules
        .iter()
        .map(|file| {
            let main = qualify(MAIN, file.path(db));
            let call = hir::ExprKind::Call(main, Vec::new());
            hir::Stmt::Expr(hir::Expr::new(call, Type::Void, span))
        })
        .collect();
    let body = hir::Body {
        name: START.to_string(),
        span,
        params: Vec::new(),
        locals: Vec::new(),
        ret: Type::Void,
        stmts,
        captures: None,
        cells: Vec::new(),
    };
    let ir = lower::lower(&body, 0);
    let code = target.compile(&ir).map_err(BuildError::Codegen)?;
    Ok(LinkInput {
        name: START.to_string(),
        ir: Arc::new(ir),
        code,
    })
}

/// The adapters of the built-in methods callable on `any` receivers, in slot order (compiled
/// once per process and target: they depend on nothing but the compiler).
fn builtin_adapters(target: Target) -> Result<&'static [LinkInput], BuildError> {
    type Adapters = OnceLock<Result<Vec<LinkInput>, String>>;
    static X64: Adapters = OnceLock::new();
    static XTENSA: Adapters = OnceLock::new();
    let adapters = match target {
        Target::X64 => &X64,
        Target::Xtensa => &XTENSA,
    };
    let compiled = adapters.get_or_init(|| {
        abi::BUILTIN_METHODS
            .iter()
            .map(|m| {
                let body = check::builtin_adapter_body(m);
                let ir = lower::lower(&body, 0);
                let code = target.compile(&ir)?;
                Ok(LinkInput {
                    name: body.name,
                    ir: Arc::new(ir),
                    code,
                })
            })
            .collect()
    });
    compiled
        .as_deref()
        .map_err(|e| BuildError::Codegen(e.clone()))
}

/// The run-time layout of every class a module defines or imports, for the descriptors the
/// linker writes.
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
