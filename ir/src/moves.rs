//! Parallel moves, target-independent: a set of simultaneous copies (parameters into their
//! homes, call arguments into ABI registers) put in an order that reads every source before it
//! is overwritten, breaking cycles through a temporary. Backends supply the places and emit the
//! copies.

/// One copy of a parallel move between places of type `P`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move<P> {
    /// Where the value is.
    pub src: P,
    /// Where it must go.
    pub dst: P,
}

/// Orders `moves`, which must act as if all were done at once, into copies done one after
/// another. Destinations must be distinct, and no memory destination (`is_memory`) may be the
/// source of another move: copies to memory go first. A cycle of registers is broken by copying
/// one of its sources to `temp(source)`, a place no move mentions.
pub fn sequence<P: Copy + Eq>(
    moves: &[Move<P>],
    is_memory: impl Fn(P) -> bool,
    temp: impl Fn(P) -> P,
) -> Vec<Move<P>> {
    let mut out: Vec<Move<P>> = Vec::with_capacity(moves.len());
    for m in moves.iter().filter(|m| is_memory(m.dst)) {
        debug_assert!(!moves.iter().any(|o| o.src == m.dst));
        out.push(*m);
    }
    let mut pending: Vec<Move<P>> = moves
        .iter()
        .filter(|m| !is_memory(m.dst) && m.src != m.dst)
        .copied()
        .collect();
    while !pending.is_empty() {
        let ready = (0..pending.len()).find(|&i| !pending.iter().any(|o| o.src == pending[i].dst));
        if let Some(i) = ready {
            out.push(pending.remove(i));
            continue;
        }
        // Every pending destination is still needed as a source: a cycle of registers. Park one
        // source in the temporary.
        let parked = pending
            .iter()
            .map(|m| m.src)
            .find(|&s| !is_memory(s))
            .expect("a move cycle goes through registers");
        let t = temp(parked);
        out.push(Move {
            src: parked,
            dst: t,
        });
        for m in pending.iter_mut().filter(|m| m.src == parked) {
            m.src = t;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the sequence on a register file of `n` places (place `n` is the temporary) and
    /// returns the final values.
    fn run(moves: &[Move<usize>], n: usize) -> Vec<usize> {
        let mut regs: Vec<usize> = (0..=n).collect();
        for m in sequence(moves, |_| false, |_| n) {
            regs[m.dst] = regs[m.src];
        }
        regs
    }

    #[test]
    fn a_swap_goes_through_the_temporary() {
        let moves = [Move { src: 0, dst: 1 }, Move { src: 1, dst: 0 }];
        let r = run(&moves, 2);
        assert_eq!((r[0], r[1]), (1, 0));
        assert_eq!(sequence(&moves, |_| false, |_| 2).len(), 3);
    }

    #[test]
    fn a_chain_needs_no_temporary() {
        let moves = [
            Move { src: 0, dst: 1 },
            Move { src: 1, dst: 2 },
            Move { src: 2, dst: 3 },
        ];
        let r = run(&moves, 4);
        assert_eq!(&r[1..4], &[0, 1, 2]);
        assert_eq!(sequence(&moves, |_| false, |_| 4).len(), 3);
    }

    #[test]
    fn one_source_fans_out_across_a_cycle() {
        let moves = [
            Move { src: 0, dst: 1 },
            Move { src: 1, dst: 0 },
            Move { src: 0, dst: 2 },
        ];
        let r = run(&moves, 3);
        assert_eq!(&r[0..3], &[1, 0, 0]);
    }
}
