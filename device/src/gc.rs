//! The precise mark-sweep garbage collector: root sets and iterative marking.
//!
//! Roots are (a) the global root ranges the host registered, (b) the live part of the shadow
//! stack and (c) the temporaries of the running native. A word is traced when it is 4-byte
//! aligned, lies in the heap and points at a plausible object header (a known kind and a size
//! inside the heap). Objects with children are arrays (elements of reference or `any` type),
//! instances (fields whose run-time type is traced), closures (captures flagged as traced) and
//! cells (when flagged as traced). Marking uses a fixed-size mark stack; when it overflows,
//! objects are still marked but not pushed, and marking continues by re-tracing every marked
//! object with children until no overflow happens: no recursion and no allocation. Static
//! objects and descriptors lie outside the heap and are neither traced nor freed.

use crate::abi;
use crate::heap::{Heap, MARK_BIT, header_kind, header_size};
use crate::memory::{MemError, Memory};
use crate::objects::array::{ARRAY_CAP, ARRAY_INLINE};
use crate::objects::{cell, class, closure, instance};

/// Capacity of the global root set, in address ranges (adjacent ranges are merged).
pub const ROOT_RANGES: usize = 256;
/// Capacity of the mark stack, in objects.
pub const MARK_STACK: usize = 256;

/// The global root set is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootSetFull;

/// Registered global root ranges: `(address, word count)`, sorted and merged.
pub struct RootSet {
    ranges: [(u32, u32); ROOT_RANGES],
    len: usize,
}

impl RootSet {
    /// An empty root set.
    pub const fn new() -> Self {
        RootSet {
            ranges: [(0, 0); ROOT_RANGES],
            len: 0,
        }
    }

    /// Removes every range.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The ranges as `(address, word count)`.
    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges[..self.len]
    }

    /// Adds `count` words at `addr` (4-byte aligned), merging with overlapping or adjacent
    /// ranges. The caller checks that the range lies in memory.
    pub fn add(&mut self, addr: u32, count: u32) -> Result<(), RootSetFull> {
        if count == 0 {
            return Ok(());
        }
        let mut start = addr as u64;
        let mut end = start + 4 * count as u64;
        // Remove every range that touches [start, end), widening it to cover them.
        let mut kept = 0;
        for i in 0..self.len {
            let (a, n) = self.ranges[i];
            let (ra, rb) = (a as u64, a as u64 + 4 * n as u64);
            if ra <= end && start <= rb {
                start = start.min(ra);
                end = end.max(rb);
            } else {
                self.ranges[kept] = self.ranges[i];
                kept += 1;
            }
        }
        if kept == ROOT_RANGES {
            return Err(RootSetFull);
        }
        let pos = self.ranges[..kept].partition_point(|r| (r.0 as u64) < start);
        self.ranges.copy_within(pos..kept, pos + 1);
        self.ranges[pos] = (start as u32, ((end - start) / 4) as u32);
        self.len = kept + 1;
        Ok(())
    }
}

impl Default for RootSet {
    fn default() -> Self {
        Self::new()
    }
}

/// Everything the collector starts from.
pub struct Roots<'a> {
    /// The global root ranges.
    pub globals: &'a RootSet,
    /// The lowest live shadow-stack slot.
    pub shadow_sp: u32,
    /// One past the highest shadow-stack slot.
    pub shadow_top: u32,
    /// Words held by the running native.
    pub temps: &'a [u32],
}

/// The mark stack and its overflow flag.
pub struct Marker {
    stack: [u32; MARK_STACK],
    len: usize,
    overflowed: bool,
}

impl Marker {
    /// An empty marker.
    pub const fn new() -> Self {
        Marker {
            stack: [0; MARK_STACK],
            len: 0,
            overflowed: false,
        }
    }

    /// Collects garbage: marks everything reachable from `roots`, then sweeps (overwriting
    /// what it frees when `poison`, see [`Heap::sweep`]).
    pub fn collect(
        &mut self,
        heap: &mut Heap,
        mem: &mut Memory,
        roots: &Roots<'_>,
        poison: bool,
    ) -> Result<(), MemError> {
        heap.begin_collection(mem)?;
        self.len = 0;
        self.overflowed = false;
        for &(addr, count) in roots.globals.ranges() {
            for i in 0..count {
                let w = mem.read_u32(addr + 4 * i)?;
                self.mark_word(heap, mem, w);
            }
        }
        let mut slot = roots.shadow_sp;
        while slot < roots.shadow_top {
            let w = mem.read_u32(slot)?;
            self.mark_word(heap, mem, w);
            slot += 4;
        }
        for &w in roots.temps {
            self.mark_word(heap, mem, w);
        }
        self.drain(heap, mem);
        while self.overflowed {
            self.overflowed = false;
            self.retrace_marked(heap, mem);
            self.drain(heap, mem);
        }
        heap.sweep(mem, poison)
    }

    /// Marks the object `w` points at, if it is one, and queues it when it has children.
    fn mark_word(&mut self, heap: &Heap, mem: &mut Memory, w: u32) {
        if w & 3 != 0 || !heap.contains(w) {
            return;
        }
        let Ok(h) = mem.read_u32(w) else { return };
        let kind = header_kind(h);
        let plausible = (abi::KIND_STRING..=abi::KIND_BOXED_FLOAT).contains(&kind)
            && header_size(h) >= 8
            && heap.contains(w + header_size(h) - 1);
        if h & MARK_BIT != 0 || !plausible || mem.write_u32(w, h | MARK_BIT).is_err() {
            return;
        }
        if has_children(kind) {
            if self.len < MARK_STACK {
                self.stack[self.len] = w;
                self.len += 1;
            } else {
                self.overflowed = true;
            }
        }
    }

    /// Traces queued objects until the stack is empty.
    fn drain(&mut self, heap: &Heap, mem: &mut Memory) {
        while self.len > 0 {
            self.len -= 1;
            let o = self.stack[self.len];
            self.trace(heap, mem, o);
        }
    }

    /// Marks the children of object `o`.
    fn trace(&mut self, heap: &Heap, mem: &mut Memory, o: u32) {
        let Ok(h) = mem.read_u32(o) else { return };
        // The words after the header and descriptor: a bound on fields and captures.
        let words = (header_size(h) / 4).saturating_sub(2);
        match header_kind(h) {
            abi::KIND_ARRAY => self.trace_array(heap, mem, o),
            abi::KIND_INSTANCE => {
                let Ok(desc) = instance::class(mem, o) else {
                    return;
                };
                for i in 0..class::field_count(mem, desc).min(words) {
                    if class::field_type(mem, desc, i).is_some_and(|t| t.traced()) {
                        self.mark_at(heap, mem, instance::field_addr(o, i));
                    }
                }
            }
            abi::KIND_CLOSURE => {
                let Some(desc) = closure::function(mem, o) else {
                    return;
                };
                for i in 0..closure::capture_count(mem, desc).min(words) {
                    if closure::capture_traced(mem, desc, i) {
                        self.mark_at(heap, mem, o + abi::CLOSURE_CAPTURES as u32 + 4 * i);
                    }
                }
            }
            abi::KIND_CELL => {
                if let Some(w) = cell::traced_value(mem, o) {
                    self.mark_word(heap, mem, w);
                }
            }
            _ => {}
        }
    }

    /// Marks the object that the word at `addr` points at.
    fn mark_at(&mut self, heap: &Heap, mem: &mut Memory, addr: u32) {
        if let Ok(w) = mem.read_u32(addr) {
            self.mark_word(heap, mem, w);
        }
    }

    /// Marks an array's separate element storage and traces its elements if they are
    /// references or `any` words.
    fn trace_array(&mut self, heap: &Heap, mem: &mut Memory, a: u32) {
        let word = |off: i32| mem.read_u32(a.wrapping_add_signed(off));
        let (Ok(desc), Ok(len), Ok(data), Ok(cap)) = (
            word(abi::ARRAY_DESC),
            word(abi::ARRAY_LEN),
            word(abi::ARRAY_DATA),
            word(ARRAY_CAP),
        ) else {
            return;
        };
        if data != a + ARRAY_INLINE {
            let storage = data.wrapping_sub(4);
            if heap.contains(storage)
                && let Ok(h) = mem.read_u32(storage)
                && header_kind(h) == abi::KIND_STORAGE
            {
                let _ = mem.write_u32(storage, h | MARK_BIT);
            }
        }
        let elem = mem.read_u32(desc.wrapping_add_signed(abi::DESC_ELEM_KIND));
        if !matches!(elem, Ok(abi::ELEM_REF) | Ok(abi::ELEM_ANY)) {
            return;
        }
        for i in 0..len.min(cap) {
            let Ok(w) = mem.read_u32(data.wrapping_add(4 * i)) else {
                return;
            };
            self.mark_word(heap, mem, w);
        }
    }

    /// After a mark-stack overflow: traces every marked object with children again.
    fn retrace_marked(&mut self, heap: &Heap, mem: &mut Memory) {
        let (mut addr, end) = heap.bounds();
        while addr < end {
            let Ok(h) = mem.read_u32(addr) else { return };
            let size = header_size(h);
            if size == 0 {
                return;
            }
            if has_children(header_kind(h)) && h & MARK_BIT != 0 {
                self.trace(heap, mem, addr);
                self.drain(heap, mem);
            }
            addr = addr.saturating_add(size);
        }
    }
}

/// Whether objects of `kind` can refer to other objects.
fn has_children(kind: u32) -> bool {
    matches!(
        kind,
        abi::KIND_ARRAY | abi::KIND_INSTANCE | abi::KIND_CLOSURE | abi::KIND_CELL
    )
}

impl Default for Marker {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_ranges_merge_and_sort() {
        let mut r = RootSet::new();
        r.add(0x100, 2).unwrap();
        r.add(0x200, 1).unwrap();
        r.add(0x108, 2).unwrap();
        r.add(0x104, 1).unwrap();
        r.add(0x50, 0).unwrap();
        assert_eq!(r.ranges(), &[(0x100, 4), (0x200, 1)]);
        r.add(0x0f0, 8).unwrap();
        assert_eq!(r.ranges(), &[(0x0f0, 8), (0x200, 1)]);
        r.clear();
        assert!(r.ranges().is_empty());
    }

    use crate::memory::tests::{small_map, test_memory};
    use crate::objects::statics::Statics;
    use crate::objects::{array, string};
    use crate::runtime::Runtime;

    /// A runtime with a small heap and, optionally, a collection before every allocation.
    fn runtime(heap: u32, stress: bool) -> Runtime {
        let mut rt = Runtime::new(test_memory(small_map(heap))).unwrap();
        rt.gc_stress = stress;
        rt
    }

    #[test]
    fn keeps_everything_reachable_and_frees_the_rest() {
        for stress in [false, true] {
            let mut rt = runtime(8192, stress);
            let map = rt.map();
            let mut st = Statics::new(&rt);
            let d_str = st.string_array(&mut rt);
            let d_arr = st.any_array(&mut rt);
            let global = map.data_base + 0x800;
            rt.add_roots(global, 2).unwrap();

            // Global 0: an any[] holding two string[] arrays of strings (nested, grown).
            let outer = array::create(&mut rt, d_arr, 0, 0).unwrap();
            rt.mem.write_u32(global, outer).unwrap();
            let mut strings = Vec::new();
            for i in 0..2 {
                let inner = array::create(&mut rt, d_str, 0, 0).unwrap();
                array::push(&mut rt, outer, inner).unwrap();
                for j in 0..6 {
                    let s = string::create(&mut rt, format!("s{i}{j}").as_bytes()).unwrap();
                    array::push(&mut rt, inner, s).unwrap();
                    rt.release_temps();
                    strings.push(s);
                }
                // Garbage in between.
                string::create(&mut rt, b"garbage").unwrap();
            }
            // A shadow-stack slot holding a string; the shadow stack grows down.
            let slot = map.shadow_top() - 4;
            let on_stack = string::create(&mut rt, b"on the shadow stack").unwrap();
            rt.mem.write_u32(slot, on_stack).unwrap();
            rt.shadow_sp = slot;
            // Unreachable: an array of strings, held by a shadow slot only while it is built.
            let lost = array::create(&mut rt, d_str, 0, 0).unwrap();
            rt.mem.write_u32(slot - 4, lost).unwrap();
            rt.shadow_sp = slot - 4;
            for _ in 0..5 {
                let s = string::create(&mut rt, b"lost").unwrap();
                array::push(&mut rt, lost, s).unwrap();
                rt.release_temps();
            }
            rt.shadow_sp = slot;

            rt.release_temps();
            rt.collect().unwrap();
            let stats = rt.heap_stats();
            // outer (+ storage), 2 inner (+ storage each), 12 strings, 1 shadow string.
            assert_eq!(
                stats.live_objects,
                1 + 1 + 2 * 2 + 12 + 1,
                "stress {stress}"
            );
            for (k, &s) in strings.iter().enumerate() {
                let want = format!("s{}{}", k / 6, k % 6);
                assert_eq!(string::bytes(&rt.mem, s).unwrap(), want.as_bytes());
            }
            assert_eq!(
                string::bytes(&rt.mem, on_stack).unwrap(),
                b"on the shadow stack"
            );
            let inner1 = rt
                .mem
                .read_u32(rt.mem.read_u32(outer + 12).unwrap() + 4)
                .unwrap();
            assert_eq!(array::length(&rt.mem, inner1).unwrap(), 6);

            // Dropping the roots frees everything.
            rt.mem.write_u32(global, 0).unwrap();
            rt.shadow_sp = map.shadow_top();
            rt.collect().unwrap();
            let stats = rt.heap_stats();
            assert_eq!((stats.live_objects, stats.in_use, stats.free), (0, 0, 8192));
        }
    }

    #[test]
    fn allocation_churn_does_not_leak() {
        for stress in [false, true] {
            let mut rt = runtime(4096, stress);
            let map = rt.map();
            let d = Statics::new(&rt).string_array(&mut rt);
            let global = map.data_base + 0x800;
            rt.add_roots(global, 1).unwrap();
            let keep = array::create(&mut rt, d, 0, 0).unwrap();
            rt.mem.write_u32(global, keep).unwrap();
            let rounds: u32 = if stress { 300 } else { 20_000 };
            for i in 0..rounds {
                let a = string::create(&mut rt, b"temporary ").unwrap();
                let b = string::create(&mut rt, format!("{i}").as_bytes()).unwrap();
                let c = string::concat(&mut rt, a, b).unwrap();
                if i % 1000 == 0 {
                    array::push(&mut rt, keep, c).unwrap();
                }
                rt.release_temps();
            }
            rt.collect().unwrap();
            let stats = rt.heap_stats();
            let kept = rounds.div_ceil(1000);
            assert_eq!(array::length(&rt.mem, keep).unwrap(), kept);
            // The array, its storage and the kept strings.
            assert_eq!(stats.live_objects, 2 + kept, "stress {stress}");
            assert!(stats.collections > 0);
            assert!(stats.peak <= 4096);
        }
    }

    #[test]
    fn deep_nesting_overflows_the_mark_stack_safely() {
        let mut rt = runtime(64 * 1024, false);
        let map = rt.map();
        let d = Statics::new(&rt).any_array(&mut rt);
        let global = map.data_base + 0x800;
        rt.add_roots(global, 1).unwrap();
        // A wide array of MARK_STACK * 2 arrays, each holding a chain of arrays.
        let wide = array::create(&mut rt, d, 0, 0).unwrap();
        rt.mem.write_u32(global, wide).unwrap();
        let n = 2 * MARK_STACK as u32;
        for _ in 0..n {
            let leaf = string::create(&mut rt, b"leaf").unwrap();
            rt.protect(leaf);
            let a = array::create(&mut rt, d, 1, leaf).unwrap();
            rt.release_temps();
            array::push(&mut rt, wide, a).unwrap();
        }
        let mut chain = 0;
        for _ in 0..n {
            chain = array::create(&mut rt, d, 1, chain).unwrap();
            rt.mem.write_u32(global, chain).unwrap();
        }
        array::push(&mut rt, wide, chain).unwrap();
        rt.mem.write_u32(global, wide).unwrap();
        rt.release_temps();
        rt.collect().unwrap();
        // wide + storage, n arrays + n strings, n chain arrays.
        assert_eq!(rt.heap_stats().live_objects, 2 + 3 * n);
    }

    /// The static data of the object graph tests: a class `Node` (next: Node | null,
    /// n: integer, f: closure type, any: any) and a function descriptor capturing a cell,
    /// an integer and another cell (flags: traced, untraced, traced).
    struct Graph {
        node: u32,
        func: u32,
    }

    impl Graph {
        fn new(rt: &mut Runtime) -> Graph {
            use crate::objects::runtime_type::RuntimeType as T;
            let mut st = Statics::new(rt);
            let fty = st.string(rt, b"() => integer");
            // `next` refers to the class itself: its aux word is patched in afterwards.
            let node = st.class(
                rt,
                b"Node",
                0,
                &[
                    (b"next", T::new(abi::TYPE_INSTANCE | abi::TYPE_NULLABLE, 0)),
                    (b"n", T::INT),
                    (b"f", T::new(abi::TYPE_FUNCTION | abi::TYPE_NULLABLE, fty)),
                    (b"any", T::new(abi::TYPE_ANY, 0)),
                ],
                &[],
            );
            let fields = rt.mem.read_u32(node + abi::CLASS_FIELDS as u32).unwrap();
            rt.mem.write_u32(fields + 8, node).unwrap();
            let func = st.function(rt, b"() => integer", 0, 1, 2, &[true, false, true]);
            Graph { node, func }
        }

        fn instance(&self, rt: &mut Runtime) -> u32 {
            let o = instance::create(rt, self.node).unwrap();
            rt.release_temps();
            o
        }

        fn closure(&self, rt: &mut Runtime) -> u32 {
            closure::create(rt, self.func).unwrap()
        }
    }

    fn set(rt: &mut Runtime, addr: u32, w: u32) {
        rt.mem.write_u32(addr, w).unwrap();
    }

    #[test]
    fn instances_closures_and_cells_live_exactly_while_reachable() {
        for stress in [false, true] {
            let mut rt = runtime(8192, stress);
            let map = rt.map();
            let g = Graph::new(&mut rt);
            // Global 0 holds the graph, global 1 the garbage while it is built.
            let global = map.data_base + 0x800;
            rt.add_roots(global, 2).unwrap();
            let field = |o: u32, i: u32| instance::field_addr(o, i);
            let capture = |c: u32, i: u32| c + abi::CLOSURE_CAPTURES as u32 + 4 * i;
            let value = |c: u32| c + abi::CELL_VALUE as u32;
            // Every new object is stored in the graph or the global before the next
            // allocation, so that stress collections keep it.
            let a = g.instance(&mut rt);
            set(&mut rt, global, a);
            let b = g.instance(&mut rt);
            set(&mut rt, field(a, 0), b);
            set(&mut rt, field(b, 0), a); // a cycle
            let c1 = g.closure(&mut rt);
            set(&mut rt, field(a, 2), c1);
            let x = cell::create(&mut rt, true).unwrap();
            set(&mut rt, capture(c1, 0), x);
            let s1 = string::create(&mut rt, b"in a traced cell").unwrap();
            set(&mut rt, value(x), s1);
            let s2 = string::create(&mut rt, b"in an any field").unwrap();
            set(&mut rt, field(b, 3), s2);
            let u = cell::create(&mut rt, false).unwrap();
            set(&mut rt, capture(c1, 2), u);
            set(&mut rt, capture(c1, 1), c1); // an untraced capture naming a live object
            // Garbage: strings only named by untraced words, and a cycle of instances
            // reachable from nothing but a closure in a cell.
            let s4 = string::create(&mut rt, b"in an untraced cell").unwrap();
            set(&mut rt, value(u), s4);
            let s5 = string::create(&mut rt, b"in an untraced capture").unwrap();
            set(&mut rt, capture(c1, 1), s5);
            let s6 = string::create(&mut rt, b"in an integer field").unwrap();
            set(&mut rt, field(a, 1), s6);
            let d = g.instance(&mut rt);
            set(&mut rt, global + 4, d);
            let e = g.instance(&mut rt);
            set(&mut rt, field(d, 0), e);
            set(&mut rt, field(e, 0), d);
            let c2 = g.closure(&mut rt);
            set(&mut rt, field(e, 2), c2);
            let y = cell::create(&mut rt, true).unwrap();
            set(&mut rt, capture(c2, 0), y);
            set(&mut rt, value(y), d);
            set(&mut rt, global + 4, 0);

            rt.release_temps();
            rt.collect().unwrap();
            // a, b, c1, x, s1, s2, u.
            assert_eq!(rt.heap_stats().live_objects, 7, "stress {stress}");
            assert_eq!(string::bytes(&rt.mem, s1).unwrap(), b"in a traced cell");
            assert_eq!(string::bytes(&rt.mem, s2).unwrap(), b"in an any field");
            assert_eq!(rt.mem.read_u32(field(b, 0)), Ok(a));

            // Only the cycle through b is left: it lives as long as a root names it.
            set(&mut rt, global, b);
            set(&mut rt, field(a, 2), 0);
            rt.collect().unwrap();
            assert_eq!(rt.heap_stats().live_objects, 3, "a, b, s2");
            set(&mut rt, global, 0);
            rt.collect().unwrap();
            assert_eq!(rt.heap_stats().live_objects, 0);
        }
    }

    #[test]
    fn wide_graphs_of_instances_overflow_the_mark_stack_safely() {
        let mut rt = runtime(128 * 1024, false);
        let map = rt.map();
        let g = Graph::new(&mut rt);
        let d = Statics::new(&rt).any_array(&mut rt);
        let global = map.data_base + 0x800;
        rt.add_roots(global, 1).unwrap();
        let wide = array::create(&mut rt, d, 0, 0).unwrap();
        set(&mut rt, global, wide);
        let n = 2 * MARK_STACK as u32;
        for _ in 0..n {
            // instance → closure → cell → string, each stored before the next allocation.
            let o = g.instance(&mut rt);
            array::push(&mut rt, wide, o).unwrap();
            let c = g.closure(&mut rt);
            set(&mut rt, instance::field_addr(o, 2), c);
            let x = cell::create(&mut rt, true).unwrap();
            set(&mut rt, c + abi::CLOSURE_CAPTURES as u32, x);
            let s = string::create(&mut rt, b"leaf").unwrap();
            set(&mut rt, x + abi::CELL_VALUE as u32, s);
            rt.release_temps();
        }
        rt.collect().unwrap();
        // wide + storage, and four objects per element.
        assert_eq!(rt.heap_stats().live_objects, 2 + 4 * n);
    }

    #[test]
    fn out_of_memory_is_a_run_time_error() {
        let mut rt = runtime(1024, false);
        let d = Statics::new(&rt).int_array(&mut rt);
        let e = array::create(&mut rt, d, 1000, 0).unwrap_err();
        assert_eq!(e.kind, abi::ErrorKind::OutOfMemory);
        assert_eq!(e.message_bytes(), b"out of memory (heap 1024 bytes)");
        assert!(array::create(&mut rt, d, 10, 0).is_ok());
    }

    #[test]
    fn root_set_reports_when_full() {
        let mut r = RootSet::new();
        for i in 0..ROOT_RANGES as u32 {
            r.add(i * 16, 1).unwrap();
        }
        assert_eq!(r.add(0x10_0000, 1), Err(RootSetFull));
        assert_eq!(r.ranges().len(), ROOT_RANGES);
    }
}
