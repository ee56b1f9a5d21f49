//! Interrupt polls: the running program checks the board's interrupt flag often enough that
//! neither an endless loop nor an endless recursion escapes it, on every backend. A poll is a
//! volatile load of [`ir::DataSymbol::InterruptFlag`], a compare with zero and a rarely taken
//! branch to a raise of `RaiseInterrupted`, attributed to a source location.
//!
//! Where: at every loop back-edge, and at the start of every block that calls a BlueScript
//! function. A run that never ends either goes round a loop or makes ever more calls, so it
//! meets a poll; a function that makes no call and has no loop ends on its own. Polling before
//! calls rather than at every function entry leaves the paths that call nothing (the leaves of
//! a recursion, such as `fib`'s `n < 2`) without a poll.

use super::Lowerer;
use device::abi::Native;
use ir::{Block, BlockId, Callee, Cond, DataSymbol, Inst, LocId, Terminator, Ty, Var};
use syntax::Span;

impl Lowerer {
    /// A poll here, attributed to `span` (loop back-edges).
    pub(super) fn poll_interrupt(&mut self, span: Span) {
        let flag = self.b.sym_addr(DataSymbol::InterruptFlag);
        let set = self.b.load(Ty::I32, flag, 0);
        let zero = self.b.iconst(Ty::I32, 0);
        let (stop, go) = (self.b.block(), self.b.block());
        self.b.terminate(Terminator::Branch {
            cond: Cond::Ne,
            a: set,
            b: zero,
            then: stop,
            other: go,
        });
        self.b.switch_to(stop);
        self.b.raise(Native::RaiseInterrupted, vec![], span);
        self.b.switch_to(go);
    }
}

/// Puts a poll at the start of every block of `f` that calls a BlueScript function (through
/// its slot or dynamically), attributed to the first such call: the block becomes the poll,
/// and its instructions move to a new block.
pub(super) fn poll_before_calls(f: &mut ir::Function) {
    let first_call = |b: &Block| {
        b.insts.iter().find_map(|i| match i {
            Inst::Call {
                callee: Callee::Slot(_) | Callee::Dynamic(_),
                loc,
                ..
            } => Some(*loc),
            _ => None,
        })
    };
    let calling: Vec<(usize, LocId)> = f
        .blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| first_call(b).map(|loc| (i, loc)))
        .collect();
    if calling.is_empty() {
        return;
    }
    let sym = match f
        .symbols
        .iter()
        .position(|s| *s == DataSymbol::InterruptFlag)
    {
        Some(i) => i as u32,
        None => {
            f.symbols.push(DataSymbol::InterruptFlag);
            f.symbols.len() as u32 - 1
        }
    };
    for (b, loc) in calling {
        let mut var = |ty| {
            f.vars.push(ty);
            Var(f.vars.len() as u32 - 1)
        };
        let (flag, set, zero) = (var(Ty::I32), var(Ty::I32), var(Ty::I32));
        let stop = BlockId(f.blocks.len() as u32);
        let go = BlockId(stop.0 + 1);
        let poll = Block {
            insts: vec![
                Inst::SymAddr { dst: flag, sym },
                Inst::Load {
                    width: ir::Width::W32,
                    dst: set,
                    addr: flag,
                    offset: 0,
                },
                Inst::IConst {
                    dst: zero,
                    value: 0,
                },
            ],
            term: Terminator::Branch {
                cond: Cond::Ne,
                a: set,
                b: zero,
                then: stop,
                other: go,
            },
        };
        let body = std::mem::replace(&mut f.blocks[b], poll);
        f.blocks.push(Block {
            insts: Vec::new(),
            term: Terminator::Raise {
                native: Native::RaiseInterrupted as u32,
                args: Vec::new(),
                loc,
            },
        });
        f.blocks.push(body);
    }
}
