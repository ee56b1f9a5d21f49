//! The assembler of one function: instructions, labels and literals in, bytes out.
//!
//! Code is a list of [`Item`]s. Laying it out decides three things together, repeating until
//! nothing changes (sizes only grow, so it ends):
//! - **literal pools**: `l32r` loads a word from below itself, at most 256 KiB back. The code is
//!   cut into chunks of at most [`Assembler::chunk`] bytes; each chunk's distinct literals go
//!   in a pool just before it: the first pool at the start of the function (the instructions
//!   start after it, at [`Assembled::start`]; execution enters at [`Assembled::entry`]), the
//!   others in islands that the code jumps over;
//! - **branch relaxation**: a conditional branch whose target is out of its range becomes the
//!   inverted branch over a `j` to the target;
//! - **addresses** of labels and call sites.
//!
//! With [`Assembler::align_entry`], the entry point is padded with no-ops to a word boundary,
//! as `call8` (which reaches only aligned targets) needs of the functions it calls directly.
//! With [`Assembler::share_literals`], the function has no pools at all: each `l32r` is left
//! for the release linker to point into the one pool of the whole image
//! ([`Assembled::pooled`]).

use super::CodegenError;
use crate::isa::*;
use crate::{Encoded, encode};
use ir::LocId;
use std::collections::HashMap;

/// A position in the code, bound once with [`Assembler::bind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Label(u32);

/// The value of a literal word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Literal {
    /// A constant.
    Word(u32),
    /// The address of the function-table entry of callee `n` (relocated).
    Slot(u32),
    /// The address of data symbol `n` (relocated).
    Data(u32),
}

/// A conditional branch, without its offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cond {
    /// `op as, at`.
    Rr(BranchOp, Reg, Reg),
    /// `op as` against zero.
    Z(BranchZOp, Reg),
    /// `op as, imm`.
    Imm(BranchImmOp, Reg, i32),
    /// `op bs`.
    Bool(BranchBoolOp, BReg),
}

impl Cond {
    /// The branch instruction with `offset`.
    fn inst(self, offset: i32) -> Inst {
        match self {
            Cond::Rr(op, s, t) => Inst::Branch { op, s, t, offset },
            Cond::Z(op, s) => Inst::BranchZ { op, s, offset },
            Cond::Imm(op, s, imm) => Inst::BranchImm { op, s, imm, offset },
            Cond::Bool(op, s) => Inst::BranchBool { op, s, offset },
        }
    }

    /// The branch taken exactly when this one is not.
    pub fn invert(self) -> Cond {
        use BranchOp::*;
        match self {
            Cond::Rr(op, s, t) => {
                let op = match op {
                    Beq => Bne,
                    Bne => Beq,
                    Blt => Bge,
                    Bge => Blt,
                    Bltu => Bgeu,
                    Bgeu => Bltu,
                    Bany => Bnone,
                    Bnone => Bany,
                    Ball => Bnall,
                    Bnall => Ball,
                    Bbc => Bbs,
                    Bbs => Bbc,
                };
                Cond::Rr(op, s, t)
            }
            Cond::Z(op, s) => {
                let op = match op {
                    BranchZOp::Beqz => BranchZOp::Bnez,
                    BranchZOp::Bnez => BranchZOp::Beqz,
                    BranchZOp::Bltz => BranchZOp::Bgez,
                    BranchZOp::Bgez => BranchZOp::Bltz,
                };
                Cond::Z(op, s)
            }
            Cond::Imm(op, s, imm) => {
                let op = match op {
                    BranchImmOp::Beqi => BranchImmOp::Bnei,
                    BranchImmOp::Bnei => BranchImmOp::Beqi,
                    BranchImmOp::Blti => BranchImmOp::Bgei,
                    BranchImmOp::Bgei => BranchImmOp::Blti,
                    BranchImmOp::Bltui => BranchImmOp::Bgeui,
                    BranchImmOp::Bgeui => BranchImmOp::Bltui,
                };
                Cond::Imm(op, s, imm)
            }
            Cond::Bool(op, s) => {
                let op = match op {
                    BranchBoolOp::Bf => BranchBoolOp::Bt,
                    BranchBoolOp::Bt => BranchBoolOp::Bf,
                };
                Cond::Bool(op, s)
            }
        }
    }
}

/// One element of the code.
#[derive(Debug, Clone, Copy)]
enum Item {
    /// An instruction without a PC-relative operand.
    Inst(Inst),
    /// A call instruction whose return address is a call site with this location.
    Call(Inst, LocId),
    /// `call8` to a target the linker resolves, a call site at this location.
    DirectCall(CallTarget, LocId),
    /// A conditional branch to a label; `long` once relaxed.
    Branch { cond: Cond, to: Label, long: bool },
    /// `j` to a label.
    Jump(Label),
    /// `l32r t, literal`.
    L32r(Reg, Literal),
    /// The position of a label.
    Bind(Label),
    /// The function's entry point.
    Entry,
}

impl Item {
    fn size(&self) -> u32 {
        match self {
            Item::Inst(i) | Item::Call(i, _) => i.size(),
            Item::Branch { long, .. } => {
                if *long {
                    6
                } else {
                    3
                }
            }
            Item::Jump(_) | Item::L32r(..) | Item::DirectCall(..) => 3,
            Item::Bind(_) | Item::Entry => 0,
        }
    }
}

/// What a direct `call8` ([`Assembler::call_direct`]) calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallTarget {
    /// The BlueScript function [`ir::Function::callees`]`[n]`.
    Function(u32),
    /// The native with this number, at its entry in the native vector.
    Native(u32),
}

/// A relocated literal word in the assembled code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiteralReloc {
    /// Byte offset of the word.
    pub offset: u32,
    /// What it holds.
    pub literal: Literal,
}

/// The assembled function.
#[derive(Debug, Clone)]
pub struct Assembled {
    /// Literal pools and instructions.
    pub code: Vec<u8>,
    /// Offset of the first instruction (after the first literal pool).
    pub start: u32,
    /// Offset of the function's entry point ([`Assembler::mark_entry`], else `start`).
    pub entry: u32,
    /// Return offsets of the calls, with their locations, in code order.
    pub calls: Vec<(u32, LocId)>,
    /// The relocated literal words, in code order.
    pub relocs: Vec<LiteralReloc>,
    /// The direct calls: offset of each `call8` and what it calls, in code order.
    pub direct_calls: Vec<(u32, CallTarget)>,
    /// With [`Assembler::share_literals`]: the offset of each `l32r` and the literal it loads,
    /// in code order.
    pub pooled: Vec<(u32, Literal)>,
}

/// Collects the code of one function.
#[derive(Debug)]
pub struct Assembler {
    items: Vec<Item>,
    labels: u32,
    /// The most code bytes between two literal pools.
    chunk: u32,
    /// Whether the entry point goes on a word boundary.
    align_entry: bool,
    /// Whether the literals go in a pool the linker makes (none in the function).
    share_literals: bool,
}

/// Code bytes per literal pool: small enough that a chunk and its pool (at most one 4-byte
/// literal per 3-byte `l32r`) stay well within `l32r`'s 256 KiB reach.
pub const CHUNK: u32 = 64 << 10;

/// Where the layout put things.
struct Layout {
    /// Address of every item.
    addr: Vec<u32>,
    /// Address of every label.
    labels: Vec<u32>,
    /// Per chunk: its first item, the pool's address, its literals in order with addresses.
    pools: Vec<Pool>,
    /// The chunk of every item.
    chunk_of: Vec<usize>,
    /// One past the last byte.
    end: u32,
    /// Where the no-ops that align the entry point go, and how many bytes they take.
    entry_padding: Option<(u32, u32)>,
}

struct Pool {
    first_item: usize,
    /// Address of the `j` over the island (`None` for the first pool).
    jump: Option<u32>,
    start: u32,
    literals: Vec<Literal>,
    index: HashMap<Literal, u32>,
}

impl Assembler {
    /// An empty assembler putting at most `chunk` code bytes between literal pools.
    pub fn new(chunk: u32) -> Assembler {
        Assembler { items: Vec::new(), labels: 0, chunk, align_entry: false, share_literals: false }
    }

    /// Leaves the literals to a pool the linker makes for the whole image: the function gets
    /// none, and each `l32r` is listed in [`Assembled::pooled`].
    pub fn share_literals(&mut self) {
        self.share_literals = true;
    }

    /// Puts the entry point on a word boundary (no-ops before it), so that `call8` can reach it.
    pub fn align_entry(&mut self) {
        self.align_entry = true;
    }

    /// A fresh label.
    pub fn label(&mut self) -> Label {
        self.labels += 1;
        Label(self.labels - 1)
    }

    /// Places `l` here.
    pub fn bind(&mut self, l: Label) {
        self.items.push(Item::Bind(l));
    }

    /// Marks the function's entry point here (code before it is only reached by branches).
    pub fn mark_entry(&mut self) {
        self.items.push(Item::Entry);
    }

    /// Appends an instruction without a PC-relative operand.
    pub fn inst(&mut self, i: Inst) {
        // `mov.n b, a` right after `mov.n a, b` (no label between) moves nothing.
        if let (Inst::MovN { t, s }, Some(Item::Inst(Inst::MovN { t: t0, s: s0 }))) =
            (i, self.items.last())
            && t == *s0
            && s == *t0
        {
            return;
        }
        self.items.push(Item::Inst(i));
    }

    /// Appends a call instruction (`callx8`) whose return address is a call site at `loc`.
    pub fn call(&mut self, i: Inst, loc: LocId) {
        self.items.push(Item::Call(i, loc));
    }

    /// Appends `call8` to `target`, whose offset the linker fills in
    /// ([`Assembled::direct_calls`]); its return address is a call site at `loc`.
    pub fn call_direct(&mut self, target: CallTarget, loc: LocId) {
        self.items.push(Item::DirectCall(target, loc));
    }

    /// Appends a conditional branch to `to`.
    pub fn branch(&mut self, cond: Cond, to: Label) {
        self.items.push(Item::Branch { cond, to, long: false });
    }

    /// Appends `j to`.
    pub fn jump(&mut self, to: Label) {
        self.items.push(Item::Jump(to));
    }

    /// Appends `l32r t, literal`.
    pub fn l32r(&mut self, t: Reg, literal: Literal) {
        self.items.push(Item::L32r(t, literal));
    }

    /// Lays out and encodes the code.
    pub fn finish(mut self) -> Result<Assembled, CodegenError> {
        self.drop_jumps_to_next();
        let layout = loop {
            let layout = self.layout();
            let mut changed = false;
            for (i, item) in self.items.iter_mut().enumerate() {
                if let Item::Branch { cond, to, long } = item
                    && !*long
                {
                    let offset = branch_offset(layout.addr[i], layout.labels[to.0 as usize]);
                    if encode(&cond.inst(offset)).is_err() {
                        *long = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break layout;
            }
        };
        self.emit(&layout)
    }

    /// Removes each `j` to a label bound right after it (blocks that emit no code can leave
    /// one: a jump over an empty block to the block after it).
    fn drop_jumps_to_next(&mut self) {
        let to_next = |i: usize, to: Label| {
            self.items[i + 1..]
                .iter()
                .take_while(|item| matches!(item, Item::Bind(_)))
                .any(|item| matches!(item, Item::Bind(l) if *l == to))
        };
        let dropped: Vec<bool> = (0..self.items.len())
            .map(|i| matches!(self.items[i], Item::Jump(to) if to_next(i, to)))
            .collect();
        let mut i = 0;
        self.items.retain(|_| {
            i += 1;
            !dropped[i - 1]
        });
    }

    /// Addresses of everything for the current branch sizes.
    fn layout(&self) -> Layout {
        // Chunks by code size alone, then pools sized by their distinct literals.
        let mut pools: Vec<Pool> = Vec::new();
        let mut chunk_of = Vec::with_capacity(self.items.len());
        let mut size = 0;
        for (i, item) in self.items.iter().enumerate() {
            if pools.is_empty() || (size + item.size() > self.chunk && item.size() > 0) {
                pools.push(Pool {
                    first_item: i,
                    jump: None,
                    start: 0,
                    literals: Vec::new(),
                    index: HashMap::new(),
                });
                size = 0;
            }
            size += item.size();
            let pool = pools.last_mut().expect("a pool");
            if let Item::L32r(_, lit) = item
                && !self.share_literals
                && !pool.index.contains_key(lit)
            {
                pool.index.insert(*lit, pool.literals.len() as u32);
                pool.literals.push(*lit);
            }
            chunk_of.push(pools.len() - 1);
        }
        let mut addr = vec![0; self.items.len()];
        let mut labels = vec![0; self.labels as usize];
        let mut pc = 0u32;
        let mut next_pool = 0;
        let mut entry_padding = None;
        for (i, item) in self.items.iter().enumerate() {
            if next_pool < pools.len() && pools[next_pool].first_item == i {
                let pool = &mut pools[next_pool];
                if next_pool > 0 {
                    pool.jump = Some(pc);
                    pc += 3;
                }
                pc = pc.next_multiple_of(4);
                pool.start = pc;
                pc += 4 * pool.literals.len() as u32;
                next_pool += 1;
            }
            if matches!(item, Item::Entry) && self.align_entry && !pc.is_multiple_of(4) {
                // 1 byte is no instruction: 5 (`nop.n`, `nop`) instead.
                let len = [0, 3, 2, 5][pc as usize % 4];
                entry_padding = Some((pc, len));
                pc += len;
            }
            addr[i] = pc;
            if let Item::Bind(l) = item {
                labels[l.0 as usize] = pc;
            }
            pc += item.size();
        }
        if pools.is_empty() {
            pools.push(Pool {
                first_item: 0,
                jump: None,
                start: 0,
                literals: Vec::new(),
                index: HashMap::new(),
            });
        }
        Layout { addr, labels, pools, chunk_of, end: pc, entry_padding }
    }

    fn emit(&self, layout: &Layout) -> Result<Assembled, CodegenError> {
        let mut code = vec![0u8; layout.end as usize];
        let mut put = |at: u32, e: Encoded| {
            code[at as usize..at as usize + e.len()].copy_from_slice(e.as_bytes());
        };
        let enc = |i: Inst| encode(&i).map_err(|e| CodegenError::Encode(e.to_string()));
        let mut relocs = Vec::new();
        let mut words: Vec<(u32, u32)> = Vec::new();
        for pool in &layout.pools {
            if let Some(at) = pool.jump {
                let over = pool.start + 4 * pool.literals.len() as u32;
                put(at, enc(Inst::J { offset: branch_offset(at, over) })?);
            }
            for (k, lit) in pool.literals.iter().enumerate() {
                let at = pool.start + 4 * k as u32;
                match *lit {
                    Literal::Word(w) => words.push((at, w)),
                    _ => {
                        words.push((at, 0));
                        relocs.push(LiteralReloc { offset: at, literal: *lit });
                    }
                }
            }
        }
        if let Some((at, len)) = layout.entry_padding {
            if len != 3 {
                put(at, enc(Inst::NopN)?);
            }
            if len != 2 {
                put(at + len - 3, enc(Inst::Nop)?);
            }
        }
        let mut calls = Vec::new();
        let mut direct_calls = Vec::new();
        let mut pooled = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            let pc = layout.addr[i];
            let target = |l: &Label| layout.labels[l.0 as usize];
            match item {
                Item::Inst(inst) => put(pc, enc(*inst)?),
                Item::Call(inst, loc) => {
                    put(pc, enc(*inst)?);
                    calls.push((pc + inst.size(), *loc));
                }
                Item::DirectCall(callee, loc) => {
                    // A placeholder that calls the next word; the linker patches the offset.
                    put(pc, enc(Inst::Call { op: CallOp::Call8, offset: 4 })?);
                    calls.push((pc + 3, *loc));
                    direct_calls.push((pc, *callee));
                }
                Item::Branch { cond, to, long } => {
                    if *long {
                        put(pc, enc(cond.invert().inst(6))?);
                        let j = Inst::J { offset: branch_offset(pc + 3, target(to)) };
                        put(pc + 3, encode(&j).map_err(|_| CodegenError::TooLarge)?);
                    } else {
                        put(pc, enc(cond.inst(branch_offset(pc, target(to))))?);
                    }
                }
                Item::Jump(to) => {
                    let j = Inst::J { offset: branch_offset(pc, target(to)) };
                    put(pc, encode(&j).map_err(|_| CodegenError::TooLarge)?);
                }
                Item::L32r(t, lit) if self.share_literals => {
                    // A placeholder loading the word before it; the linker retargets it.
                    put(pc, enc(Inst::L32r { t: *t, offset: -4 })?);
                    pooled.push((pc, *lit));
                }
                Item::L32r(t, lit) => {
                    let pool = &layout.pools[layout.chunk_of[i]];
                    let at = pool.start + 4 * pool.index[lit];
                    let l = Inst::L32r { t: *t, offset: l32r_offset(pc, at) };
                    put(pc, encode(&l).map_err(|_| CodegenError::TooLarge)?);
                }
                Item::Bind(_) | Item::Entry => {}
            }
        }
        for (at, w) in words {
            code[at as usize..at as usize + 4].copy_from_slice(&w.to_le_bytes());
        }
        let start = layout.pools[0].start + 4 * layout.pools[0].literals.len() as u32;
        let entry = self
            .items
            .iter()
            .position(|i| matches!(i, Item::Entry))
            .map_or(start, |i| layout.addr[i]);
        Ok(Assembled { code, start, entry, calls, relocs, direct_calls, pooled })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;

    /// Decodes `code` from `entry` to the end; with `islands`, every `j` jumps over a literal
    /// island.
    fn listing(a: &Assembled, islands: bool) -> Vec<(u32, Inst)> {
        let mut out = Vec::new();
        let mut pc = a.start;
        while (pc as usize) < a.code.len() {
            let (inst, len) = decode(&a.code[pc as usize..]).expect("an instruction");
            out.push((pc, inst));
            pc = match inst {
                // An island: continue after it.
                Inst::J { offset } if islands => (pc as i64 + offset as i64) as u32,
                _ => pc + len as u32,
            };
        }
        out
    }

    #[test]
    fn a_far_branch_becomes_an_inverted_branch_over_a_jump() {
        let mut a = Assembler::new(CHUNK);
        let (near, far) = (a.label(), a.label());
        a.branch(Cond::Rr(BranchOp::Blt, Reg::A2, Reg::A3), far);
        a.branch(Cond::Z(BranchZOp::Beqz, Reg::A2), near);
        for _ in 0..100 {
            a.inst(Inst::Nop);
        }
        a.bind(near);
        for _ in 0..1000 {
            a.inst(Inst::Nop);
        }
        a.bind(far);
        a.inst(Inst::RetwN);
        let out = a.finish().unwrap();
        let l = listing(&out, false);
        let target = 9 + 1100 * 3;
        assert_eq!(l[0].1, Inst::Branch { op: BranchOp::Bge, s: Reg::A2, t: Reg::A3, offset: 6 });
        assert_eq!(l[1].1.target(l[1].0), Some(target));
        assert!(matches!(l[1].1, Inst::J { .. }));
        // beqz reaches ±2 KiB: it stays short.
        assert_eq!(l[2].1.target(l[2].0), Some(9 + 100 * 3));
        assert!(matches!(l[2].1, Inst::BranchZ { .. }));
    }

    #[test]
    fn literal_pools_stay_in_range_and_dedup() {
        let mut a = Assembler::new(256);
        for k in 0..400u32 {
            a.l32r(Reg::A2, Literal::Word(k % 150));
            a.l32r(Reg::A3, Literal::Slot(k % 3));
        }
        let end = a.label();
        a.bind(end);
        a.inst(Inst::RetwN);
        let out = a.finish().unwrap();
        let loads: Vec<(u32, Inst)> = listing(&out, true)
            .into_iter()
            .filter(|(_, i)| matches!(i, Inst::L32r { .. }))
            .collect();
        assert_eq!(loads.len(), 800);
        for (k, (pc, inst)) in loads.iter().enumerate() {
            let at = inst.target(*pc).unwrap();
            assert!(at < *pc && pc - at < 256 + 4 * 100, "literal too far from {pc:#x}");
            let word =
                u32::from_le_bytes(out.code[at as usize..at as usize + 4].try_into().unwrap());
            if k % 2 == 0 {
                assert_eq!(word, (k as u32 / 2) % 150);
            } else {
                let r = out.relocs.iter().find(|r| r.offset == at).expect("a relocation");
                assert_eq!(r.literal, Literal::Slot((k as u32 / 2) % 3));
            }
        }
        // Several pools, each holding one copy of a literal.
        let pools = out.relocs.iter().filter(|r| r.literal == Literal::Slot(0)).count();
        assert!(pools > 5, "{pools} pools");
    }

    #[test]
    fn an_aligned_entry_is_padded_with_no_ops() {
        // Code of 2, 3, 5 and 4 bytes before the entry: 2, 5 (1 byte is no instruction),
        // 3 and no bytes of padding.
        let before: [&[Inst]; 4] =
            [&[Inst::NopN], &[Inst::Nop], &[Inst::NopN, Inst::Nop], &[Inst::NopN, Inst::NopN]];
        for (k, insts) in before.iter().enumerate() {
            let mut a = Assembler::new(CHUNK);
            a.align_entry();
            for &i in *insts {
                a.inst(i);
            }
            a.mark_entry();
            a.inst(Inst::RetwN);
            let out = a.finish().unwrap();
            assert_eq!(out.entry % 4, 0, "case {k}");
            assert_eq!(out.entry, [4, 8, 8, 4][k], "case {k}");
            // Everything up to the entry decodes as no-ops.
            let l = listing(&out, false);
            let (pre, post): (Vec<_>, Vec<_>) = l.into_iter().partition(|(pc, _)| *pc < out.entry);
            assert!(pre.iter().all(|(_, i)| matches!(i, Inst::Nop | Inst::NopN)), "{pre:?}");
            assert_eq!(post, [(out.entry, Inst::RetwN)]);
        }
    }

    #[test]
    fn a_direct_call_is_a_call8_placeholder_and_a_call_site() {
        let mut a = Assembler::new(CHUNK);
        a.inst(Inst::NopN);
        a.call_direct(CallTarget::Function(7), LocId(3));
        a.inst(Inst::RetwN);
        let out = a.finish().unwrap();
        assert_eq!(out.direct_calls, [(2, CallTarget::Function(7))]);
        assert_eq!(out.calls, [(5, LocId(3))]);
        assert_eq!(decode(&out.code[2..]), Some((Inst::Call { op: CallOp::Call8, offset: 4 }, 3)));
    }

    #[test]
    fn a_jump_to_the_label_just_after_it_goes() {
        let mut a = Assembler::new(CHUNK);
        let (empty, next, back) = (a.label(), a.label(), a.label());
        a.bind(back);
        a.inst(Inst::NopN);
        // Over a block without code, to the next one: no `j` at all.
        a.jump(next);
        a.bind(empty);
        a.bind(next);
        a.inst(Inst::NopN);
        a.jump(back);
        let out = a.finish().unwrap();
        let insts: Vec<Inst> = listing(&out, false).into_iter().map(|(_, i)| i).collect();
        assert_eq!(insts, [Inst::NopN, Inst::NopN, Inst::J { offset: -4 }]);
    }

    #[test]
    fn a_move_back_right_after_a_move_goes_unless_a_label_is_between() {
        let there = Inst::MovN { t: Reg::A7, s: Reg::A2 };
        let back = Inst::MovN { t: Reg::A2, s: Reg::A7 };
        let mut a = Assembler::new(CHUNK);
        a.inst(there);
        a.inst(back);
        let label = a.label();
        a.bind(label);
        a.inst(back);
        a.jump(label);
        let out = a.finish().unwrap();
        let insts: Vec<Inst> = listing(&out, false).into_iter().map(|(_, i)| i).collect();
        assert_eq!(insts, [there, back, Inst::J { offset: -2 }]);
    }
}
