//! Functions as the front end lowers them (pasted from `ir::print` output, with its defensive
//! copies of every local read and its bounds checks), executed for correctness; with
//! `--ignored --nocapture`, `benchmark` times them.

mod harness;

use harness::parse::parse;
use harness::{Arg, Machine};
use std::time::{Duration, Instant};

/// `fib.bs`: `if (n < 2) return n; return fib(n - 1) + fib(n - 2)`.
const FIB: &str = r"
fn fib(v0: I32) -> I32 {
b0:
  v1: I32 = copy v0
  v2: I32 = iconst 2
  branch.LtS v1, v2 ? b1 : b2
b1:
  v3: I32 = copy v0
  return v3
b2:
  v4: I32 = copy v0
  v5: I32 = iconst 1
  v6: I32 = Sub v4, v5
  v7: I32 = call fn#0 (v6)
  v8: I32 = copy v0
  v9: I32 = iconst 2
  v10: I32 = Sub v8, v9
  v11: I32 = call fn#0 (v10)
  v12: I32 = Add v7, v11
  return v12
}
";

/// `sieve.bs`: counts primes up to `n` in a `boolean[]` (bounds checks raise native 0).
const SIEVE: &str = r"
fn sieve(v0: Ref, v1: I32) -> I32 {
b0:
  v6: I32 = iconst 0
  v2: I32 = copy v6
  jump b1
b1:
  v7: I32 = copy v2
  v8: I32 = copy v1
  branch.LeS v7, v8 ? b2 : b4
b2:
  v9: Ref = copy v0
  v10: I32 = copy v2
  v11: I32 = iconst 1
  v12: I32 = load.w32 [v9+8]
  branch.LtU v10, v12 ? b5 : b6
b3:
  v16: I32 = copy v2
  v17: I32 = iconst 1
  v18: I32 = Add v16, v17
  v2: I32 = copy v18
  jump b1
b4:
  v19: I32 = iconst 0
  v3: I32 = copy v19
  v20: I32 = iconst 2
  v4: I32 = copy v20
  jump b7
b5:
  v13: I32 = load.w32 [v9+12]
  v14: I32 = Shl v10, #2
  v15: I32 = Add v13, v14
  store.w32 [v15+0], v11
  jump b3
b6:
  raise native#0 (v10, v12)
b7:
  v21: I32 = copy v4
  v22: I32 = copy v1
  branch.LeS v21, v22 ? b8 : b10
b8:
  v23: Ref = copy v0
  v24: I32 = copy v4
  v25: I32 = load.w32 [v23+8]
  branch.LtU v24, v25 ? b13 : b14
b9:
  v49: I32 = copy v4
  v50: I32 = iconst 1
  v51: I32 = Add v49, v50
  v4: I32 = copy v51
  jump b7
b10:
  v52: I32 = copy v3
  return v52
b11:
  v31: I32 = copy v3
  v32: I32 = iconst 1
  v33: I32 = Add v31, v32
  v3: I32 = copy v33
  v34: I32 = copy v4
  v35: I32 = copy v4
  v36: I32 = Add v34, v35
  v5: I32 = copy v36
  jump b15
b12:
  jump b9
b13:
  v26: I32 = load.w32 [v23+12]
  v27: I32 = Shl v24, #2
  v28: I32 = Add v26, v27
  v29: I32 = load.w32 [v28+0]
  v30: I32 = iconst 0
  branch.Ne v29, v30 ? b11 : b12
b14:
  raise native#0 (v24, v25)
b15:
  v37: I32 = copy v5
  v38: I32 = copy v1
  branch.LeS v37, v38 ? b16 : b18
b16:
  v39: Ref = copy v0
  v40: I32 = copy v5
  v41: I32 = iconst 0
  v42: I32 = load.w32 [v39+8]
  branch.LtU v40, v42 ? b19 : b20
b17:
  v46: I32 = copy v5
  v47: I32 = copy v4
  v48: I32 = Add v46, v47
  v5: I32 = copy v48
  jump b15
b18:
  jump b12
b19:
  v43: I32 = load.w32 [v39+12]
  v44: I32 = Shl v40, #2
  v45: I32 = Add v43, v44
  store.w32 [v45+0], v41
  jump b17
b20:
  raise native#0 (v40, v42)
}
";

/// `mandelbrot.bs`: the Are We Fast Yet mandelbrot checksum in 32-bit floats.
const MANDELBROT: &str = r"
fn mandelbrot(v0: I32) -> I32 {
b0:
  v15: I32 = iconst 0
  v1: I32 = copy v15
  v16: I32 = iconst 0
  v2: I32 = copy v16
  v17: I32 = iconst 0
  v3: I32 = copy v17
  v18: I32 = iconst 0
  v4: I32 = copy v18
  jump b1
b1:
  v19: I32 = copy v4
  v20: I32 = copy v0
  branch.LtS v19, v20 ? b2 : b4
b2:
  v21: F32 = fconst 2
  v22: I32 = copy v4
  v23: F32 = IntToFloat v22
  v24: F32 = fMul v21, v23
  v25: I32 = copy v0
  v26: F32 = IntToFloat v25
  v27: F32 = fDiv v24, v26
  v28: F32 = fconst 1
  v29: F32 = fSub v27, v28
  v5: F32 = copy v29
  v30: I32 = iconst 0
  v6: I32 = copy v30
  jump b5
b3:
  jump b1
b4:
  v114: I32 = copy v1
  return v114
b5:
  v31: I32 = copy v6
  v32: I32 = copy v0
  branch.LtS v31, v32 ? b6 : b8
b6:
  v33: F32 = fconst 0
  v7: F32 = copy v33
  v34: F32 = fconst 0
  v8: F32 = copy v34
  v35: F32 = fconst 0
  v9: F32 = copy v35
  v36: F32 = fconst 2
  v37: I32 = copy v6
  v38: F32 = IntToFloat v37
  v39: F32 = fMul v36, v38
  v40: I32 = copy v0
  v41: F32 = IntToFloat v40
  v42: F32 = fDiv v39, v41
  v43: F32 = fconst 1.5
  v44: F32 = fSub v42, v43
  v10: F32 = copy v44
  v45: I32 = iconst 0
  v11: I32 = copy v45
  v46: I32 = iconst 1
  v12: I32 = copy v46
  v47: I32 = iconst 0
  v13: I32 = copy v47
  jump b9
b7:
  jump b5
b8:
  v111: I32 = copy v4
  v112: I32 = iconst 1
  v113: I32 = Add v111, v112
  v4: I32 = copy v113
  jump b3
b9:
  v48: I32 = copy v12
  v49: I32 = iconst 0
  branch.Ne v48, v49 ? b13 : b12
b10:
  v52: F32 = copy v7
  v53: F32 = copy v9
  v54: F32 = fSub v52, v53
  v55: F32 = copy v10
  v56: F32 = fAdd v54, v55
  v14: F32 = copy v56
  v57: F32 = fconst 2
  v58: F32 = copy v14
  v59: F32 = fMul v57, v58
  v60: F32 = copy v8
  v61: F32 = fMul v59, v60
  v62: F32 = copy v5
  v63: F32 = fAdd v61, v62
  v8: F32 = copy v63
  v64: F32 = copy v14
  v65: F32 = copy v14
  v66: F32 = fMul v64, v65
  v7: F32 = copy v66
  v67: F32 = copy v8
  v68: F32 = copy v8
  v69: F32 = fMul v67, v68
  v9: F32 = copy v69
  v70: F32 = copy v7
  v71: F32 = copy v9
  v72: F32 = fAdd v70, v71
  v73: F32 = fconst 4
  branch.FGt v72, v73 ? b14 : b15
b11:
  jump b9
b12:
  v79: I32 = copy v2
  v80: I32 = iconst 1
  v81: I32 = Shl v79, v80
  v82: I32 = copy v13
  v83: I32 = Add v81, v82
  v2: I32 = copy v83
  v84: I32 = copy v3
  v85: I32 = iconst 1
  v86: I32 = Add v84, v85
  v3: I32 = copy v86
  v87: I32 = copy v3
  v88: I32 = iconst 8
  branch.Eq v87, v88 ? b16 : b18
b13:
  v50: I32 = copy v11
  v51: I32 = iconst 50
  branch.LtS v50, v51 ? b10 : b12
b14:
  v74: I32 = iconst 0
  v12: I32 = copy v74
  v75: I32 = iconst 1
  v13: I32 = copy v75
  jump b15
b15:
  v76: I32 = copy v11
  v77: I32 = iconst 1
  v78: I32 = Add v76, v77
  v11: I32 = copy v78
  jump b11
b16:
  v89: I32 = copy v1
  v90: I32 = copy v2
  v91: I32 = Xor v89, v90
  v1: I32 = copy v91
  v92: I32 = iconst 0
  v2: I32 = copy v92
  v93: I32 = iconst 0
  v3: I32 = copy v93
  jump b17
b17:
  v108: I32 = copy v6
  v109: I32 = iconst 1
  v110: I32 = Add v108, v109
  v6: I32 = copy v110
  jump b7
b18:
  v94: I32 = copy v6
  v95: I32 = copy v0
  v96: I32 = iconst 1
  v97: I32 = Sub v95, v96
  branch.Eq v94, v97 ? b19 : b20
b19:
  v98: I32 = copy v2
  v99: I32 = iconst 8
  v100: I32 = copy v3
  v101: I32 = Sub v99, v100
  v102: I32 = Shl v98, v101
  v2: I32 = copy v102
  v103: I32 = copy v1
  v104: I32 = copy v2
  v105: I32 = Xor v103, v104
  v1: I32 = copy v105
  v106: I32 = iconst 0
  v2: I32 = copy v106
  v107: I32 = iconst 0
  v3: I32 = copy v107
  jump b20
b20:
  jump b17
}
";

fn fib_ref(n: i32) -> i32 {
    if n < 2 {
        n
    } else {
        fib_ref(n - 1) + fib_ref(n - 2)
    }
}

/// The array object of `sieve`'s flags: header, length at +8, element address at +12.
const ARRAY: u32 = 0x100;
const ELEMENTS: u32 = 0x200;

fn sieve_machine() -> Machine {
    let mut m = Machine::compile(&[&parse(SIEVE)]);
    m.set_arena_word(ARRAY + 8, 10_001);
    m.set_arena_word(ARRAY + 12, ELEMENTS);
    m
}

fn mandelbrot_ref(size: i32) -> i32 {
    let (mut sum, mut byte_acc, mut bit_num) = (0i32, 0i32, 0i32);
    for y in 0..size {
        let ci = (2.0f32 * y as f32) / size as f32 - 1.0;
        for x in 0..size {
            let (mut zrzr, mut zi, mut zizi) = (0.0f32, 0.0f32, 0.0f32);
            let cr = (2.0f32 * x as f32) / size as f32 - 1.5;
            let (mut z, mut not_done, mut escape) = (0, true, 0);
            while not_done && z < 50 {
                let zr = zrzr - zizi + cr;
                zi = 2.0 * zr * zi + ci;
                zrzr = zr * zr;
                zizi = zi * zi;
                if zrzr + zizi > 4.0 {
                    not_done = false;
                    escape = 1;
                }
                z += 1;
            }
            byte_acc = (byte_acc << 1) + escape;
            bit_num += 1;
            if bit_num == 8 {
                sum ^= byte_acc;
                byte_acc = 0;
                bit_num = 0;
            } else if x == size - 1 {
                byte_acc <<= 8 - bit_num;
                sum ^= byte_acc;
                byte_acc = 0;
                bit_num = 0;
            }
        }
    }
    sum
}

#[test]
fn lowered_fib() {
    let mut m = Machine::compile(&[&parse(FIB)]);
    for n in [0, 1, 2, 10, 20] {
        assert_eq!(m.call_i32(0, &[Arg::I(n)]), fib_ref(n));
    }
}

#[test]
fn lowered_sieve() {
    let mut m = sieve_machine();
    assert_eq!(m.call_i32(0, &[Arg::I(ARRAY as i32), Arg::I(10_000)]), 1229);
    assert_eq!(m.call_i32(0, &[Arg::I(ARRAY as i32), Arg::I(100)]), 25);
}

#[test]
fn lowered_mandelbrot() {
    let mut m = Machine::compile(&[&parse(MANDELBROT)]);
    for size in [1, 8, 50, 99] {
        assert_eq!(
            m.call_i32(0, &[Arg::I(size)]),
            mandelbrot_ref(size),
            "size {size}"
        );
    }
}

/// The fastest of `runs` runs of `f` (the machine is shared with other work: the minimum is the
/// least disturbed).
fn best(runs: u32, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

#[test]
#[ignore = "a benchmark: run with --ignored --nocapture"]
fn benchmark() {
    let mut m = Machine::compile(&[&parse(FIB)]);
    let t = best(40, || assert_eq!(m.call_i32(0, &[Arg::I(25)]), 75025));
    println!("fib(25)         {:8.3} ms", t.as_secs_f64() * 1e3);
    let mut m = sieve_machine();
    let t = best(200, || {
        assert_eq!(m.call_i32(0, &[Arg::I(ARRAY as i32), Arg::I(10_000)]), 1229)
    });
    println!("sieve(10000)    {:8.3} ms", t.as_secs_f64() * 1e3);
    let mut m = Machine::compile(&[&parse(MANDELBROT)]);
    let want = mandelbrot_ref(100);
    let t = best(40, || assert_eq!(m.call_i32(0, &[Arg::I(100)]), want));
    println!("mandelbrot(100) {:8.3} ms", t.as_secs_f64() * 1e3);
}
