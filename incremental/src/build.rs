//! The driver: from the entry file of a program in the database (its modules loaded with
//! [`crate::modules::load`]) to a linked [`Image`], or the diagnostics that prevent it.

use crate::check::items::{adapter_name, qualify, unqualify};
use crate::check::{self, Signatures};
use crate::db::{self, Compiler, Device, FunctionName, MAIN, SourceFile};
use crate::diagnostic::Diagnostic;
use crate::hir;
use crate::link::{self, ClassLayout, Image, LinkError, LinkInput, LinkTarget, MethodEntry};
use crate::lower;
use crate::modules::init_order;
use crate::session;
use crate::shadow::Shadow;
use crate::target::{Calls, Target};
use crate::types::Type;
use device::abi;
use rayon::prelude::*;
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
    /// The change cannot be patched into the running program (the reason): it must restart.
    Unpatchable(String),
}

/// Checks the program whose entry file is `entry` and returns the diagnostics of all its
/// modules, in initialization order (empty when it compiles).
pub fn check(db: &Compiler, entry: SourceFile) -> Vec<Diagnostic> {
    per_module(db, &init_order(db, entry), |db, file| {
        db::diagnostics(db, file).clone()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// `f` of every module of `modules`, in order, computed in parallel (each thread queries its
/// own handle on the database).
fn per_module<T: Send>(
    db: &Compiler,
    modules: &[SourceFile],
    f: impl Fn(&Compiler, SourceFile) -> T + Sync,
) -> Vec<T> {
    let base = std::sync::Mutex::new(db.clone());
    let handle = || base.lock().unwrap_or_else(|e| e.into_inner()).clone();
    modules
        .par_iter()
        .map_init(handle, |db, &file| f(db, file))
        .collect()
}

/// Compiles and links the program whose entry file is `entry` for a fresh `target` device.
pub fn build(db: &Compiler, entry: SourceFile, target: &LinkTarget) -> Result<Image, BuildError> {
    build_onto(db, entry, &Shadow::new(*target)).map(|(image, _)| image)
}

/// A planned patch: what to send to the device, and its shadow machine once it applied it.
#[derive(Debug, Clone)]
pub struct Patch {
    /// The loads, slot swaps, roots and entry to send.
    pub image: Image,
    /// What the device holds once it acknowledged all of the patch.
    pub after: Shadow,
}

/// The patch that makes the database's device (its [`Device`] input, see
/// [`Compiler::set_device`]) run the program whose entry file is `entry`: modules are
/// compiled in parallel first, then [`patch`], the query over the program and the device,
/// plans it. The device input changes only when the device acknowledged a patch, so until
/// then the same patch is planned again.
pub fn plan(db: &Compiler, entry: SourceFile) -> Result<&Patch, BuildError> {
    let modules = init_order(db, entry);
    per_module(db, &modules, |db, file| {
        module_artifact(db, file);
    });
    patch(db, entry).as_ref().map_err(Clone::clone)
}

/// The patch from the device input to the program whose entry file is `entry` (see [`plan`]).
/// Never compared with the previous plan: nothing depends on it.
#[salsa::tracked(returns(ref), no_eq)]
fn patch(db: &dyn salsa::Database, entry: SourceFile) -> Result<Patch, BuildError> {
    let Some(device) = Device::try_get(db) else {
        return Err(BuildError::Codegen(
            "no device to patch: Compiler::set_device was not called".to_string(),
        ));
    };
    let modules = init_order(db, entry);
    let diagnostics: Vec<Diagnostic> = modules
        .iter()
        .flat_map(|&file| db::diagnostics(db, file).iter().cloned())
        .collect();
    if !diagnostics.is_empty() {
        return Err(BuildError::Diagnostics(diagnostics));
    }
    let artifacts = modules
        .iter()
        .map(|&file| module_artifact(db, file).clone())
        .collect::<Result<Vec<_>, _>>()?;
    let (image, after) = plan_onto(db, entry, &modules, &artifacts, device.shadow(db))?;
    Ok(Patch { image, after })
}

/// Compiles the program whose entry file is `entry` and plans the smallest patch that makes
/// the device `shadow` mirrors run it: only new or changed code and new data are loaded. A
/// definition of the entry file that replaces one of an earlier program of the session (see
/// [`SourceFile::prelude`]) takes over its slot or storage. Returns the patch and the shadow
/// machine as it will be once the device has applied it.
pub fn build_onto(
    db: &Compiler,
    entry: SourceFile,
    shadow: &Shadow,
) -> Result<(Image, Shadow), BuildError> {
    let diagnostics = check(db, entry);
    if !diagnostics.is_empty() {
        return Err(BuildError::Diagnostics(diagnostics));
    }
    let modules = init_order(db, entry);
    let compiled = per_module(db, &modules, |db, file| module_artifact(db, file).clone())
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    plan_onto(db, entry, &modules, &compiled, shadow)
}

/// Everything a link needs from one module: its compiled functions and the layouts of the
/// classes it defines or imports. It depends only on the module's source, path and number and
/// on the modules it imports, so it can be kept between builds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ModuleArtifact {
    /// Its functions, named program-wide.
    pub functions: Vec<LinkInput>,
    /// Class layouts by qualified name.
    pub classes: BTreeMap<String, ClassLayout>,
}

/// Compiles one module of a program (its diagnostics are an error).
pub fn compile_module(db: &Compiler, file: SourceFile) -> Result<ModuleArtifact, BuildError> {
    module_artifact(db, file)
        .as_deref()
        .cloned()
        .map_err(Clone::clone)
}

/// One module compiled (its diagnostics are an error), as a query: while the module and what
/// it imports are unchanged it is the very same artifact, which the planner skips at once.
#[salsa::tracked(returns(ref))]
fn module_artifact(
    db: &dyn salsa::Database,
    file: SourceFile,
) -> Result<Arc<ModuleArtifact>, BuildError> {
    let diagnostics = db::diagnostics(db, file);
    if !diagnostics.is_empty() {
        return Err(BuildError::Diagnostics(diagnostics.clone()));
    }
    Ok(Arc::new(ModuleArtifact {
        functions: module_functions(db, file)?,
        classes: class_layouts(db::signatures(db, file)),
    }))
}

/// Links a program from its modules in initialization order (`modules`, as
/// [`init_order`] gives them) and their artifacts, for a fresh `target` device.
pub fn link_modules(
    db: &Compiler,
    modules: &[SourceFile],
    artifacts: &[ModuleArtifact],
    target: &LinkTarget,
) -> Result<Image, BuildError> {
    let Some(&entry) = modules.last() else {
        return Err(BuildError::Codegen("a program without modules".to_string()));
    };
    link_modules_onto(db, entry, modules, artifacts, &Shadow::new(*target)).map(|(image, _)| image)
}

/// Plans the patch that makes the device `shadow` mirrors run the program whose entry file is
/// `entry`, from its modules in initialization order and their artifacts (see
/// [`build_onto`]); returns it with the shadow machine as it will be once applied.
pub fn link_modules_onto(
    db: &Compiler,
    entry: SourceFile,
    modules: &[SourceFile],
    artifacts: &[ModuleArtifact],
    shadow: &Shadow,
) -> Result<(Image, Shadow), BuildError> {
    let artifacts: Vec<Arc<ModuleArtifact>> = artifacts.iter().cloned().map(Arc::new).collect();
    plan_onto(db, entry, modules, &artifacts, shadow)
}

/// [`link_modules_onto`] with the artifacts as the queries keep them: the modules whose
/// artifact is the very one the shadow machine linked last are not visited, so that a patch
/// costs what changed, not the size of the program.
fn plan_onto(
    db: &dyn salsa::Database,
    entry: SourceFile,
    modules: &[SourceFile],
    artifacts: &[Arc<ModuleArtifact>],
    shadow: &Shadow,
) -> Result<(Image, Shadow), BuildError> {
    let changed: Vec<(SourceFile, &Arc<ModuleArtifact>)> = modules
        .iter()
        .zip(artifacts)
        .filter(|(file, artifact)| !shadow.has_linked(file.path(db), artifact))
        .map(|(file, artifact)| (*file, artifact))
        .collect();
    let changed_artifacts: Vec<&ModuleArtifact> = changed.iter().map(|(_, a)| &***a).collect();
    let (inputs, classes) = link_inputs(db, modules, &changed_artifacts)?;
    let mut globals = BTreeMap::new();
    for &(file, _) in &changed {
        let sigs = db::signatures(db, file);
        globals.extend(sigs.globals.iter().map(|(n, g)| (n.clone(), g.ty.clone())));
    }
    for (name, ty) in &globals {
        if let Some(old) = shadow.globals.get(name)
            && old != ty
        {
            return Err(BuildError::Unpatchable(format!(
                "the type of global `{}` changed from {old} to {ty}",
                local_name(name)
            )));
        }
    }
    let mut base = shadow.clone();
    let entry_sigs = db::signatures(db, entry);
    session::take_over_redefinitions(&mut base, entry.prelude(db), entry_sigs);
    let (image, mut next) =
        link::link_onto(&base, &inputs, &classes, START).map_err(|e| match e {
            LinkError::ClassChanged(class) => {
                BuildError::Unpatchable(format!("the layout of class `{class}` changed"))
            }
            e => BuildError::Link(e),
        })?;
    next.globals.extend(globals);
    next.names = session::names_after(entry.prelude(db), entry_sigs);
    for (file, artifact) in changed {
        next.modules
            .insert(file.path(db).clone(), Arc::clone(artifact));
    }
    Ok((image, next))
}

/// The name users wrote for program-wide name `name`.
fn local_name(name: &str) -> &str {
    unqualify(name).map_or(name, |(local, _)| local)
}

/// The functions of the program whose modules are `modules`, from the artifacts of some or
/// all of them (built-in adapters first, `<start>` last), and their class layouts.
pub(crate) fn link_inputs(
    db: &dyn salsa::Database,
    modules: &[SourceFile],
    artifacts: &[&ModuleArtifact],
) -> Result<(Vec<LinkInput>, BTreeMap<String, ClassLayout>), BuildError> {
    let target = db::code_target(db);
    let calls = db::code_calls(db);
    let mut inputs = builtin_adapters(target, calls)?.to_vec();
    let mut classes = BTreeMap::new();
    for artifact in artifacts {
        inputs.extend(artifact.functions.iter().cloned());
        classes.extend(artifact.classes.clone());
    }
    let Some(&entry) = modules.last() else {
        return Err(BuildError::Codegen("a program without modules".to_string()));
    };
    inputs.push(start_function(db, entry).clone()?);
    Ok((inputs, classes))
}

/// The compiled functions of one module, named program-wide.
fn module_functions(
    db: &dyn salsa::Database,
    file: SourceFile,
) -> Result<Vec<LinkInput>, BuildError> {
    db::function_names(db, file)
        .iter()
        .map(|name| {
            let interned = FunctionName::new(db, name.clone());
            let (Some(ir), Some(code)) = (
                db::located_ir(db, file, interned),
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

/// The entry function of the program whose entry file is `entry`: calls the `<main>` of every
/// module in initialization order (a query, so that it is the very same code until the
/// modules change).
#[salsa::tracked(returns(ref))]
fn start_function(db: &dyn salsa::Database, entry: SourceFile) -> Result<LinkInput, BuildError> {
    let target = db::code_target(db);
    let calls = db::code_calls(db);
    let span = syntax::Span::default();
    let stmts = module_mains(db, entry)
        .iter()
        .map(|main| {
            let main = main.clone();
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
    let code = target.compile(&ir, calls).map_err(BuildError::Codegen)?;
    Ok(LinkInput {
        name: START.to_string(),
        ir: Arc::new(ir),
        code,
    })
}

/// The `<main>` of every module of the program whose entry file is `entry`, in
/// initialization order (what `<start>` depends on: equal after an edit of a body).
#[salsa::tracked(returns(ref))]
fn module_mains(db: &dyn salsa::Database, entry: SourceFile) -> Vec<String> {
    init_order(db, entry)
        .iter()
        .map(|file| qualify(MAIN, file.path(db)))
        .collect()
}

/// The adapters of the built-in methods callable on `any` receivers, in slot order (compiled
/// once per process, target and kind of calls: they depend on nothing but the compiler).
fn builtin_adapters(target: Target, calls: Calls) -> Result<&'static [LinkInput], BuildError> {
    type Adapters = OnceLock<Result<Vec<LinkInput>, String>>;
    static X64: Adapters = OnceLock::new();
    static XTENSA: Adapters = OnceLock::new();
    static XTENSA_DIRECT: Adapters = OnceLock::new();
    let adapters = match (target, calls) {
        (Target::X64, _) => &X64,
        (Target::Xtensa, Calls::Table) => &XTENSA,
        (Target::Xtensa, Calls::Direct) => &XTENSA_DIRECT,
    };
    let compiled = adapters.get_or_init(|| {
        abi::BUILTIN_METHODS
            .iter()
            .map(|m| {
                let body = check::builtin_adapter_body(m);
                let ir = lower::lower(&body, 0);
                let code = target.compile(&ir, calls)?;
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
