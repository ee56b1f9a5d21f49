//! Register allocation by graph colouring with copy coalescing (Chaitin–Briggs), shared by every
//! backend: a target describes its register file ([`Registers`]) and its constraints
//! ([`Constraints`]); registers are bit numbers `0..64` of a mask, chosen by the target.
//!
//! Homes are permanent: a var lives in one register or one memory slot for the whole function,
//! so a var that does not get a register needs no spill code beyond what instruction selection
//! already does for memory operands (scratch registers).
//!
//! 1. Interference: walking each block backwards, a definition of `d` interferes with every var
//!    live after it, except that `d = copy s` does not make `d` interfere with `s` or with any
//!    var known (by block-local value numbering) to hold the same value: they may share a home,
//!    since a later redefinition of either while the other is live adds the edge there.
//!    Parameters live on entry interfere with each other. Vars live across a call are marked, and
//!    vars an instruction's clobbered registers ([`Constraints::clobbers`]) touch avoid them.
//! 2. Storage classes: word vars defined once, by a constant, get no storage ([`Home::Const`])
//!    unless traced and live across a call; traced vars live across a call are *rooted*: they
//!    get a GC root slot in the shadow-stack frame and, if possible, a call-preserved register
//!    whose every definition is written through to the slot ([`Allocation::roots`]); F32 vars
//!    live across a call get stack slots (float registers are all clobbered by calls); other
//!    word vars live across a call may only use call-preserved registers; frameless vars
//!    ([`Constraints::frameless`]) only clobbered ones.
//! 3. Coalescing: copy-related vars of the same class that do not interfere are merged, hottest
//!    copies (by loop depth) first, when the Briggs or George test says the merged var stays
//!    colourable, so that the copy disappears.
//! 4. Colouring: simplify (optimistically pushing the cheapest var per neighbour when stuck), then
//!    select, preferring the register of an already-coloured copy partner, then the register
//!    the var arrives in or is passed in ([`Constraints::hints`]), then clobbered registers (no
//!    save needed) and call-preserved registers already used. Vars left without a register get
//!    stack slots (root slots for rooted vars).
//! 5. Slots: stack and root slots are coloured the same way, so that vars that do not
//!    interfere share slots and copies between memory homes disappear too.

use crate::analysis::Liveness;
use crate::{BlockId, Function, Inst, Ty, Var};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Where a var lives for the whole function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    /// A register, by the target's bit number.
    Reg(u8),
    /// Stack spill slot number `n` (the target chooses its size; word slots first, then float).
    Spill(u32),
    /// GC root slot number `n` of the shadow-stack frame (4 bytes each).
    Shadow(u32),
    /// No storage: a word var whose only definition is this constant (see [`constants`]), so
    /// every read sees it and instruction selection uses it as an immediate (or materializes it
    /// in a scratch register).
    Const(i32),
}

/// The result of register allocation.
#[derive(Debug, Clone)]
pub struct Allocation {
    /// The home of every var, indexed by `Var.0`; `None` for vars never live in reachable code.
    pub homes: Vec<Option<Home>>,
    /// For traced vars live across a call that have a register home: their GC root slot in the
    /// shadow-stack frame, which every definition also writes (write-through), so that the slot
    /// is current at every call. The collector does not move objects, so the register copy stays
    /// valid across calls.
    pub roots: Vec<Option<u32>>,
    /// The reachable blocks in layout order (see [`layout_order`]).
    pub order: Vec<BlockId>,
    /// Number of stack spill slots used.
    pub spill_slots: u32,
    /// Number of GC root slots in the shadow-stack frame.
    pub shadow_slots: u32,
}

impl Allocation {
    /// The home of `v`. Every var used or defined in reachable code has one.
    pub fn home(&self, v: Var) -> Home {
        self.homes[v.0 as usize].expect("var without a home in reachable code")
    }
}

/// A target's allocatable registers, each list in order of preference.
#[derive(Debug, Clone)]
pub struct Registers {
    /// Word registers that calls clobber.
    pub word_clobbered: Vec<u8>,
    /// Word registers that calls preserve.
    pub word_preserved: Vec<u8>,
    /// Float registers (calls clobber them all).
    pub float: Vec<u8>,
    /// A preserved register that holds the shadow-stack frame base in functions with GC root
    /// slots (and so is not allocatable there), if the target keeps it in a register.
    pub shadow_base: Option<u8>,
}

/// What a target asks of an allocation beyond its register file.
pub struct Constraints<'a> {
    /// Preferred registers per var (a mask, indexed by var number; missing entries are 0): the
    /// ABI register a parameter arrives in or an argument is passed in.
    pub hints: Vec<u64>,
    /// The registers an instruction clobbers other than by being a call (for example a division
    /// on x86-64): the vars it reads, writes or that live across it avoid them.
    pub clobbers: &'a dyn Fn(&Inst) -> u64,
    /// Vars (indexed by var number; missing entries are `false`) that must live in clobbered
    /// registers or be constants (shrink-wrapping's frameless paths).
    pub frameless: &'a [bool],
    /// The most interference edges the function may have; beyond it allocation gives up.
    pub budget: usize,
}

/// The register mask of a list of register numbers.
pub fn mask(regs: &[u8]) -> u64 {
    regs.iter().fold(0, |m, &r| m | 1 << r)
}

/// The storage class of a var (of a coalesced set of vars).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Not in reachable code.
    Absent,
    /// A constant: no storage.
    Const,
    /// Wants a word register.
    Word,
    /// Wants a float register.
    Float,
    /// A stack slot.
    Stack,
    /// A GC root slot.
    Shadow,
}

impl Kind {
    fn is_reg(self) -> bool {
        matches!(self, Kind::Word | Kind::Float)
    }
}

/// A set of small integers with O(1) insert, remove and membership and iteration in O(size).
struct SparseSet {
    dense: Vec<u32>,
    index: Vec<u32>,
}

impl SparseSet {
    fn new(n: usize) -> SparseSet {
        SparseSet {
            dense: Vec::new(),
            index: vec![u32::MAX; n],
        }
    }

    fn contains(&self, v: usize) -> bool {
        self.index[v] != u32::MAX
    }

    fn insert(&mut self, v: usize) {
        if !self.contains(v) {
            self.index[v] = self.dense.len() as u32;
            self.dense.push(v as u32);
        }
    }

    fn remove(&mut self, v: usize) {
        let i = self.index[v];
        if i != u32::MAX {
            let last = self.dense.pop().expect("non-empty");
            if last as usize != v {
                self.dense[i as usize] = last;
                self.index[last as usize] = i;
            }
            self.index[v] = u32::MAX;
        }
    }

    fn clear(&mut self) {
        for &v in &self.dense {
            self.index[v as usize] = u32::MAX;
        }
        self.dense.clear();
    }
}

/// A set of unordered pairs of vars: a triangular bit matrix for functions of up to
/// [`BIT_MATRIX_VARS`] vars, a hash set beyond.
enum EdgeSet {
    Bits(Vec<u64>),
    Hash(HashSet<u64, BuildHasherDefault<MulHasher>>),
}

/// The largest function (in vars) whose interference graph is a bit matrix (16 MiB at most).
const BIT_MATRIX_VARS: usize = 16384;

impl EdgeSet {
    fn new(n: usize) -> EdgeSet {
        if n <= BIT_MATRIX_VARS {
            EdgeSet::Bits(vec![0; (n * n.saturating_sub(1) / 2).div_ceil(64)])
        } else {
            EdgeSet::Hash(HashSet::default())
        }
    }

    /// The index of the pair `a < b`.
    fn index(a: u32, b: u32) -> u64 {
        let (a, b) = (a.min(b) as u64, a.max(b) as u64);
        b * (b - 1) / 2 + a
    }

    fn contains(&self, a: u32, b: u32) -> bool {
        let i = Self::index(a, b);
        match self {
            EdgeSet::Bits(w) => w[(i / 64) as usize] & (1 << (i % 64)) != 0,
            EdgeSet::Hash(h) => h.contains(&i),
        }
    }

    /// Adds the pair; returns whether it is new.
    fn insert(&mut self, a: u32, b: u32) -> bool {
        let i = Self::index(a, b);
        match self {
            EdgeSet::Bits(w) => {
                let (word, bit) = (&mut w[(i / 64) as usize], 1u64 << (i % 64));
                let new = *word & bit == 0;
                *word |= bit;
                new
            }
            EdgeSet::Hash(h) => h.insert(i),
        }
    }
}

/// A fast hasher for integer keys (multiplicative, as in rustc's FxHasher).
#[derive(Default)]
struct MulHasher(u64);

impl Hasher for MulHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// The interference graph over coalesced sets of vars (each named by its representative).
struct Graph {
    /// Union-find parent of every var.
    parent: Vec<u32>,
    /// Neighbours of every representative; entries may name vars merged away since, or repeat
    /// (see [`Graph::neighbors`]).
    adj: Vec<Vec<u32>>,
    /// Every edge between representatives.
    edges: EdgeSet,
    kind: Vec<Kind>,
    /// The set's [`CROSSES`], [`FRAMELESS`] and [`ROOTED`] constraints.
    limits: Vec<u8>,
    /// The registers the set must avoid (see [`Constraints::clobbers`]).
    avoid: Vec<u64>,
    /// Number of neighbours that want registers (kept for register-class representatives).
    degree: Vec<u32>,
    /// Scratch marks for [`Graph::neighbors`].
    mark: Vec<u32>,
    epoch: u32,
    /// Number of edges added.
    edge_count: usize,
}

impl Graph {
    /// The distinct representatives adjacent to representative `v` (and tidies its list).
    fn neighbors(&mut self, v: u32) -> Vec<u32> {
        self.epoch += 1;
        let mut out = Vec::with_capacity(self.adj[v as usize].len());
        for i in 0..self.adj[v as usize].len() {
            let n = self.find(self.adj[v as usize][i]);
            if n != v && self.mark[n as usize] != self.epoch {
                self.mark[n as usize] = self.epoch;
                out.push(n);
            }
        }
        self.adj[v as usize].clone_from(&out);
        out
    }

    fn find(&mut self, v: u32) -> u32 {
        let mut r = v;
        while self.parent[r as usize] != r {
            r = self.parent[r as usize];
        }
        let mut x = v;
        while self.parent[x as usize] != r {
            let next = self.parent[x as usize];
            self.parent[x as usize] = r;
            x = next;
        }
        r
    }

    fn interferes(&self, a: u32, b: u32) -> bool {
        self.edges.contains(a, b)
    }

    fn add_edge(&mut self, a: u32, b: u32) {
        if a != b && self.edges.insert(a, b) {
            self.edge_count += 1;
            self.adj[a as usize].push(b);
            self.adj[b as usize].push(a);
        }
    }
}

/// A constraint: the var is live across a call (no clobbered register).
const CROSSES: u8 = 1;
/// A constraint: the var lives where no frame is set up (only clobbered registers).
const FRAMELESS: u8 = 2;
/// A var that needs a GC root slot ([`Liveness::roots`]): a register is only a copy.
const ROOTED: u8 = 4;

/// Allocates homes for every var of `f` on a target with registers `regs`; `None` when a
/// frameless var cannot have a clobbered register or the graph would have more than
/// [`Constraints::budget`] edges.
pub fn allocate(
    f: &Function,
    live: &Liveness,
    regs: &Registers,
    c: &Constraints,
) -> Option<Allocation> {
    let frameless = c.frameless;
    let order = layout_order(f);
    let nv = f.vars.len();
    let weight = block_weights(f, &order);
    let float = |v: usize| f.vars[v] == Ty::F32;

    let mut kind = vec![Kind::Absent; nv];
    let mut cost = vec![0u64; nv];
    let mut copies: Vec<(u32, u32, u64)> = Vec::new();
    for &b in &order {
        let w = weight[b.0 as usize];
        let block = f.block(b);
        for inst in &block.insts {
            inst.for_each_use(|v| cost[v.0 as usize] += w);
            if let Some(d) = inst.def() {
                cost[d.0 as usize] += w;
            }
            if let Inst::Copy { dst, src } = *inst {
                copies.push((dst.0, src.0, w));
            }
        }
        block.term.for_each_use(|v| cost[v.0 as usize] += w);
    }
    for &b in &order {
        let block = f.block(b);
        let mut mark = |v: Var| kind[v.0 as usize] = Kind::Word;
        for inst in &block.insts {
            inst.for_each_use(&mut mark);
            inst.def().into_iter().for_each(&mut mark);
        }
        block.term.for_each_use(&mut mark);
    }
    for v in live.live_in[0].iter() {
        kind[v] = Kind::Word;
    }
    for (v, _) in constants(f) {
        if kind[v] != Kind::Absent {
            kind[v] = Kind::Const;
        }
    }

    let mut g = Graph {
        parent: (0..nv as u32).collect(),
        adj: vec![Vec::new(); nv],
        edges: EdgeSet::new(nv),
        kind: Vec::new(),
        limits: (0..nv)
            .map(|v| {
                if frameless.get(v) == Some(&true) {
                    FRAMELESS
                } else {
                    0
                }
            })
            .collect(),
        avoid: vec![0; nv],
        degree: vec![0; nv],
        mark: vec![0; nv],
        epoch: 0,
        edge_count: 0,
    };
    if !build_interference(f, live, &order, &kind, &mut g, c) {
        return None;
    }
    for v in live.roots(f) {
        if kind[v.0 as usize] == Kind::Word {
            g.limits[v.0 as usize] |= ROOTED;
        }
    }
    for (v, k) in kind.iter_mut().enumerate() {
        if *k == Kind::Word && float(v) {
            *k = if g.limits[v] & CROSSES != 0 {
                Kind::Stack
            } else {
                Kind::Float
            };
        }
    }
    g.kind = kind;
    let shadow_frame = g.limits.iter().any(|l| l & ROOTED != 0);

    let shadow_base = regs
        .shadow_base
        .filter(|_| shadow_frame)
        .map_or(0, |r| 1 << r);
    let classes = Classes {
        preserved: mask(&regs.word_preserved) & !shadow_base,
        clobbered: mask(&regs.word_clobbered),
        float: mask(&regs.float),
    };
    for v in 0..nv {
        if g.kind[v].is_reg() {
            g.degree[v] = g.adj[v]
                .iter()
                .filter(|&&n| g.kind[n as usize].is_reg())
                .count() as u32;
        }
    }

    copies.sort_by_key(|c| std::cmp::Reverse(c.2));
    for &(d, s, _) in &copies {
        coalesce(&mut g, &classes, d, s, &mut cost);
    }

    let mut homes: Vec<Option<Home>> = vec![None; nv];
    let mut partners: Vec<Vec<(u32, u64)>> = vec![Vec::new(); nv];
    for &(d, s, w) in &copies {
        let (a, b) = (g.find(d), g.find(s));
        if a != b {
            partners[a as usize].push((b, w));
            partners[b as usize].push((a, w));
        }
    }
    for ps in &mut partners {
        ps.sort_by_key(|p| std::cmp::Reverse(p.1));
    }
    let mut rep_hints: Vec<u64> = vec![0; nv];
    for (v, &h) in c.hints.iter().enumerate() {
        let r = g.find(v as u32) as usize;
        rep_hints[r] |= h;
    }

    // Resolve every representative's neighbours once: from here on adjacency lists hold
    // distinct representatives only.
    for v in 0..nv as u32 {
        if g.find(v) == v {
            g.neighbors(v);
            g.degree[v as usize] = g.adj[v as usize]
                .iter()
                .filter(|&&n| g.kind[n as usize].is_reg())
                .count() as u32;
        }
    }
    color(
        &mut g, &classes, regs, &cost, &partners, &rep_hints, &mut homes,
    );

    let rep: Vec<u32> = (0..nv as u32).map(|v| g.find(v)).collect();
    let reps: Vec<u32> = (0..nv as u32).filter(|&v| rep[v as usize] == v).collect();
    let g = &g;
    let (slot, words) = assign_slots(g, &reps, &partners, |v| {
        g.kind[v] == Kind::Stack && !float(v)
    });
    let (fslot, floats) = assign_slots(g, &reps, &partners, |v| {
        g.kind[v] == Kind::Stack && float(v)
    });
    // Every rooted set has a GC root slot; those without a register live there.
    let (root, shadow_slots) = assign_slots(g, &reps, &partners, |v| g.limits[v] & ROOTED != 0);
    for &r in &reps {
        let r = r as usize;
        match g.kind[r] {
            Kind::Stack if float(r) => homes[r] = Some(Home::Spill(words + fslot[r])),
            Kind::Stack => homes[r] = Some(Home::Spill(slot[r])),
            Kind::Shadow => homes[r] = Some(Home::Shadow(root[r])),
            _ => {}
        }
    }
    let roots: Vec<Option<u32>> = (0..nv)
        .map(|v| {
            let r = rep[v] as usize;
            (g.kind[r] == Kind::Word && g.limits[r] & ROOTED != 0 && g.kind[v] != Kind::Const)
                .then_some(root[r])
        })
        .collect();

    let consts: Vec<(usize, i32)> = constants(f);
    let mut result: Vec<Option<Home>> = vec![None; nv];
    for v in 0..nv {
        match g.kind[v] {
            Kind::Absent | Kind::Const => {}
            _ => {
                result[v] = homes[rep[v] as usize];
            }
        }
    }
    for (v, c) in consts {
        if g.kind[v] == Kind::Const {
            result[v] = Some(Home::Const(c));
        }
    }

    let in_memory = |h: &Option<Home>| matches!(h, Some(Home::Spill(_) | Home::Shadow(_)));
    if (0..nv).any(|v| frameless.get(v) == Some(&true) && in_memory(&result[v])) {
        return None;
    }
    Some(Allocation {
        homes: result,
        roots,
        order,
        spill_slots: words + floats,
        shadow_slots,
    })
}

/// The register masks of the allocatable register classes.
struct Classes {
    preserved: u64,
    clobbered: u64,
    float: u64,
}

impl Classes {
    /// The registers a set of the given kind may use.
    fn allowed(&self, kind: Kind, limits: u8, avoid: u64) -> u64 {
        let word = match (limits & CROSSES != 0, limits & FRAMELESS != 0) {
            (false, false) => self.clobbered | self.preserved,
            (true, false) => self.preserved,
            (false, true) => self.clobbered,
            (true, true) => 0,
        };
        let regs = match kind {
            Kind::Word => word,
            Kind::Float if limits & CROSSES == 0 => self.float,
            _ => 0,
        };
        regs & !avoid
    }
}

/// Walks every reachable block backwards, adding interference edges, marking the vars live
/// across calls and the registers each var must avoid; `false` when there would be more than
/// `c.budget` edges.
fn build_interference(
    f: &Function,
    live: &Liveness,
    order: &[BlockId],
    kind: &[Kind],
    g: &mut Graph,
    c: &Constraints,
) -> bool {
    let budget = c.budget;
    let nv = f.vars.len();
    let file = |v: usize| f.vars[v] == Ty::F32;
    let stored = |v: usize| !matches!(kind[v], Kind::Absent | Kind::Const);
    let mut now = SparseSet::new(nv);
    for &b in order {
        let block = f.block(b);
        now.clear();
        for v in live.live_out[b.0 as usize].iter() {
            now.insert(v);
        }
        block.term.for_each_use(|v| now.insert(v.0 as usize));
        let same = same_values(&block.insts);
        for (i, inst) in block.insts.iter().enumerate().rev() {
            if let Some(d) = inst.def() {
                let d = d.0 as usize;
                now.remove(d);
                if stored(d) {
                    for k in 0..now.dense.len() {
                        let v = now.dense[k];
                        if !same[i].contains(&v)
                            && stored(v as usize)
                            && file(v as usize) == file(d)
                        {
                            g.add_edge(d as u32, v);
                        }
                    }
                    if g.edge_count > budget {
                        return false;
                    }
                }
            }
            if let Inst::Call { .. } = inst {
                for &v in &now.dense {
                    g.limits[v as usize] |= CROSSES;
                }
            }
            let clobbered = (c.clobbers)(inst);
            if clobbered != 0 {
                for &v in &now.dense {
                    g.avoid[v as usize] |= clobbered;
                }
                inst.for_each_use(|v| g.avoid[v.0 as usize] |= clobbered);
                if let Some(d) = inst.def() {
                    g.avoid[d.0 as usize] |= clobbered;
                }
            }
            inst.for_each_use(|v| now.insert(v.0 as usize));
        }
    }
    // Everything live on entry (the parameters) is defined at once.
    let entry: Vec<usize> = live.live_in[0].iter().filter(|&v| stored(v)).collect();
    for (i, &a) in entry.iter().enumerate() {
        for &b in &entry[i + 1..] {
            if file(a) == file(b) {
                g.add_edge(a as u32, b as u32);
            }
        }
    }
    g.edge_count <= budget
}

/// For every copy `d = copy s` of a block, the vars known to hold `s`'s value just before it
/// (`s` itself, and vars copied from the same value earlier in the block and not redefined since),
/// by block-local value numbering; empty for other instructions. `d` does not interfere with
/// them: they may share a home, since a later redefinition of either while the other is live
/// adds the edge there.
fn same_values(insts: &[Inst]) -> Vec<Vec<u32>> {
    const ENTRY: u32 = 1 << 31;
    let mut val: HashMap<u32, u32, BuildHasherDefault<MulHasher>> = HashMap::default();
    let mut members: HashMap<u32, Vec<u32>, BuildHasherDefault<MulHasher>> = HashMap::default();
    let mut fresh = 0;
    let mut out = Vec::with_capacity(insts.len());
    for inst in insts {
        let id_of = |val: &HashMap<_, _, _>, v: u32| val.get(&v).copied().unwrap_or(ENTRY | v);
        // The vars holding `id` (a var's entry value is held by the var until redefined).
        let holders = |members: &mut HashMap<u32, Vec<u32>, _>, val: &HashMap<_, _, _>, id: u32| {
            members
                .entry(id)
                .or_insert_with(|| {
                    let v = id & !ENTRY;
                    if id & ENTRY != 0 && !val.contains_key(&v) {
                        vec![v]
                    } else {
                        Vec::new()
                    }
                })
                .clone()
        };
        let (same, new_id) = match *inst {
            Inst::Copy { src, .. } => {
                let id = id_of(&val, src.0);
                (holders(&mut members, &val, id), Some(id))
            }
            _ => (Vec::new(), None),
        };
        out.push(same);
        if let Some(d) = inst.def() {
            let d = d.0;
            let old = id_of(&val, d);
            holders(&mut members, &val, old);
            if let Some(m) = members.get_mut(&old) {
                m.retain(|&x| x != d);
            }
            let id = new_id.unwrap_or_else(|| {
                fresh += 1;
                fresh
            });
            holders(&mut members, &val, id);
            val.insert(d, id);
            members.entry(id).or_default().push(d);
        }
    }
    out
}

/// Merges the sets of `d` and `s` when they do not interfere, have the same kind and the merged
/// set stays colourable.
fn coalesce(g: &mut Graph, classes: &Classes, d: u32, s: u32, cost: &mut [u64]) {
    let (a, b) = (g.find(d), g.find(s));
    let (ka, kb) = (g.kind[a as usize], g.kind[b as usize]);
    if a == b || ka != kb || g.interferes(a, b) {
        return;
    }
    if !matches!(ka, Kind::Word | Kind::Float | Kind::Stack | Kind::Shadow) {
        return;
    }
    let (keep, gone) = if ka.is_reg() {
        let limits = g.limits[a as usize] | g.limits[b as usize];
        let avoid = g.avoid[a as usize] | g.avoid[b as usize];
        let k = classes.allowed(ka, limits, avoid).count_ones();
        if k == 0 {
            return;
        }
        if briggs(g, classes, a, b, k) || george(g, classes, a, b) {
            (a, b)
        } else if george(g, classes, b, a) {
            (b, a)
        } else {
            return;
        }
    } else {
        (a, b)
    };
    // Merge `gone` into `keep`.
    g.parent[gone as usize] = keep;
    g.limits[keep as usize] |= g.limits[gone as usize];
    g.avoid[keep as usize] |= g.avoid[gone as usize];
    cost[keep as usize] += cost[gone as usize];
    let reg = |g: &Graph, n: u32| g.kind[n as usize].is_reg();
    // `gone`'s stale entries in its neighbours' lists now resolve to `keep`.
    let neighbors = g.neighbors(gone);
    g.adj[gone as usize] = Vec::new();
    for n in neighbors {
        if g.interferes(keep, n) {
            // `n` loses a neighbour: two of them became one.
            if reg(g, gone) && reg(g, n) {
                g.degree[n as usize] -= 1;
            }
        } else {
            g.add_edge(keep, n);
            if reg(g, keep) && reg(g, n) {
                g.degree[keep as usize] += 1;
            }
        }
    }
}

/// The significance threshold of `n`: how many registers it may use.
fn colors(g: &Graph, classes: &Classes, n: u32) -> u32 {
    classes
        .allowed(
            g.kind[n as usize],
            g.limits[n as usize],
            g.avoid[n as usize],
        )
        .count_ones()
}

/// Briggs: the merged set has fewer than `k` neighbours of significant degree.
fn briggs(g: &mut Graph, classes: &Classes, a: u32, b: u32, k: u32) -> bool {
    if g.degree[a as usize] + g.degree[b as usize] < k {
        return true;
    }
    g.epoch += 1;
    let mut significant = 0;
    for v in [a, b] {
        for i in 0..g.adj[v as usize].len() {
            let n = g.find(g.adj[v as usize][i]);
            if n == a || n == b || g.mark[n as usize] == g.epoch || !g.kind[n as usize].is_reg() {
                continue;
            }
            g.mark[n as usize] = g.epoch;
            let both = g.interferes(a, n) && g.interferes(b, n);
            let degree = g.degree[n as usize] - both as u32;
            if degree >= colors(g, classes, n) {
                significant += 1;
                if significant >= k {
                    return false;
                }
            }
        }
    }
    true
}

/// George: every neighbour of `b` already interferes with `a` or has insignificant degree, and
/// `b` constrains its registers no more than `a` does.
fn george(g: &mut Graph, classes: &Classes, a: u32, b: u32) -> bool {
    if g.limits[b as usize] & !g.limits[a as usize] != 0
        || g.avoid[b as usize] & !g.avoid[a as usize] != 0
    {
        return false;
    }
    for i in 0..g.adj[b as usize].len() {
        let n = g.find(g.adj[b as usize][i]);
        if n != b
            && g.kind[n as usize].is_reg()
            && !g.interferes(a, n)
            && g.degree[n as usize] >= colors(g, classes, n)
        {
            return false;
        }
    }
    true
}

/// Colours the register-class representatives; those left without a register become
/// [`Kind::Stack`].
fn color(
    g: &mut Graph,
    classes: &Classes,
    regs: &Registers,
    cost: &[u64],
    partners: &[Vec<(u32, u64)>],
    hints: &[u64],
    homes: &mut [Option<Home>],
) {
    let nv = g.kind.len();
    let nodes: Vec<u32> = (0..nv as u32)
        .filter(|&v| g.parent[v as usize] == v && g.kind[v as usize].is_reg())
        .collect();
    let k: Vec<u32> = (0..nv as u32)
        .map(|v| {
            if g.kind[v as usize].is_reg() {
                colors(g, classes, v)
            } else {
                0
            }
        })
        .collect();
    let mut degree = g.degree.clone();
    let mut removed = vec![false; nv];
    let mut low: Vec<u32> = nodes
        .iter()
        .copied()
        .filter(|&n| degree[n as usize] < k[n as usize])
        .collect();
    let mut remaining = nodes.len();
    let mut stack = Vec::with_capacity(nodes.len());
    loop {
        while let Some(n) = low.pop() {
            if removed[n as usize] {
                continue;
            }
            removed[n as usize] = true;
            remaining -= 1;
            stack.push(n);
            for &m in &g.adj[n as usize] {
                let mi = m as usize;
                if g.kind[mi].is_reg() && !removed[mi] {
                    degree[mi] -= 1;
                    if degree[mi] + 1 == k[mi] {
                        low.push(m);
                    }
                }
            }
        }
        if remaining == 0 {
            break;
        }
        // Stuck: optimistically push the var that is cheapest to keep in memory per neighbour.
        let pick = nodes
            .iter()
            .copied()
            .filter(|&n| !removed[n as usize])
            .min_by(|&x, &y| {
                let px = cost[x as usize] as f64 / (degree[x as usize] as f64 + 1.0);
                let py = cost[y as usize] as f64 / (degree[y as usize] as f64 + 1.0);
                px.total_cmp(&py)
            })
            .expect("remaining vars");
        low.push(pick);
    }

    let preserved = classes.preserved;
    let mut saved = 0u64;
    while let Some(n) = stack.pop() {
        let ni = n as usize;
        let mut used = 0;
        for &m in &g.adj[ni] {
            if let Some(h) = homes[m as usize] {
                used |= reg_bit(h);
            }
        }
        let avail = classes.allowed(g.kind[ni], g.limits[ni], g.avoid[ni]) & !used;
        if avail == 0 {
            g.kind[ni] = if g.limits[ni] & ROOTED != 0 {
                Kind::Shadow
            } else {
                Kind::Stack
            };
            continue;
        }
        let from_partner = partners[ni]
            .iter()
            .filter_map(|&(p, _)| homes[p as usize])
            .map(reg_bit)
            .find(|b| avail & b != 0);
        let bit = from_partner
            .or_else(|| lowest(avail & hints[ni]))
            .or_else(|| {
                // The ABI register a copy partner still to be coloured wants.
                partners[ni]
                    .iter()
                    .filter(|&&(p, _)| homes[p as usize].is_none())
                    .find_map(|&(p, _)| lowest(avail & hints[p as usize]))
            })
            .or_else(|| {
                let bit = |r: &u8| 1u64 << r;
                let order: Vec<u64> = if g.kind[ni] == Kind::Float {
                    regs.float.iter().map(bit).collect()
                } else {
                    let preserved = regs.word_preserved.iter().map(bit);
                    regs.word_clobbered
                        .iter()
                        .map(bit)
                        .chain(preserved.clone().filter(|b| saved & b != 0))
                        .chain(preserved)
                        .collect()
                };
                order.into_iter().find(|b| avail & b != 0)
            })
            .expect("an available register");
        saved |= bit & preserved;
        homes[ni] = Some(Home::Reg(bit.trailing_zeros() as u8));
    }
}

/// A register home's bit in a register mask; 0 for other homes.
fn reg_bit(home: Home) -> u64 {
    match home {
        Home::Reg(r) => 1 << r,
        _ => 0,
    }
}

fn lowest(m: u64) -> Option<u64> {
    (m != 0).then(|| m & m.wrapping_neg())
}

fn assign_slots(
    g: &Graph,
    reps: &[u32],
    partners: &[Vec<(u32, u64)>],
    pick: impl Fn(usize) -> bool,
) -> (Vec<u32>, u32) {
    let mut slot = vec![u32::MAX; g.kind.len()];
    let mut count = 0;
    for &n in reps.iter().filter(|&&v| pick(v as usize)) {
        let taken: HashSet<u32> = g.adj[n as usize]
            .iter()
            .map(|&m| slot[m as usize])
            .filter(|&s| s != u32::MAX)
            .collect();
        let s = partners[n as usize]
            .iter()
            .map(|&(p, _)| slot[p as usize])
            .find(|&s| s != u32::MAX && !taken.contains(&s))
            .unwrap_or_else(|| (0..).find(|s| !taken.contains(s)).expect("a free slot"));
        slot[n as usize] = s;
        count = count.max(s + 1);
    }
    (slot, count)
}

/// The reachable blocks in reverse post-order, visiting a branch's `other` successor before its
/// `then` successor so that `then` (a loop body, the likely side) tends to follow the branch and
/// be reached by falling through; blocks that raise a run-time error go last. The entry block
/// stays first.
pub fn layout_order(f: &Function) -> Vec<BlockId> {
    let mut seen = vec![false; f.blocks.len()];
    let mut post = Vec::with_capacity(f.blocks.len());
    // `successors()` is `[then, other]`; popping from the end visits `other` first.
    let succ_of = |b: BlockId| f.block(b).term.successors();
    let mut stack: Vec<(BlockId, Vec<BlockId>)> = vec![(BlockId(0), succ_of(BlockId(0)))];
    seen[0] = true;
    while let Some((b, succs)) = stack.last_mut() {
        match succs.pop() {
            Some(s) if !seen[s.0 as usize] => {
                seen[s.0 as usize] = true;
                stack.push((s, succ_of(s)));
            }
            Some(_) => {}
            None => {
                post.push(*b);
                stack.pop();
            }
        }
    }
    post.reverse();
    // Run-time error paths are cold: lay them out last so that hot paths fall through.
    let (hot, cold): (Vec<BlockId>, Vec<BlockId>) = post
        .into_iter()
        .partition(|&b| b.0 == 0 || !matches!(f.block(b).term, crate::Terminator::Raise { .. }));
    hot.into_iter().chain(cold).collect()
}

/// The word vars (not parameters) whose every definition is an `IConst` of one value, with
/// that value. The IR requires every read to be preceded by a definition, so every read sees
/// that value; and a
/// constant is never a heap address, so no constant needs a GC root ([`Liveness::roots`]).
pub fn constants(f: &Function) -> Vec<(usize, i32)> {
    let value = crate::analysis::constant_values(f);
    (0..f.vars.len())
        .filter(|&v| f.vars[v] != Ty::F32)
        .filter_map(|v| value[v].map(|c| (v, c)))
        .collect()
}
/// An estimate of how often each block runs: `8^depth` for its loop depth, where a loop is a
/// back edge `t → h` in layout order and its body the blocks laid out from `h` to `t`.
fn block_weights(f: &Function, order: &[BlockId]) -> Vec<u64> {
    let mut pos = vec![usize::MAX; f.blocks.len()];
    for (i, b) in order.iter().enumerate() {
        pos[b.0 as usize] = i;
    }
    let mut depth_change = vec![0i32; order.len() + 1];
    for (i, &b) in order.iter().enumerate() {
        for s in f.block(b).term.successors() {
            let h = pos[s.0 as usize];
            if h <= i {
                depth_change[h] += 1;
                depth_change[i + 1] -= 1;
            }
        }
    }
    let mut weight = vec![1u64; f.blocks.len()];
    let mut depth = 0;
    for (i, b) in order.iter().enumerate() {
        depth += depth_change[i];
        weight[b.0 as usize] = 8u64.pow(depth.clamp(0, 6) as u32);
    }
    weight
}
