//! Reads IR in the text form `ir::print` writes (`impl Display for Function`), so that tests can
//! paste functions as the front end lowers them. Data symbols (`symaddr`) are not supported;
//! every call gets its own source location.

use ir::*;

/// Parses one function printed by `ir::print`. Panics with the offending line on bad input.
pub fn parse(text: &str) -> Function {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let header = lines.next().expect("a header line");
    let header = header.strip_prefix("fn ").expect("`fn name(...)`");
    let (name, rest) = header.split_once('(').expect("a parameter list");
    let (params, rest) = rest.split_once(')').expect("a parameter list");
    let ret = rest
        .trim()
        .trim_end_matches('{')
        .trim()
        .strip_prefix("->")
        .map(|t| ty(t.trim()));
    let mut f = Function::empty(name, ret);
    let mut types: Vec<Option<Ty>> = vec![];
    let set_ty = |v: Var, t: Ty, types: &mut Vec<Option<Ty>>| {
        if types.len() <= v.0 as usize {
            types.resize(v.0 as usize + 1, None);
        }
        types[v.0 as usize] = Some(t);
    };
    for p in params.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (v, t) = p.split_once(':').expect("`vN: Ty`");
        let v = var(v);
        set_ty(v, ty(t.trim()), &mut types);
        f.params.push(v);
    }
    let mut max_var = 0u32;
    let mut see = |v: Var| max_var = max_var.max(v.0);
    for line in lines {
        if line == "}" {
            break;
        }
        if let Some(b) = line.strip_suffix(':') {
            let id = block(b);
            assert_eq!(id.0 as usize, f.blocks.len(), "blocks in order: {line}");
            f.blocks.push(Block {
                insts: vec![],
                term: Terminator::Return(None),
            });
            continue;
        }
        let cur = f.blocks.last_mut().expect("a block label first");
        if let Some((lhs, rhs)) = line.split_once(" = ") {
            let (d, t) = lhs.split_once(':').expect("`vN: Ty = ...`");
            let dst = var(d);
            set_ty(dst, ty(t.trim()), &mut types);
            see(dst);
            let (op, args) = rhs.split_once(' ').unwrap_or((rhs, ""));
            let vs = |s: &str| -> Vec<Var> {
                s.split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(var)
                    .collect()
            };
            let inst = match op {
                "iconst" => Inst::IConst {
                    dst,
                    value: args.parse().expect("an integer"),
                },
                "fconst" => Inst::FConst {
                    dst,
                    bits: args.parse::<f32>().expect("a float").to_bits(),
                },
                "copy" => Inst::Copy {
                    dst,
                    src: var(args),
                },
                "call" => {
                    let (callee, args) = call(&mut f.callees, args);
                    let loc = LocId(f.locs.len() as u32);
                    f.locs.push(SourceLoc::default());
                    Inst::Call {
                        dst: Some(dst),
                        callee,
                        args,
                        loc,
                    }
                }
                _ if op.starts_with("load.") => {
                    let (addr, offset) = address(args);
                    Inst::Load {
                        width: width(&op[5..]),
                        dst,
                        addr,
                        offset,
                    }
                }
                _ if op.starts_with("cmp.") => {
                    let ab = vs(args);
                    Inst::Cmp {
                        cond: cond(&op[4..]),
                        dst,
                        a: ab[0],
                        b: ab[1],
                    }
                }
                _ if op.starts_with('f') && float_op(&op[1..]).is_some() => {
                    let ab = vs(args);
                    Inst::Float {
                        op: float_op(&op[1..]).unwrap(),
                        dst,
                        a: ab[0],
                        b: ab[1],
                    }
                }
                _ if int_op(op).is_some() => {
                    let op = int_op(op).unwrap();
                    let (a, b) = args.split_once(',').expect("two operands");
                    match b.trim().strip_prefix('#') {
                        Some(imm) => Inst::IntImm {
                            op,
                            dst,
                            a: var(a),
                            imm: imm.parse().expect("an immediate"),
                        },
                        None => Inst::Int {
                            op,
                            dst,
                            a: var(a),
                            b: var(b),
                        },
                    }
                }
                _ => Inst::Unary {
                    op: unary(op),
                    dst,
                    src: var(args),
                },
            };
            cur.insts.push(inst);
            continue;
        }
        let (op, args) = line.split_once(' ').unwrap_or((line, ""));
        match op {
            "jump" => cur.term = Terminator::Jump(block(args)),
            "return" if args.is_empty() => cur.term = Terminator::Return(None),
            "return" => cur.term = Terminator::Return(Some(var(args))),
            "raise" => {
                let (callee, args) = call(&mut f.callees, args);
                let Callee::Native(native) = callee else {
                    panic!("raise calls a native: {line}")
                };
                let loc = LocId(f.locs.len() as u32);
                f.locs.push(SourceLoc::default());
                cur.term = Terminator::Raise { native, args, loc };
            }
            "call" => {
                let (callee, args) = call(&mut f.callees, args);
                let loc = LocId(f.locs.len() as u32);
                f.locs.push(SourceLoc::default());
                cur.insts.push(Inst::Call {
                    dst: None,
                    callee,
                    args,
                    loc,
                });
            }
            _ if op.starts_with("store.") => {
                let (addr, src) = args.rsplit_once(',').expect("`[addr+off], src`");
                let (addr, offset) = address(addr);
                cur.insts.push(Inst::Store {
                    width: width(&op[6..]),
                    src: var(src),
                    addr,
                    offset,
                });
            }
            _ if op.starts_with("branch.") => {
                let (ab, targets) = args.split_once('?').expect("`a, b ? then : other`");
                let (a, b) = ab.split_once(',').expect("two operands");
                let (then, other) = targets.split_once(':').expect("two targets");
                cur.term = Terminator::Branch {
                    cond: cond(&op[7..]),
                    a: var(a),
                    b: var(b),
                    then: block(then),
                    other: block(other),
                };
            }
            _ => panic!("unknown instruction: {line}"),
        }
    }
    // Vars that are only read take their type from nowhere: I32.
    let n = types.len().max(max_var as usize + 1);
    types.resize(n, None);
    f.vars = types.into_iter().map(|t| t.unwrap_or(Ty::I32)).collect();
    f
}

fn var(s: &str) -> Var {
    Var(s
        .trim()
        .strip_prefix('v')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a var: {s}")))
}

fn block(s: &str) -> BlockId {
    BlockId(
        s.trim()
            .strip_prefix('b')
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("not a block: {s}")),
    )
}

fn ty(s: &str) -> Ty {
    match s {
        "I32" => Ty::I32,
        "F32" => Ty::F32,
        "Ref" => Ty::Ref,
        "Any" => Ty::Any,
        _ => panic!("not a type: {s}"),
    }
}

fn width(s: &str) -> Width {
    match s {
        "u8" => Width::U8,
        "w32" => Width::W32,
        _ => panic!("not a width: {s}"),
    }
}

/// `[vN+off]` or `[vN-off]`.
fn address(s: &str) -> (Var, i32) {
    let s = s.trim().trim_start_matches('[').trim_end_matches(']');
    let at = s.find(['+', '-']).expect("an offset");
    (var(&s[..at]), s[at..].parse().expect("an offset"))
}

/// `fn#N (args)`, `native#N (args)` or `slot[vN] (args)`.
fn call(callees: &mut Vec<String>, s: &str) -> (Callee, Vec<Var>) {
    let (callee, args) = s.split_once('(').expect("an argument list");
    let args = args
        .trim_end_matches(')')
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(var)
        .collect();
    let callee = callee.trim();
    let callee = if let Some(n) = callee.strip_prefix("fn#") {
        let n: u32 = n.parse().expect("a callee number");
        while callees.len() <= n as usize {
            callees.push(format!("f{}", callees.len()));
        }
        Callee::Slot(n)
    } else if let Some(n) = callee.strip_prefix("native#") {
        Callee::Native(n.parse().expect("a native number"))
    } else if let Some(v) = callee.strip_prefix("slot[") {
        Callee::Dynamic(var(v.trim_end_matches(']')))
    } else {
        panic!("not a callee: {callee}")
    };
    (callee, args)
}

fn cond(s: &str) -> Cond {
    match s {
        "Eq" => Cond::Eq,
        "Ne" => Cond::Ne,
        "LtS" => Cond::LtS,
        "LeS" => Cond::LeS,
        "GtS" => Cond::GtS,
        "GeS" => Cond::GeS,
        "LtU" => Cond::LtU,
        "GeU" => Cond::GeU,
        "FEq" => Cond::FEq,
        "FNe" => Cond::FNe,
        "FLt" => Cond::FLt,
        "FLe" => Cond::FLe,
        "FGt" => Cond::FGt,
        "FGe" => Cond::FGe,
        _ => panic!("not a condition: {s}"),
    }
}

fn int_op(s: &str) -> Option<IntOp> {
    Some(match s {
        "Add" => IntOp::Add,
        "Sub" => IntOp::Sub,
        "Mul" => IntOp::Mul,
        "DivS" => IntOp::DivS,
        "RemS" => IntOp::RemS,
        "And" => IntOp::And,
        "Or" => IntOp::Or,
        "Xor" => IntOp::Xor,
        "Shl" => IntOp::Shl,
        "ShrS" => IntOp::ShrS,
        "ShrU" => IntOp::ShrU,
        "RotR" => IntOp::RotR,
        _ => return None,
    })
}

fn float_op(s: &str) -> Option<FloatOp> {
    Some(match s {
        "Add" => FloatOp::Add,
        "Sub" => FloatOp::Sub,
        "Mul" => FloatOp::Mul,
        "Div" => FloatOp::Div,
        _ => return None,
    })
}

fn unary(s: &str) -> UnOp {
    match s {
        "Neg" => UnOp::Neg,
        "Not" => UnOp::Not,
        "FNeg" => UnOp::FNeg,
        "IntToFloat" => UnOp::IntToFloat,
        "FloatToInt" => UnOp::FloatToInt,
        "FloatBits" => UnOp::FloatBits,
        "BitsFloat" => UnOp::BitsFloat,
        _ => panic!("unknown instruction: {s}"),
    }
}
