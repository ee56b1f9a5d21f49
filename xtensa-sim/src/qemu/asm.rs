//! A small assembler for the harness's stub: [`Inst`]s through `backend_xtensa::encode`, the
//! few privileged instructions the stub and the window vectors need (which the code generator
//! never emits) as raw words, literals, and labels with forward references.

use backend_xtensa::{Inst, encode};

/// Special registers, by number.
pub(crate) mod sr {
    pub const SAR: u32 = 3;
    pub const BR: u32 = 4;
    pub const WINDOWBASE: u32 = 72;
    pub const WINDOWSTART: u32 = 73;
    pub const EPC1: u32 = 177;
    pub const CPENABLE: u32 = 224;
    pub const PS: u32 = 230;
    pub const VECBASE: u32 = 231;
    pub const EXCCAUSE: u32 = 232;
}

/// `rsr at, sr`.
pub(crate) fn rsr(t: u32, sr: u32) -> u32 {
    (3 << 16) | (sr << 8) | (t << 4)
}

/// `wsr at, sr`.
pub(crate) fn wsr(t: u32, sr: u32) -> u32 {
    (1 << 20) | (3 << 16) | (sr << 8) | (t << 4)
}

/// `rsync`.
pub(crate) const RSYNC: u32 = 0x00_2010;
/// `rfwo`: return from window overflow.
pub(crate) const RFWO: u32 = 0x00_3400;
/// `rfwu`: return from window underflow.
pub(crate) const RFWU: u32 = 0x00_3500;

/// `l32e at, as, offset` (offset −64..=−4): the window vectors' load.
pub(crate) fn l32e(t: u32, s: u32, offset: i32) -> u32 {
    (9 << 16) | (((16 + offset / 4) as u32 & 15) << 12) | (s << 8) | (t << 4)
}

/// `s32e at, as, offset` (offset −64..=−4): the window vectors' store.
pub(crate) fn s32e(t: u32, s: u32, offset: i32) -> u32 {
    (4 << 20) | l32e(t, s, offset)
}

/// A label: an address known now or later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Label(usize);

/// An instruction waiting for its label: byte position, label, and the instruction for an
/// operand.
type Fixup = (usize, Label, fn(i32) -> Inst);

/// Machine code at a fixed address, built front to back.
pub(crate) struct Asm {
    base: u32,
    bytes: Vec<u8>,
    labels: Vec<Option<u32>>,
    fixups: Vec<Fixup>,
}

impl Asm {
    pub(crate) fn new(base: u32) -> Asm {
        Asm {
            base,
            bytes: Vec::new(),
            labels: Vec::new(),
            fixups: Vec::new(),
        }
    }

    /// The address of the next byte.
    pub(crate) fn here(&self) -> u32 {
        self.base + self.bytes.len() as u32
    }

    pub(crate) fn inst(&mut self, inst: Inst) {
        let e = encode(&inst).unwrap_or_else(|e| panic!("stub instruction {inst:?}: {e}"));
        self.bytes.extend_from_slice(e.as_bytes());
    }

    pub(crate) fn raw(&mut self, word: u32) {
        self.bytes.extend_from_slice(&word.to_le_bytes()[..3]);
    }

    pub(crate) fn word(&mut self, word: u32) {
        self.bytes.extend_from_slice(&word.to_le_bytes());
    }

    /// Pads with zero bytes up to the address `addr`.
    pub(crate) fn pad_to(&mut self, addr: u32) {
        assert!(addr >= self.here(), "stub section overflows at {addr:#x}");
        self.bytes.resize((addr - self.base) as usize, 0);
    }

    pub(crate) fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    pub(crate) fn bind(&mut self, label: Label) {
        self.labels[label.0] = Some(self.here());
    }

    pub(crate) fn address(&self, label: Label) -> u32 {
        self.labels[label.0].expect("label bound")
    }

    /// An instruction whose PC-relative operand goes to `label` (`make` gets the operand
    /// as `target − pc`, right for branches, and for `l32r`/calls at 4-aligned addresses).
    pub(crate) fn to(&mut self, label: Label, make: fn(i32) -> Inst) {
        let size = make(0).size() as usize;
        self.fixups.push((self.bytes.len(), label, make));
        self.bytes.resize(self.bytes.len() + size, 0);
    }

    /// The finished bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        for (pos, label, make) in std::mem::take(&mut self.fixups) {
            let pc = self.base + pos as u32;
            let inst = make(self.address(label).wrapping_sub(pc) as i32);
            let inst = match inst {
                Inst::L32r { t, .. } => Inst::L32r {
                    t,
                    offset: backend_xtensa::l32r_offset(pc, self.address(label)),
                },
                other => other,
            };
            let e = encode(&inst).unwrap_or_else(|e| panic!("stub instruction {inst:?}: {e}"));
            self.bytes[pos..pos + e.len()].copy_from_slice(e.as_bytes());
        }
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileged_encodings_match_the_isa_tables() {
        // Words as listed in the Xtensa ISA reference's opcode tables.
        assert_eq!(wsr(2, sr::PS), 0x13e620);
        assert_eq!(rsr(3, sr::EXCCAUSE), 0x03e830);
        assert_eq!(l32e(0, 5, -16), 0x09c500);
        assert_eq!(s32e(3, 5, -4), 0x49f530);
    }
}
