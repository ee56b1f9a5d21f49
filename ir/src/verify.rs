//! Checks the invariants documented at the crate root, so that a lowering bug is caught as a
//! readable error instead of as wrong machine code.

use crate::analysis::{Liveness, reverse_postorder};
use crate::{Cond, Function, Inst, Terminator, Ty, UnOp, Var};

/// Checks `f`; returns a description of the first broken invariant.
pub fn verify(f: &Function) -> Result<(), String> {
    let nv = f.vars.len() as u32;
    let nb = f.blocks.len() as u32;
    let var_ok = |v: Var| {
        if v.0 < nv {
            Ok(())
        } else {
            Err(format!("{}: {v} is not declared", f.name))
        }
    };
    if f.blocks.is_empty() {
        return Err(format!("{}: no entry block", f.name));
    }
    for p in &f.params {
        var_ok(*p)?;
    }
    for (bi, block) in f.blocks.iter().enumerate() {
        let here = |msg: String| format!("{} b{bi}: {msg}", f.name);
        for inst in &block.insts {
            let mut err = Ok(());
            inst.for_each_use(|v| {
                if err.is_ok() {
                    err = var_ok(v);
                }
            });
            err?;
            if let Some(d) = inst.def() {
                var_ok(d)?;
            }
            check_types(f, inst).map_err(&here)?;
            if let Inst::Call { loc, callee, .. } = inst {
                if loc.0 as usize >= f.locs.len() {
                    return Err(here("call location out of range".into()));
                }
                if let crate::Callee::Slot(i) = callee
                    && *i as usize >= f.callees.len()
                {
                    return Err(here(format!("callee #{i} is not declared")));
                }
                if let crate::Callee::Dynamic(v) = callee
                    && f.ty(*v) != Ty::I32
                {
                    return Err(here(format!(
                        "dynamic callee {v} is not an I32 slot number"
                    )));
                }
            }
        }
        for s in block.term.successors() {
            if s.0 >= nb {
                return Err(here(format!("jump to missing block {s}")));
            }
        }
        match &block.term {
            Terminator::Branch { cond, a, b, .. } => {
                var_ok(*a)?;
                var_ok(*b)?;
                check_cond(f, *cond, *a, *b).map_err(&here)?;
            }
            Terminator::Return(v) if v.map(|v| f.ty(v)) != f.ret => {
                return Err(here(format!(
                    "return of {v:?} in a function returning {:?}",
                    f.ret
                )));
            }
            Terminator::Raise { loc, .. } if loc.0 as usize >= f.locs.len() => {
                return Err(here("raise location out of range".into()));
            }
            _ => {}
        }
    }
    let live = Liveness::compute(f);
    let entry_live: Vec<usize> = live.live_in[0]
        .iter()
        .filter(|v| !f.params.contains(&Var(*v as u32)))
        .collect();
    if !entry_live.is_empty() && reverse_postorder(f).len() == f.blocks.len() {
        return Err(format!(
            "{}: v{} may be used before it is assigned",
            f.name, entry_live[0]
        ));
    }
    Ok(())
}

fn check_cond(f: &Function, cond: Cond, a: Var, b: Var) -> Result<(), String> {
    let (ta, tb) = (f.ty(a), f.ty(b));
    let ok = if cond.is_float() {
        ta == Ty::F32 && tb == Ty::F32
    } else {
        ta != Ty::F32 && tb != Ty::F32
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{cond:?} on {a}: {ta:?} and {b}: {tb:?}"))
    }
}

fn check_types(f: &Function, inst: &Inst) -> Result<(), String> {
    let word = |v: Var| f.ty(v) != Ty::F32;
    let ok = match *inst {
        Inst::IConst { dst, .. } => word(dst),
        Inst::SymAddr { dst, sym } => word(dst) && (sym as usize) < f.symbols.len(),
        Inst::FConst { dst, .. } => f.ty(dst) == Ty::F32,
        Inst::Copy { dst, src } => f.ty(dst) == f.ty(src),
        Inst::Unary { op, dst, src } => {
            let (from, to) = match op {
                UnOp::Neg | UnOp::Not => (Ty::I32, Ty::I32),
                UnOp::FNeg => (Ty::F32, Ty::F32),
                UnOp::IntToFloat | UnOp::BitsFloat => (Ty::I32, Ty::F32),
                UnOp::FloatToInt | UnOp::FloatBits => (Ty::F32, Ty::I32),
            };
            f.ty(src) == from && f.ty(dst) == to
        }
        Inst::Int { dst, a, b, .. } => word(dst) && word(a) && word(b),
        Inst::IntImm { dst, a, .. } => word(dst) && word(a),
        Inst::Float { dst, a, b, .. } => [dst, a, b].iter().all(|v| f.ty(*v) == Ty::F32),
        Inst::Cmp { cond, dst, a, b } => {
            return check_cond(f, cond, a, b).and(if word(dst) {
                Ok(())
            } else {
                Err("cmp into a float".into())
            });
        }
        Inst::Load { addr, .. } | Inst::Store { addr, .. } => word(addr),
        Inst::Call { .. } => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("ill-typed instruction {inst:?}"))
    }
}
