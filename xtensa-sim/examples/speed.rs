//! Measures the simulator's speed on two kernels: a tight arithmetic loop and recursive
//! Fibonacci (calls, window overflow and underflow). Run with
//! `cargo run --release -p xtensa-sim --example speed`.

use std::time::Instant;

use backend_xtensa::{BranchImmOp, BranchZOp, CallOp, Inst, Reg, RrrOp, encode};
use xtensa_sim::{Access, Config, NanRule, RegionSpec, Sim, Stop};

const CODE: u32 = 0x4008_0000;
const SENTINEL: u32 = 0x4009_fff0;

fn sim(code: &[Inst]) -> Sim {
    let config = Config {
        regions: vec![
            RegionSpec {
                name: "iram",
                base: CODE,
                size: 0x20000,
                access: Access::WordOnly,
                executable: true,
            },
            RegionSpec {
                name: "dram",
                base: 0x3ffb_0000,
                size: 0x50000,
                access: Access::Any,
                executable: false,
            },
        ],
        physical_registers: 64,
        stack_limit: Some(0x3ffb_0000),
        intercept: SENTINEL..SENTINEL + 4,
        nan_rule: NanRule::FirstOperand,
    };
    let mut sim = Sim::new(&config).expect("valid configuration");
    let bytes: Vec<u8> = code
        .iter()
        .flat_map(|i| encode(i).expect("encodable").as_bytes().to_vec())
        .collect();
    sim.memory.write(CODE, &bytes).expect("code fits");
    sim
}

fn measure(name: &str, code: &[Inst], arg: u32) {
    let mut sim = sim(code);
    sim.call8(CODE, SENTINEL, 0x4000_0000, &[arg])
        .expect("stack mapped");
    let start = Instant::now();
    let stop = sim.run(u64::MAX);
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(stop, Ok(Stop::Intercepted(SENTINEL)));
    let n = sim.instructions();
    println!(
        "{name}: result {}, {n} instructions in {secs:.3} s: {:.0} M instructions/s",
        sim.reg(10),
        n as f64 / secs / 1e6
    );
}

fn main() {
    // s = 0; for (i = n; i != 0; i--) s = s * 3 + i ^ (s >> 3)
    let alu = [
        Inst::Entry {
            s: Reg::A1,
            frame: 32,
        },
        Inst::Movi { t: Reg::A3, imm: 0 },
        Inst::Rrr {
            op: RrrOp::Addx2,
            r: Reg::A3,
            s: Reg::A3,
            t: Reg::A3,
        },
        Inst::Rrr {
            op: RrrOp::Add,
            r: Reg::A3,
            s: Reg::A3,
            t: Reg::A2,
        },
        Inst::Srli {
            r: Reg::A4,
            t: Reg::A3,
            sa: 3,
        },
        Inst::Rrr {
            op: RrrOp::Xor,
            r: Reg::A3,
            s: Reg::A3,
            t: Reg::A4,
        },
        Inst::AddiN {
            r: Reg::A2,
            s: Reg::A2,
            imm: -1,
        },
        Inst::BranchZ {
            op: BranchZOp::Bnez,
            s: Reg::A2,
            offset: -14,
        },
        Inst::mov(Reg::A2, Reg::A3),
        Inst::Retw,
    ];
    measure("loop", &alu, 50_000_000);
    // fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2)
    let fib = [
        Inst::Entry {
            s: Reg::A1,
            frame: 32,
        },
        Inst::BranchImm {
            op: BranchImmOp::Blti,
            s: Reg::A2,
            imm: 2,
            offset: 24,
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
        Inst::mov(Reg::A3, Reg::A10),
        Inst::Addi {
            t: Reg::A10,
            s: Reg::A2,
            imm: -2,
        },
        Inst::Call {
            op: CallOp::Call8,
            offset: -16,
        },
        Inst::Rrr {
            op: RrrOp::Add,
            r: Reg::A2,
            s: Reg::A3,
            t: Reg::A10,
        },
        Inst::Retw,
        Inst::Retw,
    ];
    measure("fib", &fib, 32);
}
