//! The register window: WindowBase, WindowStart, and window overflow and underflow handled as
//! the ESP32's window vectors handle them.
//!
//! On the chip, an instruction that touches a register of a window still owned by an older
//! frame raises a window-overflow exception; the vector spills that frame (the oldest live one)
//! to its stack save areas and the instruction runs again. A `retw` to a frame that is not
//! live raises a window underflow and the vector reloads it. The simulator does the same loads
//! and stores, in the same order, as the standard vectors the ESP32 uses (`_WindowOverflow4/8/12`,
//! `_WindowUnderflow4/8/12`), so memory matches the chip's; it counts their instructions
//! (4, 9 or 13 stores or loads plus `rfwo`/`rfwu`) as executed.

use crate::{Fault, Sim};

/// WindowBase and WindowStart, in groups of four registers.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    /// WindowBase.
    base: u32,
    /// WindowStart: bit `g` is set when a frame's window starts at group `g`.
    start: u32,
    /// Number of groups (physical registers / 4).
    groups: u32,
    /// How many groups above `base` are free: accessing `a{4k..}` with `k <= safe` never
    /// overflows.
    safe: u32,
}

impl Window {
    pub(crate) fn new(groups: u32) -> Window {
        let mut w = Window {
            base: 0,
            start: 1,
            groups,
            safe: 0,
        };
        w.update();
        w
    }

    pub(crate) fn reset(&mut self) {
        self.start = 1 << self.base;
        self.update();
    }

    /// The physical index of register `a{r}` of the current window.
    #[inline]
    pub(crate) fn physical(&self, r: u32) -> usize {
        ((self.base * 4 + r) & (self.groups * 4 - 1)) as usize
    }

    /// The physical index of register `a{r}` of the window starting at group `g`.
    fn physical_at(&self, g: u32, r: u32) -> usize {
        ((g * 4 + r) & (self.groups * 4 - 1)) as usize
    }

    /// Whether accessing register group `g` (registers `a{4g}..a{4g + 3}`) needs no overflow.
    #[inline]
    pub(crate) fn fits(&self, g: u32) -> bool {
        g <= self.safe
    }

    /// The group `n` steps above the base, wrapped.
    fn above(&self, n: u32) -> u32 {
        (self.base + n) % self.groups
    }

    /// The number of groups from group `g` (exclusive) up to the next frame's start.
    fn distance_from(&self, g: u32) -> u32 {
        let mask = (1u64 << self.groups) - 1;
        let ws = u64::from(self.start);
        let shift = (g + 1) % self.groups;
        let rotated = ((ws >> shift) | (ws << (self.groups - shift))) & mask;
        if rotated == 0 {
            self.groups
        } else {
            rotated.trailing_zeros() + 1
        }
    }

    fn update(&mut self) {
        self.safe = self.distance_from(self.base) - 1;
    }

    /// Rotates by `n` groups (an `entry` after `call{4n}`) and marks the new window live.
    pub(crate) fn enter(&mut self, n: u32) {
        self.base = self.above(n);
        self.start |= 1 << self.base;
        self.update();
    }

    /// Whether the frame `n` groups below is live (a `retw` can return without underflow).
    pub(crate) fn caller_live(&self, n: u32) -> bool {
        let g = (self.base + self.groups - n) % self.groups;
        self.start & (1 << g) != 0
    }

    /// Returns to the frame `n` groups below: the current window stops being live.
    pub(crate) fn leave(&mut self, n: u32) {
        self.start &= !(1 << self.base);
        self.base = (self.base + self.groups - n) % self.groups;
        self.update();
    }

    /// Whether the three groups below the current one hold no live frame (`movsp` then raises
    /// the alloca exception).
    pub(crate) fn below_spilled(&self) -> bool {
        (1..=3).all(|n| !self.caller_live(n))
    }
}

/// Makes register groups up to `g` of the current window free by spilling the oldest live
/// frames, as repeated window-overflow exceptions would.
pub(crate) fn overflow(sim: &mut Sim, g: u32) -> Result<(), Fault> {
    while !sim.window.fits(g) {
        let w = &sim.window;
        let frame = w.above(w.safe + 1);
        let size = w.distance_from(frame).min(3);
        spill(sim, frame, size)?;
        sim.window.start &= !(1 << frame);
        sim.window.update();
    }
    Ok(())
}

/// Register `a{r}` of the frame starting at group `frame`, by physical index.
fn at(sim: &Sim, frame: u32, r: u32) -> usize {
    sim.window.physical_at(frame, r)
}

fn store(sim: &mut Sim, addr: u32, value: u32) -> Result<(), Fault> {
    sim.memory.store(sim.pc, addr, value.to_le_bytes())
}

fn load(sim: &mut Sim, addr: u32) -> Result<u32, Fault> {
    Ok(u32::from_le_bytes(sim.memory.load(sim.pc, addr)?))
}

/// `_WindowOverflow{4·size}` for the frame at group `frame`, which called with `call{4·size}`.
fn spill(sim: &mut Sim, frame: u32, size: u32) -> Result<(), Fault> {
    let r = |sim: &Sim, n: u32| sim.ar[at(sim, frame, n)];
    // The callee's stack pointer: its a1 is this frame's a{4·size + 1}.
    let callee_sp = r(sim, 4 * size + 1);
    store(sim, callee_sp.wrapping_sub(16), r(sim, 0))?;
    if size == 1 {
        for n in 1..4 {
            store(sim, callee_sp.wrapping_sub(16 - 4 * n), r(sim, n))?;
        }
        sim.count += 5;
        return Ok(());
    }
    // The extra save area sits below the stack pointer of this frame's caller, which the
    // caller's own spill left at this frame's sp − 12; the vector loads it into a0.
    let extra = load(sim, r(sim, 1).wrapping_sub(12))?;
    let a0 = at(sim, frame, 0);
    sim.ar[a0] = extra;
    for n in 1..4 {
        store(sim, callee_sp.wrapping_sub(16 - 4 * n), r(sim, n))?;
    }
    let words = 4 * size - 4;
    for n in 0..words {
        store(sim, extra.wrapping_sub(16 + 4 * (words - n)), r(sim, 4 + n))?;
    }
    // s32e a0, l32e, three s32e, the extra stores, rfwo.
    sim.count += u64::from(6 + words);
    Ok(())
}

/// `_WindowUnderflow{4n}`: reloads the caller `n` groups below, which called with `call{4n}`
/// and whose callee (the current frame) has its stack pointer in the caller's `a{4n + 1}`.
pub(crate) fn underflow(sim: &mut Sim, n: u32) -> Result<(), Fault> {
    let g = (sim.window.base + sim.window.groups - n) % sim.window.groups;
    let reg = |sim: &Sim, r: u32| at(sim, g, r);
    let sp = sim.ar[reg(sim, 4 * n + 1)];
    let mut words = [0u32; 4];
    for (i, w) in words.iter_mut().enumerate() {
        *w = load(sim, sp.wrapping_sub(16 - 4 * i as u32))?;
    }
    if n == 1 {
        for (i, w) in words.into_iter().enumerate() {
            let p = reg(sim, i as u32);
            sim.ar[p] = w;
        }
        sim.count += 5;
    } else {
        // The vector loads a0..a2, then the extra save area's address (the caller's caller's
        // stack pointer, saved at the caller's sp − 12), then a3, then the extra registers.
        let extra = load(sim, words[1].wrapping_sub(12))?;
        let count = 4 * n - 4;
        let mut more = [0u32; 8];
        for (i, w) in more.iter_mut().take(count as usize).enumerate() {
            *w = load(sim, extra.wrapping_sub(16 + 4 * (count - i as u32)))?;
        }
        for (i, w) in words.into_iter().enumerate() {
            let p = reg(sim, i as u32);
            sim.ar[p] = w;
        }
        for (i, w) in more.into_iter().take(count as usize).enumerate() {
            let p = reg(sim, 4 + i as u32);
            sim.ar[p] = w;
        }
        // Four l32e, the l32e of the extra area's address, the extra loads, rfwu.
        sim.count += u64::from(6 + count);
    }
    sim.window.start |= 1 << g;
    sim.window.update();
    Ok(())
}
