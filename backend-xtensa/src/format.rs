//! The instruction formats: one function per format builds a word from named fields, and
//! [`Fields`] takes a word apart again.
//!
//! A 24-bit instruction is, from bit 0 up: `op0` (4), `t` (4), `s` (4), `r` (4), `op1` (4),
//! `op2` (4). Formats reuse these positions: `t` splits into `n` (bits 4–5) and `m` (6–7); `r`
//! and `s` together form the special register number `sr`; immediates take the high bits. A
//! 16-bit (narrow, op0 8..=13) instruction has `op0`, `t`, `s`, `r`. Words are stored
//! little-endian, as on ESP32. Callers pass fields already in range; each function masks them
//! so that a bad field can never spill into a neighbour.

/// RRR: `op2 op1 r s t op0`.
pub(crate) fn rrr(op0: u32, op1: u32, op2: u32, r: u32, s: u32, t: u32) -> u32 {
    (op2 & 15) << 20 | (op1 & 15) << 16 | (r & 15) << 12 | (s & 15) << 8 | (t & 15) << 4 | op0 & 15
}

/// RRI4: `imm4 op1 r s t op0`.
#[allow(dead_code)] // no instruction of the subset uses it yet; kept so the set of formats is whole
pub(crate) fn rri4(op0: u32, op1: u32, r: u32, s: u32, t: u32, imm4: u32) -> u32 {
    rrr(op0, op1, imm4, r, s, t)
}

/// RRI8: `imm8 r s t op0`.
pub(crate) fn rri8(op0: u32, r: u32, s: u32, t: u32, imm8: u32) -> u32 {
    (imm8 & 0xff) << 16 | (r & 15) << 12 | (s & 15) << 8 | (t & 15) << 4 | op0 & 15
}

/// RI16: `imm16 t op0`.
pub(crate) fn ri16(op0: u32, t: u32, imm16: u32) -> u32 {
    (imm16 & 0xffff) << 8 | (t & 15) << 4 | op0 & 15
}

/// RSR: `op2 op1 sr t op0` (special-register access; `sr` is `r:s`).
#[allow(dead_code)] // used once code generation reads SAR or CCOUNT
pub(crate) fn rsr(op0: u32, op1: u32, op2: u32, sr: u32, t: u32) -> u32 {
    rrr(op0, op1, op2, sr >> 4, sr, t)
}

/// CALL: `offset18 n op0`.
pub(crate) fn call(op0: u32, n: u32, offset18: u32) -> u32 {
    (offset18 & 0x3_ffff) << 6 | (n & 3) << 4 | op0 & 15
}

/// CALLX: `op2 op1 r s m n op0`.
pub(crate) fn callx(op0: u32, op1: u32, op2: u32, r: u32, s: u32, m: u32, n: u32) -> u32 {
    rrr(op0, op1, op2, r, s, (m & 3) << 2 | n & 3)
}

/// BRI8: `imm8 r s m n op0`.
pub(crate) fn bri8(op0: u32, r: u32, s: u32, m: u32, n: u32, imm8: u32) -> u32 {
    rri8(op0, r, s, (m & 3) << 2 | n & 3, imm8)
}

/// BRI12: `imm12 s m n op0`.
pub(crate) fn bri12(op0: u32, s: u32, m: u32, n: u32, imm12: u32) -> u32 {
    (imm12 & 0xfff) << 12 | (s & 15) << 8 | (m & 3) << 6 | (n & 3) << 4 | op0 & 15
}

/// RRRN (16-bit): `r s t op0`.
pub(crate) fn rrrn(op0: u32, r: u32, s: u32, t: u32) -> u32 {
    (r & 15) << 12 | (s & 15) << 8 | (t & 15) << 4 | op0 & 15
}

/// RI7 (16-bit, `movi.n`): `imm7[3:0] s i imm7[6:4] op0`.
pub(crate) fn ri7(op0: u32, s: u32, i: u32, imm7: u32) -> u32 {
    (imm7 & 15) << 12 | (s & 15) << 8 | (i & 1) << 7 | (imm7 >> 4 & 7) << 4 | op0 & 15
}

/// RI6 (16-bit, `beqz.n`/`bnez.n`): `imm6[3:0] s i z imm6[5:4] op0`.
pub(crate) fn ri6(op0: u32, s: u32, i: u32, z: u32, imm6: u32) -> u32 {
    (imm6 & 15) << 12
        | (s & 15) << 8
        | (i & 1) << 7
        | (z & 1) << 6
        | (imm6 >> 4 & 3) << 4
        | op0 & 15
}

/// The fields of a word, by position; which ones mean something depends on the opcode.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields(pub u32);

impl Fields {
    pub fn op0(self) -> u32 {
        self.0 & 15
    }
    pub fn t(self) -> u32 {
        self.0 >> 4 & 15
    }
    pub fn s(self) -> u32 {
        self.0 >> 8 & 15
    }
    pub fn r(self) -> u32 {
        self.0 >> 12 & 15
    }
    pub fn op1(self) -> u32 {
        self.0 >> 16 & 15
    }
    pub fn op2(self) -> u32 {
        self.0 >> 20 & 15
    }
    pub fn n(self) -> u32 {
        self.0 >> 4 & 3
    }
    pub fn m(self) -> u32 {
        self.0 >> 6 & 3
    }
    pub fn imm8(self) -> u32 {
        self.0 >> 16 & 0xff
    }
    pub fn imm12(self) -> u32 {
        self.0 >> 12 & 0xfff
    }
    pub fn imm16(self) -> u32 {
        self.0 >> 8 & 0xffff
    }
    pub fn offset18(self) -> u32 {
        self.0 >> 6 & 0x3_ffff
    }
    /// RI7's immediate.
    pub fn imm7(self) -> u32 {
        (self.0 >> 4 & 7) << 4 | self.r()
    }
    /// RI6's immediate.
    pub fn imm6(self) -> u32 {
        (self.0 >> 4 & 3) << 4 | self.r()
    }
    /// RI6/RI7's `i` bit.
    pub fn i(self) -> u32 {
        self.0 >> 7 & 1
    }
    /// RI6's `z` bit.
    pub fn z(self) -> u32 {
        self.0 >> 6 & 1
    }
}

/// Sign-extends the low `bits` bits of `value`.
pub(crate) fn sign_extend(value: u32, bits: u32) -> i32 {
    ((value << (32 - bits)) as i32) >> (32 - bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_place_fields_where_the_isa_says() {
        assert_eq!(rrr(0, 1, 2, 3, 4, 5), 0x21_3450);
        assert_eq!(rri8(2, 0xc, 3, 4, 0x80), 0x80_c342);
        assert_eq!(ri16(1, 2, 0xfffe), 0xff_fe21);
        assert_eq!(call(5, 2, 0x3_ffff), 0xff_ffe5);
        assert_eq!(callx(0, 0, 0, 0, 3, 3, 2), 0x00_03e0);
        assert_eq!(bri12(6, 2, 0, 1, 0x800), 0x80_0216);
        assert_eq!(ri7(0xc, 2, 0, 0x7f), 0xf27c);
        assert_eq!(ri6(0xc, 2, 1, 1, 0x3f), 0xf2fc);
        assert_eq!(rsr(0, 3, 0, 0x34, 2), 0x03_3420);
        assert_eq!(sign_extend(0x80, 8), -128);
        assert_eq!(sign_extend(0x7f, 8), 127);
    }
}
