//! Fetching (with the per-address decode cache) and executing instructions.

use backend_xtensa::{
    BranchBitOp, BranchBoolOp, BranchImmOp, BranchOp, BranchZNOp, BranchZOp, CallOp, CallxOp,
    FpMemOp, FpMovAOp, FpMovBOp, FpOp, FpToIntOp, FpUnaryOp, Inst, IntToFpOp, MemOp, Reg, RrrOp,
};

use crate::cpu::Stop;
use crate::{Fault, Sim, fpu, window};

/// An instruction decoded once and cached at its address.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decoded {
    inst: Inst,
    len: u8,
    /// The highest register group (`a{4g}..a{4g+3}`) the instruction touches, for the window
    /// overflow check.
    group: u8,
}

/// The highest register group an instruction touches (calls include the register that
/// receives the return address; `entry` is checked when it runs).
fn group(inst: &Inst) -> u8 {
    let regs: &[Reg] = match inst {
        Inst::Rrr { r, s, t, .. } | Inst::AddN { r, s, t } => &[*r, *s, *t],
        Inst::Neg { r, t }
        | Inst::Abs { r, t }
        | Inst::Srli { r, t, .. }
        | Inst::Srai { r, t, .. }
        | Inst::Srl { r, t }
        | Inst::Sra { r, t }
        | Inst::Extui { r, t, .. } => &[*r, *t],
        Inst::Slli { r, s, .. } | Inst::Sll { r, s } | Inst::AddiN { r, s, .. } => &[*r, *s],
        Inst::Movi { t, .. } | Inst::L32r { t, .. } => &[*t],
        Inst::Addi { t, s, .. }
        | Inst::Addmi { t, s, .. }
        | Inst::Mem { t, s, .. }
        | Inst::Branch { s, t, .. }
        | Inst::Movsp { t, s }
        | Inst::L32iN { t, s, .. }
        | Inst::S32iN { t, s, .. }
        | Inst::MovN { t, s } => &[*t, *s],
        Inst::Ssl { s }
        | Inst::Ssr { s }
        | Inst::BranchZ { s, .. }
        | Inst::BranchImm { s, .. }
        | Inst::BranchBit { s, .. }
        | Inst::Jx { s }
        | Inst::Entry { s, .. }
        | Inst::Wfr { s, .. }
        | Inst::IntToFp { s, .. }
        | Inst::FpMem { s, .. }
        | Inst::MoviN { s, .. }
        | Inst::BranchZN { s, .. } => &[*s],
        Inst::Rfr { r, .. } | Inst::FpToInt { r, .. } => &[*r],
        Inst::FpMovA { t, .. } => &[*t],
        Inst::Callx { op, s } => return (s.index() / 4).max(callx_increment(*op) as u8),
        Inst::Call { op, .. } => return call_increment(*op) as u8,
        // Simulator calls read a2..a5 (QEMU's semihosting convention).
        Inst::Simcall => return 1,
        _ => &[],
    };
    regs.iter().map(|r| r.index() / 4).max().unwrap_or(0)
}

fn call_increment(op: CallOp) -> u32 {
    match op {
        CallOp::Call0 => 0,
        CallOp::Call4 => 1,
        CallOp::Call8 => 2,
        CallOp::Call12 => 3,
    }
}

fn callx_increment(op: CallxOp) -> u32 {
    match op {
        CallxOp::Callx0 => 0,
        CallxOp::Callx4 => 1,
        CallxOp::Callx8 => 2,
        CallxOp::Callx12 => 3,
    }
}

/// The decoded instruction at `pc`, from the cache or decoded now.
#[inline]
fn fetch(sim: &mut Sim, pc: u32) -> Result<Decoded, Fault> {
    let regions = &mut sim.memory.regions;
    let in_region =
        |r: &crate::memory::Region| r.spec.executable && pc.wrapping_sub(r.spec.base) < r.spec.size;
    if !regions.get(sim.code_region).is_some_and(in_region) {
        sim.code_region = regions
            .iter()
            .position(in_region)
            .ok_or(Fault::Unmapped { pc, addr: pc })?;
    }
    let region = &mut regions[sim.code_region];
    let off = pc.wrapping_sub(region.spec.base) as usize;
    if let Some(d) = region.decoded[off] {
        return Ok(d);
    }
    let mut bytes = [0; 3];
    let n = region.peek(off, &mut bytes);
    let (inst, len) =
        backend_xtensa::decode(&bytes[..n]).ok_or(Fault::IllegalInstruction { pc })?;
    let d = Decoded {
        inst,
        len: len as u8,
        group: group(&inst),
    };
    region.decoded[off] = Some(d);
    Ok(d)
}

/// Runs until an intercepted address, a fault, or `fuel` instructions.
pub(crate) fn run(sim: &mut Sim, fuel: u64) -> Result<Stop, Fault> {
    let (lo, len) = (
        sim.intercept.start,
        sim.intercept.end.wrapping_sub(sim.intercept.start),
    );
    for _ in 0..fuel {
        let pc = sim.pc;
        if pc.wrapping_sub(lo) < len {
            return Ok(Stop::Intercepted(pc));
        }
        let d = fetch(sim, pc)?;
        if !sim.window.fits(u32::from(d.group)) {
            window::overflow(sim, u32::from(d.group))?;
        }
        execute(sim, d.inst, pc, pc.wrapping_add(u32::from(d.len)))?;
        sim.count += 1;
    }
    if sim.intercept.contains(&sim.pc) {
        return Ok(Stop::Intercepted(sim.pc));
    }
    Ok(Stop::OutOfFuel)
}

impl Sim {
    #[inline]
    fn get(&self, r: Reg) -> u32 {
        self.ar[self.window.physical(u32::from(r.index()))]
    }

    #[inline]
    fn put(&mut self, r: Reg, value: u32) {
        let i = self.window.physical(u32::from(r.index()));
        self.ar[i] = value;
    }

    fn load32(&mut self, pc: u32, addr: u32) -> Result<u32, Fault> {
        Ok(u32::from_le_bytes(self.memory.load(pc, addr)?))
    }

    fn store32(&mut self, pc: u32, addr: u32, value: u32) -> Result<(), Fault> {
        self.memory.store(pc, addr, value.to_le_bytes())
    }

    /// A windowed call with increment `n` (1, 2 or 3 groups) or a `call0` (`n == 0`).
    fn call(&mut self, n: u32, next: u32, target: u32) {
        if n == 0 {
            self.ar[self.window.physical(0)] = next;
        } else {
            let i = self.window.physical(4 * n);
            self.ar[i] = (n << 30) | (next & 0x3fff_ffff);
            self.callinc = n;
        }
        self.pc = target;
    }
}

fn rrr(op: RrrOp, pc: u32, s: u32, t: u32, r: u32) -> Result<u32, Fault> {
    use RrrOp::*;
    let (si, ti) = (s as i32, t as i32);
    Ok(match op {
        Add => s.wrapping_add(t),
        Addx2 => (s << 1).wrapping_add(t),
        Addx4 => (s << 2).wrapping_add(t),
        Addx8 => (s << 3).wrapping_add(t),
        Sub => s.wrapping_sub(t),
        Subx2 => (s << 1).wrapping_sub(t),
        Subx4 => (s << 2).wrapping_sub(t),
        Subx8 => (s << 3).wrapping_sub(t),
        And => s & t,
        Or => s | t,
        Xor => s ^ t,
        Min => si.min(ti) as u32,
        Max => si.max(ti) as u32,
        Minu => s.min(t),
        Maxu => s.max(t),
        Moveqz => {
            if t == 0 {
                s
            } else {
                r
            }
        }
        Movnez => {
            if t != 0 {
                s
            } else {
                r
            }
        }
        Movltz => {
            if ti < 0 {
                s
            } else {
                r
            }
        }
        Movgez => {
            if ti >= 0 {
                s
            } else {
                r
            }
        }
        Mull => s.wrapping_mul(t),
        Muluh => ((u64::from(s) * u64::from(t)) >> 32) as u32,
        Mulsh => ((i64::from(si) * i64::from(ti)) >> 32) as u32,
        Quos | Quou | Rems | Remu if t == 0 => return Err(Fault::DivideByZero { pc }),
        Quos => si.wrapping_div(ti) as u32,
        Quou => s / t,
        Rems => si.wrapping_rem(ti) as u32,
        Remu => s % t,
    })
}

fn branch(op: BranchOp, s: u32, t: u32) -> bool {
    use BranchOp::*;
    match op {
        Beq => s == t,
        Bne => s != t,
        Blt => (s as i32) < (t as i32),
        Bge => (s as i32) >= (t as i32),
        Bltu => s < t,
        Bgeu => s >= t,
        Bany => s & t != 0,
        Bnone => s & t == 0,
        Ball => !s & t == 0,
        Bnall => !s & t != 0,
        Bbc => s & (1 << (t & 31)) == 0,
        Bbs => s & (1 << (t & 31)) != 0,
    }
}

fn branch_imm(op: BranchImmOp, s: u32, imm: i32) -> bool {
    use BranchImmOp::*;
    match op {
        Beqi => s as i32 == imm,
        Bnei => s as i32 != imm,
        Blti => (s as i32) < imm,
        Bgei => (s as i32) >= imm,
        Bltui => s < imm as u32,
        Bgeui => s >= imm as u32,
    }
}

/// Executes `inst` at `pc` (`next` is the address after it) and sets the next PC.
#[inline]
fn execute(sim: &mut Sim, inst: Inst, pc: u32, next: u32) -> Result<(), Fault> {
    let mut target = next;
    match inst {
        Inst::Rrr { op, r, s, t } => {
            let v = rrr(op, pc, sim.get(s), sim.get(t), sim.get(r))?;
            sim.put(r, v);
        }
        Inst::Neg { r, t } => {
            let v = sim.get(t).wrapping_neg();
            sim.put(r, v);
        }
        Inst::Abs { r, t } => {
            let v = (sim.get(t) as i32).wrapping_abs() as u32;
            sim.put(r, v);
        }
        Inst::Movi { t, imm } => sim.put(t, imm as u32),
        Inst::Addi { t, s, imm } | Inst::Addmi { t, s, imm } => {
            let v = sim.get(s).wrapping_add_signed(imm);
            sim.put(t, v);
        }
        Inst::Slli { r, s, sa } => {
            let v = sim.get(s) << sa;
            sim.put(r, v);
        }
        Inst::Srli { r, t, sa } => {
            let v = sim.get(t) >> sa;
            sim.put(r, v);
        }
        Inst::Srai { r, t, sa } => {
            let v = ((sim.get(t) as i32) >> sa) as u32;
            sim.put(r, v);
        }
        // The funnel shifter: `sll` shifts (as ‖ 0) right by SAR, `srl` (0 ‖ at), `sra`
        // (sign ‖ at); SAR is 0..=32 (`ssl` sets 32 − amount).
        Inst::Sll { r, s } => {
            let v = ((u64::from(sim.get(s)) << 32) >> sim.sar) as u32;
            sim.put(r, v);
        }
        Inst::Srl { r, t } => {
            let v = (u64::from(sim.get(t)) >> sim.sar) as u32;
            sim.put(r, v);
        }
        Inst::Sra { r, t } => {
            let v = (i64::from(sim.get(t) as i32) >> sim.sar) as u32;
            sim.put(r, v);
        }
        Inst::Ssl { s } => sim.sar = 32 - (sim.get(s) & 31),
        Inst::Ssr { s } => sim.sar = sim.get(s) & 31,
        Inst::Ssai { sa } => sim.sar = u32::from(sa),
        Inst::Extui { r, t, shift, bits } => {
            let v = (sim.get(t) >> shift) & ((1u32 << bits) - 1);
            sim.put(r, v);
        }
        Inst::Nop | Inst::NopN => {}
        Inst::Mem { op, t, s, offset } => {
            let addr = sim.get(s).wrapping_add(offset);
            match op {
                MemOp::L8ui => {
                    let [b] = sim.memory.load(pc, addr)?;
                    sim.put(t, u32::from(b));
                }
                MemOp::L16ui => {
                    let v = u16::from_le_bytes(sim.memory.load(pc, addr)?);
                    sim.put(t, u32::from(v));
                }
                MemOp::L16si => {
                    let v = i16::from_le_bytes(sim.memory.load(pc, addr)?);
                    sim.put(t, v as i32 as u32);
                }
                MemOp::L32i => {
                    let v = sim.load32(pc, addr)?;
                    sim.put(t, v);
                }
                MemOp::S8i => sim.memory.store(pc, addr, [sim.get(t) as u8])?,
                MemOp::S16i => sim
                    .memory
                    .store(pc, addr, (sim.get(t) as u16).to_le_bytes())?,
                MemOp::S32i => sim.store32(pc, addr, sim.get(t))?,
            }
        }
        Inst::L32iN { t, s, offset } => {
            let v = sim.load32(pc, sim.get(s).wrapping_add(offset))?;
            sim.put(t, v);
        }
        Inst::S32iN { t, s, offset } => {
            sim.store32(pc, sim.get(s).wrapping_add(offset), sim.get(t))?
        }
        Inst::L32r { t, .. } => {
            let addr = inst.target(pc).unwrap_or(pc);
            let v = sim.load32(pc, addr)?;
            sim.put(t, v);
        }
        Inst::Branch { op, s, t, offset } => {
            if branch(op, sim.get(s), sim.get(t)) {
                target = pc.wrapping_add_signed(offset);
            }
        }
        Inst::BranchZ { op, s, offset } => {
            let v = sim.get(s) as i32;
            let taken = match op {
                BranchZOp::Beqz => v == 0,
                BranchZOp::Bnez => v != 0,
                BranchZOp::Bltz => v < 0,
                BranchZOp::Bgez => v >= 0,
            };
            if taken {
                target = pc.wrapping_add_signed(offset);
            }
        }
        Inst::BranchZN { op, s, offset } => {
            let v = sim.get(s);
            if (op == BranchZNOp::BeqzN) == (v == 0) {
                target = pc.wrapping_add_signed(offset);
            }
        }
        Inst::BranchImm { op, s, imm, offset } => {
            if branch_imm(op, sim.get(s), imm) {
                target = pc.wrapping_add_signed(offset);
            }
        }
        Inst::BranchBit { op, s, bit, offset } => {
            let set = sim.get(s) & (1 << bit) != 0;
            if set == (op == BranchBitOp::Bbsi) {
                target = pc.wrapping_add_signed(offset);
            }
        }
        Inst::BranchBool { op, s, offset } => {
            let set = sim.br & (1 << s.index()) != 0;
            if set == (op == BranchBoolOp::Bt) {
                target = pc.wrapping_add_signed(offset);
            }
        }
        Inst::J { offset } => target = pc.wrapping_add_signed(offset),
        Inst::Jx { s } => target = sim.get(s),
        Inst::Call { op, offset } => {
            sim.call(
                call_increment(op),
                next,
                (pc & !3).wrapping_add_signed(offset),
            );
            return Ok(());
        }
        Inst::Callx { op, s } => {
            let to = sim.get(s);
            sim.call(callx_increment(op), next, to);
            return Ok(());
        }
        Inst::Ret | Inst::RetN => target = sim.get(Reg::A0),
        Inst::Retw | Inst::RetwN => {
            let a0 = sim.get(Reg::A0);
            let n = a0 >> 30;
            if n == 0 {
                return Err(Fault::IllegalInstruction { pc });
            }
            if !sim.window.caller_live(n) {
                window::underflow(sim, n)?;
            }
            sim.window.leave(n);
            target = (pc & 0xc000_0000) | (a0 & 0x3fff_ffff);
        }
        Inst::Entry { s, frame } => {
            let s = u32::from(s.index());
            if s > 3 {
                return Err(Fault::IllegalInstruction { pc });
            }
            let n = sim.callinc;
            if !sim.window.fits(n) {
                window::overflow(sim, n)?;
            }
            let sp = sim.ar[sim.window.physical(s)].wrapping_sub(frame);
            if sp < sim.stack_limit {
                return Err(Fault::StackOverflow { pc, sp });
            }
            let i = sim.window.physical(4 * n + s);
            sim.ar[i] = sp;
            sim.window.enter(n);
        }
        Inst::Movsp { t, s } => {
            if sim.window.below_spilled() {
                return Err(Fault::Alloca { pc });
            }
            let v = sim.get(s);
            sim.put(t, v);
        }
        Inst::Break { s, t } => return Err(Fault::Break { pc, s, t }),
        Inst::Simcall => return Err(Fault::IllegalInstruction { pc }),
        Inst::Fp { op, r, s, t } => {
            let (fs, ft) = (
                sim.fr[usize::from(s.index())],
                sim.fr[usize::from(t.index())],
            );
            let fr = sim.fr[usize::from(r.index())];
            let rule = sim.nan_rule;
            sim.fr[usize::from(r.index())] = match op {
                FpOp::AddS => rule.binary(fs, ft, |a, b| a + b),
                FpOp::SubS => rule.binary(fs, ft, |a, b| a - b),
                FpOp::MulS => rule.binary(fs, ft, |a, b| a * b),
                FpOp::MaddS => rule.madd(fr, fs, ft, false),
                FpOp::MsubS => rule.madd(fr, fs, ft, true),
            };
        }
        Inst::FpUnary { op, r, s } => {
            let fs = sim.fr[usize::from(s.index())];
            sim.fr[usize::from(r.index())] = match op {
                FpUnaryOp::MovS => fs,
                FpUnaryOp::AbsS => fs & 0x7fff_ffff,
                FpUnaryOp::NegS => fs ^ 0x8000_0000,
            };
        }
        Inst::Wfr { r, s } => sim.fr[usize::from(r.index())] = sim.get(s),
        Inst::Rfr { r, s } => {
            let v = sim.fr[usize::from(s.index())];
            sim.put(r, v);
        }
        Inst::FpToInt { op, r, s, scale } => {
            let fs = sim.fr[usize::from(s.index())];
            let v = match op {
                FpToIntOp::RoundS => fpu::to_int(fs, scale, f64::round_ties_even),
                FpToIntOp::TruncS => fpu::to_int(fs, scale, f64::trunc),
                FpToIntOp::FloorS => fpu::to_int(fs, scale, f64::floor),
                FpToIntOp::CeilS => fpu::to_int(fs, scale, f64::ceil),
                FpToIntOp::UtruncS => fpu::to_uint(fs, scale),
            };
            sim.put(r, v);
        }
        Inst::IntToFp { op, r, s, scale } => {
            let v = sim.get(s);
            sim.fr[usize::from(r.index())] = fpu::from_int(v, scale, op == IntToFpOp::UfloatS);
        }
        Inst::FpCmp { op, r, s, t } => {
            let (fs, ft) = (
                sim.fr[usize::from(s.index())],
                sim.fr[usize::from(t.index())],
            );
            let bit = 1 << r.index();
            if fpu::compare(op, fs, ft) {
                sim.br |= bit;
            } else {
                sim.br &= !bit;
            }
        }
        Inst::FpMovA { op, r, s, t } => {
            let v = sim.get(t) as i32;
            let cond = match op {
                FpMovAOp::MoveqzS => v == 0,
                FpMovAOp::MovnezS => v != 0,
                FpMovAOp::MovltzS => v < 0,
                FpMovAOp::MovgezS => v >= 0,
            };
            if cond {
                sim.fr[usize::from(r.index())] = sim.fr[usize::from(s.index())];
            }
        }
        Inst::FpMovB { op, r, s, t } => {
            let set = sim.br & (1 << t.index()) != 0;
            if set == (op == FpMovBOp::MovtS) {
                sim.fr[usize::from(r.index())] = sim.fr[usize::from(s.index())];
            }
        }
        Inst::FpMem { op, t, s, offset } => {
            let base = sim.get(s);
            let (addr, update) = match op {
                FpMemOp::Lsi | FpMemOp::Ssi => (base.wrapping_add(offset), false),
                FpMemOp::Lsip | FpMemOp::Ssip => (base, true),
            };
            let ti = usize::from(t.index());
            match op {
                FpMemOp::Lsi | FpMemOp::Lsip => sim.fr[ti] = sim.load32(pc, addr)?,
                FpMemOp::Ssi | FpMemOp::Ssip => sim.store32(pc, addr, sim.fr[ti])?,
            }
            if update {
                sim.put(s, base.wrapping_add(offset));
            }
        }
        Inst::AddN { r, s, t } => {
            let v = sim.get(s).wrapping_add(sim.get(t));
            sim.put(r, v);
        }
        Inst::AddiN { r, s, imm } => {
            let v = sim.get(s).wrapping_add_signed(imm);
            sim.put(r, v);
        }
        Inst::MovN { t, s } => {
            let v = sim.get(s);
            sim.put(t, v);
        }
        Inst::MoviN { s, imm } => sim.put(s, imm as u32),
    }
    sim.pc = target;
    Ok(())
}

#[cfg(test)]
mod tests {
    use backend_xtensa::{BranchZOp, CallOp, CallxOp, Inst, Reg, RrrOp, encode};

    use crate::{Access, Config, Fault, NanRule, RegionSpec, Sim, Stop};

    const CODE: u32 = 0x4008_0000;
    const STACK_TOP: u32 = 0x3ffc_0000;
    const SENTINEL: u32 = 0x4008_fff0;

    fn sim(code: &[Inst], registers: u32) -> Sim {
        let config = Config {
            regions: vec![
                RegionSpec {
                    name: "iram",
                    base: CODE,
                    size: 0x10000,
                    access: Access::WordOnly,
                    executable: true,
                },
                RegionSpec {
                    name: "dram",
                    base: 0x3ffb_0000,
                    size: 0x10000,
                    access: Access::Any,
                    executable: false,
                },
            ],
            physical_registers: registers,
            stack_limit: Some(STACK_TOP - 0x4000),
            intercept: SENTINEL..SENTINEL + 16,
            nan_rule: NanRule::FirstOperand,
        };
        let mut sim = Sim::new(&config).unwrap();
        let bytes: Vec<u8> = code
            .iter()
            .flat_map(|i| encode(i).unwrap().as_bytes().to_vec())
            .collect();
        sim.memory.write(CODE, &bytes).unwrap();
        sim
    }

    /// `sum(n) = n + sum(n − 1)`, recursively with `call8`.
    fn sum() -> Vec<Inst> {
        vec![
            Inst::Entry {
                s: Reg::A1,
                frame: 32,
            },
            Inst::BranchZ {
                op: BranchZOp::Beqz,
                s: Reg::A2,
                offset: 15,
            },
            Inst::Addi {
                t: Reg::A10,
                s: Reg::A2,
                imm: -1,
            },
            Inst::Call {
                op: CallOp::Call8,
                offset: -8,
            },
            Inst::Rrr {
                op: RrrOp::Add,
                r: Reg::A2,
                s: Reg::A2,
                t: Reg::A10,
            },
            Inst::Retw,
            Inst::Movi { t: Reg::A2, imm: 0 },
            Inst::Retw,
        ]
    }

    #[test]
    fn deep_recursion_spills_and_reloads_windows() {
        for registers in [32, 64] {
            let mut sim = sim(&sum(), registers);
            sim.call8(CODE, SENTINEL, STACK_TOP, &[200]).unwrap();
            assert_eq!(sim.run(1_000_000), Ok(Stop::Intercepted(SENTINEL)));
            assert_eq!(sim.reg(10), 200 * 201 / 2);
            // 200 frames of 6 instructions, the base case's 4, and the window handlers.
            assert!(sim.instructions() > 200 * 6 + 4);
        }
    }

    #[test]
    fn entry_below_the_stack_limit_faults() {
        let mut sim = sim(&sum(), 64);
        sim.call8(CODE, SENTINEL, STACK_TOP, &[1000]).unwrap();
        let fault = sim.run(1_000_000).unwrap_err();
        assert!(
            matches!(fault, Fault::StackOverflow { pc: CODE, .. }),
            "{fault:?}"
        );
    }

    #[test]
    fn division_by_zero_faults_with_the_pc() {
        let code = [
            Inst::Entry {
                s: Reg::A1,
                frame: 32,
            },
            Inst::Rrr {
                op: RrrOp::Quos,
                r: Reg::A2,
                s: Reg::A2,
                t: Reg::A3,
            },
            Inst::Retw,
        ];
        let mut sim = sim(&code, 64);
        sim.call8(CODE, SENTINEL, STACK_TOP, &[7, 0]).unwrap();
        assert_eq!(sim.run(100), Err(Fault::DivideByZero { pc: CODE + 3 }));
        sim.call8(CODE, SENTINEL, STACK_TOP, &[i32::MIN as u32, -1i32 as u32])
            .unwrap();
        assert_eq!(sim.run(100), Ok(Stop::Intercepted(SENTINEL)));
        assert_eq!(sim.reg(10), i32::MIN as u32);
    }

    #[test]
    fn intercepted_calls_return_to_the_caller() {
        // A literal with the native's address at CODE, then f(x) = native(x, 5) + 1.
        let code = [
            Inst::Entry {
                s: Reg::A1,
                frame: 32,
            },
            Inst::mov(Reg::A10, Reg::A2),
            Inst::Movi {
                t: Reg::A11,
                imm: 5,
            },
            Inst::L32r {
                t: Reg::A9,
                offset: -16,
            },
            Inst::Callx {
                op: CallxOp::Callx8,
                s: Reg::A9,
            },
            Inst::Addi {
                t: Reg::A2,
                s: Reg::A10,
                imm: 1,
            },
            Inst::Retw,
        ];
        let native = SENTINEL + 4;
        let mut sim = sim(&[], 64);
        let bytes: Vec<u8> = code
            .iter()
            .flat_map(|i| encode(i).unwrap().as_bytes().to_vec())
            .collect();
        sim.memory.write(CODE, &native.to_le_bytes()).unwrap();
        sim.memory.write(CODE + 4, &bytes).unwrap();
        sim.call8(CODE + 4, SENTINEL, STACK_TOP, &[10]).unwrap();
        assert_eq!(sim.run(100), Ok(Stop::Intercepted(native)));
        assert_eq!((sim.call_arg(0), sim.call_arg(1)), (10, 5));
        assert_eq!(sim.call_return_address(), CODE + 4 + 15);
        sim.return_from_call(100);
        assert_eq!(sim.run(100), Ok(Stop::Intercepted(SENTINEL)));
        assert_eq!(sim.reg(10), 101);
    }

    #[test]
    fn code_writes_invalidate_decoded_instructions() {
        let mut sim = sim(
            &[
                Inst::Entry {
                    s: Reg::A1,
                    frame: 32,
                },
                Inst::Movi { t: Reg::A2, imm: 1 },
                Inst::Retw,
            ],
            64,
        );
        sim.call8(CODE, SENTINEL, STACK_TOP, &[]).unwrap();
        assert_eq!(sim.run(100), Ok(Stop::Intercepted(SENTINEL)));
        assert_eq!(sim.reg(10), 1);
        let movi = encode(&Inst::Movi { t: Reg::A2, imm: 2 }).unwrap();
        sim.memory.write(CODE + 3, movi.as_bytes()).unwrap();
        sim.call8(CODE, SENTINEL, STACK_TOP, &[]).unwrap();
        assert_eq!(sim.run(100), Ok(Stop::Intercepted(SENTINEL)));
        assert_eq!(sim.reg(10), 2);
    }

    #[test]
    fn garbage_is_an_illegal_instruction() {
        let mut sim = sim(&[], 64);
        sim.memory.write(CODE, &[0xff, 0xff, 0xff, 0xff]).unwrap();
        sim.call8(CODE, SENTINEL, STACK_TOP, &[]).unwrap();
        assert_eq!(sim.run(100), Err(Fault::IllegalInstruction { pc: CODE }));
        sim.call8(0x1234, SENTINEL, STACK_TOP, &[]).unwrap();
        assert_eq!(
            sim.run(100),
            Err(Fault::Unmapped {
                pc: 0x1234,
                addr: 0x1234
            })
        );
    }

    #[test]
    fn random_bytes_fault_or_run_but_never_panic() {
        // SplitMix64 over seeds; any byte soup must end in a stop or a fault.
        let mut state = 7u64;
        let mut next = move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let z = (state ^ (state >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        for _ in 0..2000 {
            let mut sim = sim(&[], 32);
            let bytes: Vec<u8> = (0..96).map(|_| next() as u8).collect();
            // Start with `entry` so that windowed code has a frame.
            let entry = encode(&Inst::Entry {
                s: Reg::A1,
                frame: 32,
            })
            .unwrap();
            sim.memory.write(CODE, entry.as_bytes()).unwrap();
            sim.memory.write(CODE + 3, &bytes).unwrap();
            let args: Vec<u32> = (0..6).map(|_| next() as u32).collect();
            sim.call8(CODE, SENTINEL, STACK_TOP, &args).unwrap();
            let _ = sim.run(500);
        }
    }
}
