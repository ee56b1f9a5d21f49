//! Block layout: where each block's code goes, from the allocator's layout order.
//!
//! The shared order ([`ir::regalloc::layout_order`]) is a reverse post-order, which puts a
//! loop's header above its body: the bottom of the body (the latch, which polls for
//! interrupts) then needs a taken branch or a `j` back to the header on every iteration. Here
//! a header reached by a single back edge moves to just below that latch, so the latch falls
//! through into it and its test branches back to the top of the body: one instruction less per
//! iteration. Whatever fell into the header before (usually nothing: loops are entered through
//! the guard that loop-invariant hoisting or rotation puts in front) jumps to it.

use ir::{BlockId, Function, Terminator};

/// `order` with every loop header that has exactly one back edge moved to just after the
/// block that branches back to it. The entry block stays first.
pub fn headers_at_the_bottom(f: &Function, order: &[BlockId]) -> Vec<BlockId> {
    let back_edge_into =
        |at: usize| order[at..].iter().any(|b| f.block(*b).term.successors().contains(&order[at]));
    let headers: Vec<BlockId> =
        (1..order.len()).filter(|&at| back_edge_into(at)).map(|at| order[at]).collect();
    let mut order = order.to_vec();
    for h in headers {
        let Some(at) = order.iter().position(|&b| b == h) else { continue };
        let latches: Vec<usize> = order
            .iter()
            .enumerate()
            .skip(at)
            .filter(|(_, b)| f.block(**b).term.successors().contains(&h))
            .map(|(i, _)| i)
            .collect();
        let [latch] = latches[..] else { continue };
        if latch == at || matches!(f.block(order[latch]).term, Terminator::Return(_)) {
            continue;
        }
        let moved = order.remove(at);
        order.insert(latch, moved);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use ir::{Block, Cond, Inst, Ty, Var};

    /// `while (i < n) i++`: entry → header ⇄ body, header → exit.
    fn counting_loop() -> Function {
        let (i, n) = (Var(0), Var(1));
        let mut f = Function::empty("count", Some(Ty::I32));
        f.params = vec![n];
        f.vars = vec![Ty::I32, Ty::I32];
        let block = |insts, term| Block { insts, term };
        f.blocks = vec![
            block(vec![Inst::IConst { dst: i, value: 0 }], Terminator::Jump(BlockId(1))),
            block(
                vec![],
                Terminator::Branch {
                    cond: Cond::LtS,
                    a: i,
                    b: n,
                    then: BlockId(2),
                    other: BlockId(3),
                },
            ),
            block(
                vec![Inst::IntImm { op: ir::IntOp::Add, dst: i, a: i, imm: 1 }],
                Terminator::Jump(BlockId(1)),
            ),
            block(vec![], Terminator::Return(Some(i))),
        ];
        f
    }

    #[test]
    fn a_header_moves_below_its_only_latch() {
        let f = counting_loop();
        let order = [0, 1, 2, 3].map(BlockId);
        assert_eq!(headers_at_the_bottom(&f, &order), [0, 2, 1, 3].map(BlockId));
    }

    #[test]
    fn a_header_with_two_back_edges_stays() {
        let mut f = counting_loop();
        // A `continue`-like second back edge from the exit side.
        f.blocks[3].term = Terminator::Jump(BlockId(1));
        f.blocks.push(Block { insts: vec![], term: Terminator::Return(None) });
        let order = [0, 1, 2, 3].map(BlockId);
        assert_eq!(headers_at_the_bottom(&f, &order), order);
    }

    #[test]
    fn the_entry_block_stays_first() {
        let mut f = counting_loop();
        f.blocks[2].term = Terminator::Jump(BlockId(0));
        let order = [0, 1, 2, 3].map(BlockId);
        assert_eq!(headers_at_the_bottom(&f, &order)[0], BlockId(0));
    }
}
