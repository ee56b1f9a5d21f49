//! Test support: compiled functions loaded into the Xtensa simulator with the ESP32 boards'
//! memory map (function table, native vector, shadow stack), natives served by the test.

#![allow(dead_code)]

use backend_xtensa::{Calls, MachineCode, PoolLiteral, Reloc, compile_with_calls};
use device::abi::Native;
use device::abi::esp32::*;
use xtensa_sim::{Access, Config, NanRule, RegionSpec, Sim, Stop};

/// Where generated code returns to the test (just below the native vector, intercepted).
const RETURN: u32 = NATIVE_VECTOR - 4;
/// The top of the shadow stack.
pub const SHADOW_TOP: u32 = ARENA_BASE + DATA_SIZE + SHADOW_SIZE;

/// A test's natives: `(sim, id) -> Some(result)` for the ones it serves.
pub type NativeHook = Box<dyn FnMut(&mut Sim, u32) -> Option<u32>>;

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Returned this word.
    Returned(u32),
    /// Called a native that never returns: its number, arguments and return address.
    Raised(u32, Vec<u32>, u32),
}

/// Compiled functions in a simulator; function `i` is in slot `i` and called `f{i}`.
pub struct Machine {
    /// The simulator.
    pub sim: Sim,
    entries: Vec<u32>,
    /// The code of each function.
    pub code: Vec<MachineCode>,
    /// A native the test serves: `(sim, id) -> Some(result)`; `None` lets the default run.
    pub native: NativeHook,
}

/// The memory map of the ESP32 boards.
pub fn config() -> Config {
    let region =
        |name, base, size, access, executable| RegionSpec { name, base, size, access, executable };
    Config {
        regions: vec![
            region("iram", NATIVE_VECTOR, CODE_END - NATIVE_VECTOR, Access::WordOnly, true),
            region("dram", CONTEXT, 0x1_0000, Access::Any, false),
            region("stack", STACK_LIMIT - 0x1_0000, 0x2_0000, Access::Any, false),
            region("psram", ARENA_BASE, ARENA_SIZE, Access::Any, false),
        ],
        physical_registers: 64,
        stack_limit: Some(STACK_LIMIT),
        intercept: RETURN..CODE_BASE,
        nan_rule: NanRule::FirstOperand,
    }
}

impl Machine {
    /// Compiles `funcs` (calling through the function table) and loads them.
    pub fn compile(funcs: &[&ir::Function]) -> Machine {
        Machine::compile_with(funcs, Calls::Table)
    }

    /// Compiles `funcs` with `calls` and loads them.
    pub fn compile_with(funcs: &[&ir::Function], calls: Calls) -> Machine {
        let code: Vec<MachineCode> = funcs
            .iter()
            .map(|f| compile_with_calls(f, calls).unwrap_or_else(|e| panic!("{}: {e}", f.name)))
            .collect();
        Machine::load(funcs, code)
    }

    /// Loads already compiled functions, one after another from the start of the code region
    /// (after the literal pool that code compiled for release loads its words from).
    pub fn load(funcs: &[&ir::Function], code: Vec<MachineCode>) -> Machine {
        let mut sim = Sim::new(&config()).expect("a simulator");
        let slot = |f: &ir::Function, callee: u32| -> usize {
            let name = &f.callees[callee as usize];
            name[1..].parse().expect("callees named f0, f1, …")
        };
        let word = |f: &ir::Function, literal: PoolLiteral| match literal {
            PoolLiteral::Word(w) => w,
            PoolLiteral::Slot(n) => FUNCTION_TABLE + 4 * slot(f, n) as u32,
            PoolLiteral::Data(_) => panic!("data symbols are not supported here"),
        };
        let mut pool: Vec<u32> = funcs
            .iter()
            .zip(&code)
            .flat_map(|(f, c)| c.relocs.iter().map(move |r| (f, r)))
            .filter_map(|(f, r)| match *r {
                Reloc::Pooled { literal, .. } => Some(word(f, literal)),
                _ => None,
            })
            .collect();
        pool.sort_unstable();
        pool.dedup();
        let pool_bytes: Vec<u8> = pool.iter().flat_map(|w| w.to_le_bytes()).collect();
        sim.memory.write(CODE_BASE, &pool_bytes).expect("the pool fits");
        let mut bases = Vec::new();
        let mut at = CODE_BASE + pool_bytes.len() as u32;
        for c in &code {
            bases.push(at);
            at += (c.code.len() as u32).next_multiple_of(4);
        }
        let entries: Vec<u32> = bases.iter().zip(&code).map(|(b, c)| b + c.entry).collect();
        for ((f, c), &base) in funcs.iter().zip(&code).zip(&bases) {
            let mut bytes = c.code.clone();
            for r in &c.relocs {
                match *r {
                    Reloc::Slot { callee, .. } => {
                        r.patch(&mut bytes, slot(f, callee) as u32).unwrap()
                    }
                    Reloc::Call { callee, .. } => {
                        r.patch_call(&mut bytes, base, entries[slot(f, callee)]).unwrap()
                    }
                    Reloc::NativeCall { native, .. } => r
                        .patch_call(&mut bytes, base, backend_xtensa::native_entry(native))
                        .unwrap(),
                    Reloc::Pooled { literal, .. } => {
                        let k = pool.binary_search(&word(f, literal)).unwrap() as u32;
                        r.patch_l32r(&mut bytes, base, CODE_BASE + 4 * k).unwrap()
                    }
                    Reloc::Data { .. } => panic!("data symbols are not supported here"),
                }
            }
            bytes.resize(bytes.len().next_multiple_of(4), 0);
            sim.memory.write(base, &bytes).expect("code fits");
        }
        for (slot, &e) in entries.iter().enumerate() {
            sim.memory.write_u32(FUNCTION_TABLE + 4 * slot as u32, e).unwrap();
        }
        sim.memory.write_u32(CTX_SHADOW_SP, SHADOW_TOP).unwrap();
        sim.memory.write_u32(CTX_SHADOW_LIMIT, ARENA_BASE + DATA_SIZE).unwrap();
        Machine { sim, entries, code, native: Box::new(|_, _| None) }
    }

    /// The entry address of function `slot`.
    pub fn entry(&self, slot: usize) -> u32 {
        self.entries[slot]
    }

    /// Calls function `slot` with `args` (words; floats as bits).
    pub fn call(&mut self, slot: usize, args: &[u32]) -> Outcome {
        self.sim.call8(self.entries[slot], RETURN, STACK_TOP, args).unwrap();
        loop {
            match self.sim.run(50_000_000) {
                Ok(Stop::Intercepted(RETURN)) => return Outcome::Returned(self.sim.reg(10)),
                Ok(Stop::Intercepted(pc)) => {
                    let id = (pc - NATIVE_VECTOR) / 4;
                    if let Some(r) = (self.native)(&mut self.sim, id) {
                        self.sim.return_from_call(r);
                        continue;
                    }
                    let native = Native::from_id(id).expect("a known native");
                    let args: Vec<u32> =
                        (0..native.params().len() as u32).map(|i| self.sim.call_arg(i)).collect();
                    if native == Native::FloatDiv {
                        let q = f32::from_bits(args[0]) / f32::from_bits(args[1]);
                        self.sim.return_from_call(q.to_bits());
                        continue;
                    }
                    let ra = self.sim.call_return_address();
                    return Outcome::Raised(id, args, ra);
                }
                Ok(Stop::OutOfFuel) => panic!("the program runs too long"),
                Err(fault) => panic!("fault: {fault}"),
            }
        }
    }

    /// Calls function `slot` and expects a returned word.
    pub fn call_word(&mut self, slot: usize, args: &[u32]) -> u32 {
        match self.call(slot, args) {
            Outcome::Returned(w) => w,
            other => panic!("expected a result, got {other:?}"),
        }
    }

    /// A word of memory.
    pub fn word(&mut self, addr: u32) -> u32 {
        self.sim.memory.read_u32(addr).unwrap()
    }
}
