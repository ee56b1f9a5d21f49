//! A readable text form of IR functions, for tests, `bs` debugging output and review.

use crate::{Block, Callee, Function, Inst, Terminator, Width};
use std::fmt::{self, Write};

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| format!("{p}: {:?}", self.ty(*p)))
            .collect();
        let ret = self.ret.map(|t| format!(" -> {t:?}")).unwrap_or_default();
        writeln!(f, "fn {}({}){ret} {{", self.name, params.join(", "))?;
        for (i, block) in self.blocks.iter().enumerate() {
            writeln!(f, "b{i}:")?;
            write_block(f, self, block)?;
        }
        writeln!(f, "}}")
    }
}

fn write_block(f: &mut fmt::Formatter<'_>, func: &Function, block: &Block) -> fmt::Result {
    for inst in &block.insts {
        let mut line = String::new();
        if let Some(d) = inst.def() {
            write!(line, "{d}: {:?} = ", func.ty(d))?;
        }
        match inst {
            Inst::IConst { value, .. } => write!(line, "iconst {value}")?,
            Inst::SymAddr { sym, .. } => write!(line, "symaddr {:?}", func.symbols[*sym as usize])?,
            Inst::FConst { bits, .. } => write!(line, "fconst {}", f32::from_bits(*bits))?,
            Inst::Copy { src, .. } => write!(line, "copy {src}")?,
            Inst::Unary { op, src, .. } => write!(line, "{op:?} {src}")?,
            Inst::Int { op, a, b, .. } => write!(line, "{op:?} {a}, {b}")?,
            Inst::IntImm { op, a, imm, .. } => write!(line, "{op:?} {a}, #{imm}")?,
            Inst::Float { op, a, b, .. } => write!(line, "f{op:?} {a}, {b}")?,
            Inst::Cmp { cond, a, b, .. } => write!(line, "cmp.{cond:?} {a}, {b}")?,
            Inst::Load {
                width,
                addr,
                offset,
                ..
            } => write!(line, "load.{} [{addr}{offset:+}]", width_name(*width))?,
            Inst::Store {
                width,
                src,
                addr,
                offset,
            } => write!(
                line,
                "store.{} [{addr}{offset:+}], {src}",
                width_name(*width)
            )?,
            Inst::Call { callee, args, .. } => {
                write!(line, "call {} ({})", callee_name(*callee), join(args))?
            }
        }
        writeln!(f, "  {line}")?;
    }
    match &block.term {
        Terminator::Jump(b) => writeln!(f, "  jump {b}"),
        Terminator::Branch {
            cond,
            a,
            b,
            then,
            other,
        } => {
            writeln!(f, "  branch.{cond:?} {a}, {b} ? {then} : {other}")
        }
        Terminator::Return(Some(v)) => writeln!(f, "  return {v}"),
        Terminator::Return(None) => writeln!(f, "  return"),
        Terminator::Raise { native, args, .. } => {
            writeln!(f, "  raise native#{native} ({})", join(args))
        }
    }
}

fn width_name(w: Width) -> &'static str {
    match w {
        Width::U8 => "u8",
        Width::W32 => "w32",
    }
}

fn callee_name(c: Callee) -> String {
    match c {
        Callee::Slot(s) => format!("fn#{s}"),
        Callee::Native(n) => format!("native#{n}"),
        Callee::Dynamic(v) => format!("slot[{v}]"),
    }
}

fn join(vars: &[crate::Var]) -> String {
    vars.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
