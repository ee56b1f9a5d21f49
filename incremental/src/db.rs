//! The salsa database: inputs and the tracked queries from source text to machine code.
//!
//! Inputs: [`SourceFile`]s, each with what its import specifiers resolved to. Tracked queries,
//! each a small pure function: `parse` → `signatures` (every top-level signature of a file,
//! reading the `interface` of each module it imports) → `interface` (what importers see) and,
//! per function: `function_syntax` (the function's syntax, for early cutoff) → `check_function`
//! → `lower_function` → `compile_function`. The top-level statements of a file form the
//! function `<main>`.

use crate::check::items::{self, Owner};
use crate::check::{self, Checked, ImportError, Interface, Signatures};
use crate::diagnostic::Diagnostic;
use crate::lower;
use crate::origin::{self, Origin};
use crate::shadow::Shadow;
use crate::target::{Calls, Code, Target};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use syntax::ast;

/// The name of the function that holds a file's top-level statements.
pub const MAIN: &str = "<main>";

/// A source file (a module): its path as shown to the user, its text, its number in the
/// program (used in run-time error locations), and what its imports resolved to. The path also
/// qualifies the names of the module's items program-wide.
#[salsa::input(debug)]
pub struct SourceFile {
    /// The path, as given by the user (imported modules: relative to the entry file's).
    #[returns(ref)]
    pub path: String,
    /// The full text.
    #[returns(ref)]
    pub text: String,
    /// The file's number within the program.
    #[returns(copy)]
    pub index: u32,
    /// Import specifier → what it names; set by [`crate::modules::load`]. A specifier missing
    /// here was never loaded.
    #[default]
    #[returns(ref)]
    pub imports: BTreeMap<String, Resolution>,
    /// What earlier programs of a session (REPL cells, `bs run a.bs b.bs`) defined: the
    /// file sees those names without importing them, and its own definitions of the same names
    /// replace them. Empty outside sessions.
    #[default]
    #[returns(ref)]
    pub prelude: Interface,
}

/// What an import specifier resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// A module of the program.
    Module(SourceFile),
    /// No module, and why.
    Error(ImportError),
}

/// The name of a function within a file (interned so queries can be keyed by it).
#[salsa::interned(debug)]
pub struct FunctionName<'db> {
    /// The name; [`MAIN`] for top-level code.
    #[returns(ref)]
    pub text: String,
}

/// Parses a file.
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> syntax::Parse {
    syntax::parse(file.text(db))
}

/// The signatures of a file's top-level items and of what it imports.
#[salsa::tracked(returns(ref))]
pub fn signatures(db: &dyn salsa::Database, file: SourceFile) -> Signatures {
    let imports = |specifier: &str| match file.imports(db).get(specifier) {
        Some(Resolution::Module(module)) => Ok(interface(db, *module)),
        Some(Resolution::Error(e)) => Err(e.clone()),
        None => Err(ImportError::NotFound(
            "the modules of this file were not loaded; compile the program from its entry file"
                .into(),
        )),
    };
    check::signatures(
        file.path(db),
        &parse(db, file).file,
        callables(db, file),
        &imports,
        file.prelude(db),
    )
}

/// What a file shows the modules that import it (its own query, so that an edit that leaves
/// it unchanged does not re-check the importers).
#[salsa::tracked(returns(ref))]
pub fn interface(db: &dyn salsa::Database, file: SourceFile) -> Interface {
    check::interface(file.path(db), &parse(db, file).file, signatures(db, file))
}

/// The names of every compiled function of a file: its functions, constructors, methods and
/// static methods in source order, then the `any` adapters of its methods and of the top-level
/// functions it uses as values, then [`MAIN`], then the closure bodies each function's check
/// produced (its arrow functions and conversion bridges, `owner/N`), each after its adapter.
#[salsa::tracked(returns(ref))]
pub fn function_names(db: &dyn salsa::Database, file: SourceFile) -> Vec<String> {
    let source = &parse(db, file).file;
    let callables = callables(db, file);
    let mut names: Vec<String> = callables.iter().map(|c| c.name.clone()).collect();
    names.extend(
        callables
            .iter()
            .filter(|c| matches!(c.owner, Owner::Method(_)))
            .map(|c| items::adapter_name(&c.name)),
    );
    names.extend(
        items::functions_used_as_values(source)
            .iter()
            .map(|f| items::adapter_name(f)),
    );
    names.push(MAIN.to_string());
    let owners = callables.iter().map(|c| c.name.as_str()).chain([MAIN]);
    for owner in owners {
        let owner_name = FunctionName::new(db, owner.to_string());
        for n in 0..check_function(db, file, owner_name).closures.len() {
            let name = check::arrow_name(owner, n);
            names.push(items::adapter_name(&name));
            names.push(name);
        }
    }
    names
}

/// Every function, constructor and method of a file, in source order (once per file: each
/// function's query picks its own from it).
#[salsa::tracked(returns(ref))]
fn callables(db: &dyn salsa::Database, file: SourceFile) -> Vec<items::Callable> {
    items::callables(&parse(db, file).file)
}

/// The syntax of one function, constructor or method (the first of that name), or of the
/// top-level statements for [`MAIN`] (static field initializers first). A separate query so
/// that an edit elsewhere in the file stops here: its positions are its own
/// ([`function_origin`]), so that code that only moved (a longer function above it) is not
/// checked or lowered again.
#[salsa::tracked(returns(ref))]
pub fn function_syntax<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    name: FunctionName<'db>,
) -> FunctionSyntax {
    located_syntax(db, file, name).0.clone()
}

/// Where the positions of [`function_syntax`] (and so of that function's diagnostics, typed
/// tree and IR) lie in its file (see [`crate::origin`]). The closures of a function and the
/// adapters of both share their owner's origin.
#[salsa::tracked(returns(ref))]
pub fn function_origin<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    name: FunctionName<'db>,
) -> Origin {
    let owner = items::unit_owner(name.text(db));
    if owner == name.text(db) {
        return located_syntax(db, file, name).1.clone();
    }
    function_origin(db, file, FunctionName::new(db, owner.to_string())).clone()
}

/// A function's syntax and where its positions lie in its file.
#[salsa::tracked(returns(ref))]
fn located_syntax<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    name: FunctionName<'db>,
) -> (FunctionSyntax, Origin) {
    let source = &parse(db, file).file;
    if name.text(db) == MAIN {
        let (items, origin) = origin::main_statements(source, file.text(db))
            .unwrap_or_else(|| (main_with_file_positions(source), Origin::at(0)));
        return (FunctionSyntax::Main(ast::SourceFile { items }), origin);
    }
    let Some(callable) = callables(db, file)
        .iter()
        .find(|c| &c.name == name.text(db))
    else {
        return (FunctionSyntax::Missing, Origin::at(0));
    };
    match items::relative(callable, file.text(db)) {
        Some((relative, origin)) => (FunctionSyntax::Function(relative), Origin::at(origin)),
        None => (FunctionSyntax::Function(callable.clone()), Origin::at(0)),
    }
}

/// The top-level code of `source` as it stands in its file: the declarations of its static
/// fields, then its top-level statements.
fn main_with_file_positions(source: &ast::SourceFile) -> Vec<ast::Item> {
    let statics = items::static_fields(source).into_iter().map(|d| {
        let span = d.span;
        ast::Item::Stmt(ast::Stmt::VarDecl {
            exported: false,
            kind: ast::DeclKind::Let,
            decls: vec![d],
            span,
        })
    });
    let stmts = source
        .items
        .iter()
        .filter(|i| matches!(i, ast::Item::Stmt(_)));
    statics.chain(stmts.cloned()).collect()
}

/// What [`function_syntax`] finds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FunctionSyntax {
    /// A function, constructor or method.
    Function(items::Callable),
    /// The top-level statements of a file.
    Main(ast::SourceFile),
    /// No function of that name.
    Missing,
}

/// The part of its file's signatures that one function's check reads (see
/// [`check::slice`]): a signature change re-checks only the functions whose slice it changes.
#[salsa::tracked(returns(ref))]
pub fn body_signatures<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    name: FunctionName<'db>,
) -> Signatures {
    let syntax = function_syntax(db, file, name);
    let used = match syntax {
        FunctionSyntax::Function(callable) => check::slice::function_names_used(callable),
        FunctionSyntax::Main(items) => check::slice::main_names_used(items),
        FunctionSyntax::Missing => Default::default(),
    };
    // No check reports at class positions, so the slices leave them out: a class that moved
    // re-checks nothing.
    check::slice::without_class_positions(check::slice::slice(signatures(db, file), &used))
}

/// Checks one function against its file's signatures.
#[salsa::tracked(returns(ref))]
pub fn check_function<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    name: FunctionName<'db>,
) -> Checked {
    let sigs = body_signatures(db, file, name);
    match function_syntax(db, file, name) {
        FunctionSyntax::Function(callable) => check::check_function(file.path(db), callable, sigs),
        FunctionSyntax::Main(items) => check::check_main(file.path(db), items, sigs),
        FunctionSyntax::Missing => Checked {
            body: None,
            closures: Vec::new(),
            diagnostics: Vec::new(),
            unassigned: Vec::new(),
        },
    }
}

/// Lowers one checked function to IR; `None` when it has errors.
#[salsa::tracked(returns(ref))]
pub fn lower_function<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    name: FunctionName<'db>,
) -> Option<Arc<ir::Function>> {
    let text = name.text(db);
    if let Some(target) = text.strip_suffix(items::ADAPTER_SUFFIX) {
        let body = match arrow_body(db, file, target) {
            Some(arrow) => check::closure_adapter_body(arrow),
            None => {
                let target = FunctionName::new(db, target.to_string());
                let at = name_span(db, file, target)?;
                let sigs = body_signatures(db, file, target);
                check::adapter_body(target.text(db), file.path(db), sigs, at)?
            }
        };
        return Some(Arc::new(lower::lower(&body, file.index(db))));
    }
    let body = match arrow_body(db, file, text) {
        Some(arrow) => arrow,
        None => check_function(db, file, name).body.as_ref()?,
    };
    Some(Arc::new(lower::lower(body, file.index(db))))
}

/// Where function `name` is named in its own syntax (see [`function_origin`]): a separate query,
/// so that an edit of the function's body does not lower its adapter again.
#[salsa::tracked(returns(copy))]
fn name_span<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    name: FunctionName<'db>,
) -> Option<syntax::Span> {
    match function_syntax(db, file, name) {
        FunctionSyntax::Function(callable) => Some(callable.decl.name.span),
        _ => None,
    }
}

/// The checked body of arrow function `name` (`owner/N`), from its owner's check.
fn arrow_body<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    name: &str,
) -> Option<&'db crate::hir::Body> {
    let (owner, n) = check::parse_arrow_name(name)?;
    check_function(db, file, FunctionName::new(db, owner.to_string()))
        .closures
        .get(n)
}

/// The IR of one function as code generation sees it: source locations blanked (their
/// indices kept), so that an edit that only moves a function (whitespace, comments, a longer
/// function above it) changes no machine code. The linker's source map reads the locations
/// from [`lower_function`], so run-time errors still name the right line.
#[salsa::tracked(returns(ref))]
pub fn codegen_ir<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    name: FunctionName<'db>,
) -> Option<Arc<ir::Function>> {
    let mut f = ir::Function::clone(lower_function(db, file, name).as_ref()?);
    f.locs.fill(ir::SourceLoc::default());
    Some(Arc::new(f))
}

/// The IR of one function with its source locations as offsets in its file (its
/// [`function_origin`] added): what the linker's source map and listings read.
#[salsa::tracked(returns(ref))]
pub fn located_ir<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    name: FunctionName<'db>,
) -> Option<Arc<ir::Function>> {
    let f = lower_function(db, file, name).as_ref()?;
    let origin = function_origin(db, file, name);
    if origin.is_identity() {
        return Some(f.clone());
    }
    let mut f = ir::Function::clone(f);
    for loc in &mut f.locs {
        let span = origin.span(syntax::Span::new(loc.start, loc.end));
        (loc.start, loc.end) = (span.start, span.end);
    }
    Some(Arc::new(f))
}

/// The instruction set to generate code for, chosen by the board (one per database, created
/// with it for the `host` board's x86-64; [`Compiler::set_target`] changes it).
#[salsa::input(singleton, debug)]
pub struct CodeTarget {
    /// The target.
    #[returns(copy)]
    pub target: Target,
    /// How calls between BlueScript functions are compiled ([`Compiler::set_calls`]).
    #[returns(copy)]
    pub calls: Calls,
}

/// The target code is generated for.
pub fn code_target(db: &dyn salsa::Database) -> Target {
    CodeTarget::get(db).target(db)
}

/// How code is generated to call other BlueScript functions.
pub fn code_calls(db: &dyn salsa::Database) -> Calls {
    CodeTarget::get(db).calls(db)
}

/// Generates machine code for one function, for the database's target; `None` when it has
/// errors.
#[salsa::tracked(returns(ref))]
pub fn compile_function<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
    name: FunctionName<'db>,
) -> Option<Result<Code, String>> {
    let f = codegen_ir(db, file, name).as_ref()?;
    Some(code_target(db).compile(f, code_calls(db)))
}

/// The device the database's programs are patched into, as the host knows it: its shadow
/// machine. An input that changes only when the device acknowledged a patch (or a session
/// starts), through [`Compiler::set_device`]; [`crate::build::plan`] is a query over it.
#[salsa::input(singleton)]
pub struct Device {
    /// What the device holds.
    #[returns(ref)]
    pub shadow: Shadow,
}

/// Every diagnostic of a file: syntax errors, declaration errors, then each function's errors
/// (a query, so that a build re-validates an unchanged file at once).
#[salsa::tracked(returns(ref))]
pub fn diagnostics(db: &dyn salsa::Database, file: SourceFile) -> Vec<Diagnostic> {
    let path = file.path(db);
    let mut out: Vec<Diagnostic> = parse(db, file)
        .errors
        .iter()
        .map(|e| Diagnostic {
            code: e.code,
            message: e.message.clone(),
            file: path.clone(),
            span: e.span,
            hint: e.hint.clone(),
        })
        .collect();
    out.extend(signatures(db, file).diagnostics.iter().cloned());
    for name in function_names(db, file) {
        let name = FunctionName::new(db, name.clone());
        let origin = function_origin(db, file, name);
        let checked = check_function(db, file, name);
        out.extend(checked.diagnostics.iter().map(|d| {
            let mut d = d.clone();
            d.span = origin.span(d.span);
            d
        }));
        if let Some(class) = name.text(db).strip_suffix(".constructor") {
            let sigs = signatures(db, file);
            let unassigned = &checked.unassigned;
            out.extend(check::unassigned_property_errors(
                path, class, unassigned, sigs,
            ));
        }
    }
    out.sort_by_key(|d| (d.span.start, d.span.end));
    out.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    out
}

/// The compiler's database, with a log of executed queries for tests.
#[salsa::db]
#[derive(Clone)]
pub struct Compiler {
    storage: salsa::Storage<Self>,
    log: Arc<Mutex<Option<Vec<String>>>>,
}

impl Default for Compiler {
    fn default() -> Self {
        let log: Arc<Mutex<Option<Vec<String>>>> = Arc::default();
        let sink = log.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Some(log) = sink
                    .lock()
                    .expect("the log lock is never poisoned")
                    .as_mut()
            {
                log.push(format!("{database_key:?}"));
            }
        })));
        let db = Compiler { storage, log };
        CodeTarget::new(&db, Target::default(), Calls::default());
        db
    }
}

#[salsa::db]
impl salsa::Database for Compiler {}

impl Compiler {
    /// Generates code for `target` from now on (functions compiled for another target are
    /// compiled again when asked for).
    pub fn set_target(&mut self, target: Target) {
        use salsa::Setter;
        let input = CodeTarget::get(self);
        if input.target(self) != target {
            input.set_target(self).to(target);
        }
    }

    /// Compiles calls between BlueScript functions as `calls` says from now on (release builds
    /// call directly; a database that runs sessions keeps the default, table calls).
    pub fn set_calls(&mut self, calls: Calls) {
        use salsa::Setter;
        let input = CodeTarget::get(self);
        if input.calls(self) != calls {
            input.set_calls(self).to(calls);
        }
    }

    /// Makes `shadow` what the database's device holds: once the device acknowledged a
    /// patch, or when a program joins a session.
    pub fn set_device(&mut self, shadow: Shadow) {
        use salsa::Setter;
        match Device::try_get(self) {
            Some(device) => {
                device.set_shadow(self).to(shadow);
            }
            None => {
                Device::new(self, shadow);
            }
        }
    }

    /// What the database's device holds, once [`Compiler::set_device`] said it.
    pub fn device(&self) -> Option<&Shadow> {
        Device::try_get(self).map(|device| device.shadow(self))
    }

    /// Starts recording which queries execute (for incrementality tests).
    pub fn start_logging(&self) {
        *self.log.lock().expect("the log lock is never poisoned") = Some(Vec::new());
    }

    /// The queries executed since logging started or since the last call.
    pub fn take_log(&self) -> Vec<String> {
        self.log
            .lock()
            .expect("the log lock is never poisoned")
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }
}
