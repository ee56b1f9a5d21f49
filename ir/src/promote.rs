//! Promotion of a global variable to a local: when a function that runs once is the only code
//! that reads or writes a global (the release linker knows when: `<main>` and globals nothing
//! else names), the global's cell is needless. Its loads and stores become copies of a var,
//! which starts at the cell's initial value, zero; the register allocator then keeps it in a
//! register and the GC roots it like any other var.

use crate::{DataSymbol, Function, Inst, Ty, Var};

/// Rewrites `f` so that the global of data symbol `global` lives in a var: every `SymAddr` of
/// it becomes a dead constant, every load of its cell a copy from the var and every store a
/// copy into it, and the symbol leaves [`Function::symbols`]. Returns whether it did; it does
/// not when the cell's address is used otherwise than to load or store the whole word, or its
/// loads and stores disagree on the value's type (then `f` is unchanged).
pub fn global_to_local(f: &mut Function, global: &DataSymbol) -> bool {
    let Some(sym) = f.symbols.iter().position(|s| s == global) else {
        return false;
    };
    let sym = sym as u32;
    let mut address = vec![false; f.vars.len()];
    for inst in f.blocks.iter().flat_map(|b| &b.insts) {
        if let Inst::SymAddr { dst, sym: s } = *inst
            && s == sym
        {
            address[dst.0 as usize] = true;
        }
    }
    let Some(ty) = value_type(f, sym, &address) else {
        return false;
    };
    let var = Var(f.vars.len() as u32);
    f.vars.push(ty);
    for inst in f.blocks.iter_mut().flat_map(|b| &mut b.insts) {
        *inst = match *inst {
            Inst::SymAddr { dst, sym: s } if s == sym => Inst::IConst { dst, value: 0 },
            Inst::SymAddr { dst, sym: s } if s > sym => Inst::SymAddr { dst, sym: s - 1 },
            Inst::Load { dst, addr, .. } if address[addr.0 as usize] => {
                Inst::Copy { dst, src: var }
            }
            Inst::Store { src, addr, .. } if address[addr.0 as usize] => {
                Inst::Copy { dst: var, src }
            }
            ref other => other.clone(),
        };
    }
    let zero = match ty {
        Ty::F32 => Inst::FConst { dst: var, bits: 0 },
        _ => Inst::IConst { dst: var, value: 0 },
    };
    f.blocks[0].insts.insert(0, zero);
    f.symbols.remove(sym as usize);
    true
}

/// The type of the value in the cell of symbol `sym`, whose address the `address` vars hold,
/// if every use of them loads or stores that whole word (and nothing else defines them) with
/// one type.
fn value_type(f: &Function, sym: u32, address: &[bool]) -> Option<Ty> {
    let mut ty = None;
    for (_, inst) in crate::analysis::cell_accesses(f, sym, address)? {
        let (Inst::Load { dst: value, .. } | Inst::Store { src: value, .. }) = *inst else {
            continue;
        };
        if *ty.get_or_insert(f.ty(value)) != f.ty(value) {
            return None;
        }
    }
    Some(ty.unwrap_or(Ty::I32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::Builder;
    use crate::interp::{End, Host, interpret};
    use crate::{BlockId, Callee, Cond, IntOp, Terminator, Width};
    use std::collections::HashMap;

    fn global() -> DataSymbol {
        DataSymbol::Global {
            name: "g".into(),
            traced: false,
        }
    }

    /// Memory that reads zero where nothing was stored; no calls.
    #[derive(Default)]
    struct Memory(HashMap<u32, u32>);

    impl Host for Memory {
        fn load(&mut self, _: Width, addr: u32) -> u32 {
            self.0.get(&addr).copied().unwrap_or(0)
        }
        fn store(&mut self, _: Width, addr: u32, value: u32) {
            self.0.insert(addr, value);
        }
        fn call(&mut self, _: (BlockId, usize), _: &[u32], _: Callee, _: &[u32]) -> u32 {
            panic!("no calls")
        }
    }

    /// `for (i = 0; i < n; i++) g += i; return g` with `g` a global, reached through two
    /// `SymAddr`s; `then` may add more to the loop's body.
    fn sum_in_global(then: impl Fn(&mut Builder, Var)) -> Function {
        let (mut b, n) = Builder::new(&[Ty::I32], Some(Ty::I32));
        let g = b.symbol(global());
        let at_exit = b.var(Ty::I32);
        b.push(Inst::SymAddr {
            dst: at_exit,
            sym: g,
        });
        let i = b.iconst(0);
        let (head, body, exit) = (b.block(), b.block(), b.block());
        b.term(Terminator::Jump(head));
        b.switch(head);
        b.branch(Cond::LtS, i, n[0], body, exit);
        b.switch(body);
        let cell = b.var(Ty::I32);
        b.push(Inst::SymAddr { dst: cell, sym: g });
        let v = b.load(Width::W32, Ty::I32, cell, 0);
        let w = b.int(IntOp::Add, v, i);
        b.store(Width::W32, w, cell, 0);
        then(&mut b, cell);
        b.push(Inst::IntImm {
            op: IntOp::Add,
            dst: i,
            a: i,
            imm: 1,
        });
        b.term(Terminator::Jump(head));
        b.switch(exit);
        let r = b.load(Width::W32, Ty::I32, at_exit, 0);
        b.ret(r);
        b.finish()
    }

    #[test]
    fn a_global_becomes_a_var_with_the_same_results() {
        let before = sum_in_global(|_, _| {});
        let mut after = before.clone();
        assert!(global_to_local(&mut after, &global()));
        assert_eq!(crate::verify::verify(&after), Ok(()));
        assert!(after.symbols.is_empty());
        let memory_use = after.blocks.iter().flat_map(|b| &b.insts).any(|i| {
            matches!(
                i,
                Inst::Load { .. } | Inst::Store { .. } | Inst::SymAddr { .. }
            )
        });
        assert!(!memory_use, "{after:?}");
        for n in [0, 1, 10] {
            let expected = interpret(&before, &[n], &mut Memory::default());
            assert_eq!(expected, End::Return(n * (n.max(1) - 1) / 2));
            assert_eq!(interpret(&after, &[n], &mut Memory::default()), expected);
        }
    }

    #[test]
    fn a_global_whose_address_escapes_stays() {
        let escapes = |b: &mut Builder, cell: Var| {
            b.call(Callee::Native(0), &[cell], None);
        };
        let byte = |b: &mut Builder, cell: Var| {
            b.load(Width::U8, Ty::I32, cell, 1);
        };
        for then in [&escapes as &dyn Fn(&mut Builder, Var), &byte] {
            let before = sum_in_global(then);
            let mut after = before.clone();
            assert!(!global_to_local(&mut after, &global()));
            assert_eq!(after, before);
        }
        let mut other = sum_in_global(|_, _| {});
        let unnamed = DataSymbol::Global {
            name: "h".into(),
            traced: false,
        };
        assert!(!global_to_local(&mut other, &unnamed));
    }
}
