//! The single-precision FP coprocessor: arithmetic with the NaN rules of the modelled core,
//! conversions with the scale operand, and compares. Values are kept as raw f32 bits.
//!
//! Arithmetic rounds to nearest, ties to even (the reset rounding mode; generated code never
//! changes FCR). An operation whose result is a new NaN (∞ − ∞, 0 × ∞) gives the default NaN
//! `0x7fc0_0000`. When operands are NaNs the result is one of them, chosen as QEMU models the
//! core ([`NanRule`]).

/// Which input NaN an FP operation returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanRule {
    /// The ESP32's FPU (QEMU's "FPU2000" model): the first NaN operand, bits unchanged (the
    /// FPU has no signalling NaNs). For `madd.s`/`msub.s` the order is `fs`, `ft`, `fr`.
    FirstOperand,
    /// The LX7 DFPU of QEMU's `de233_fpu` core: the last NaN operand, quieted. For
    /// `madd.s`/`msub.s` the order of preference is `fr`, `ft`, `fs`. Used by the differential
    /// tests against QEMU; the ESP32 does not behave like this.
    LastOperandQuieted,
}

/// The default NaN.
pub const DEFAULT_NAN: u32 = 0x7fc0_0000;

fn is_nan(bits: u32) -> bool {
    bits & 0x7fff_ffff > 0x7f80_0000
}

impl NanRule {
    /// The NaN result of an operation whose operands, in ISA order, include a NaN; `None` when
    /// none of them is a NaN.
    fn pick(self, ops: &[u32]) -> Option<u32> {
        match self {
            NanRule::FirstOperand => ops.iter().copied().find(|&b| is_nan(b)),
            NanRule::LastOperandQuieted => ops
                .iter()
                .rev()
                .copied()
                .find(|&b| is_nan(b))
                .map(|b| b | 0x0040_0000),
        }
    }

    /// Canonicalizes a result the host computed: a NaN the host made is the default NaN.
    fn result(self, r: f32) -> u32 {
        if r.is_nan() { DEFAULT_NAN } else { r.to_bits() }
    }

    /// `fs + ft`, `fs − ft` or `fs × ft` (by `op`) with the NaN rule.
    pub fn binary(self, fs: u32, ft: u32, op: fn(f32, f32) -> f32) -> u32 {
        self.pick(&[fs, ft])
            .unwrap_or_else(|| self.result(op(f32::from_bits(fs), f32::from_bits(ft))))
    }

    /// `fr + fs × ft` fused (`madd.s`), or `fr − fs × ft` when `negate` (`msub.s`).
    pub fn madd(self, fr: u32, fs: u32, ft: u32, negate: bool) -> u32 {
        let (a, b, c) = (f32::from_bits(fs), f32::from_bits(ft), f32::from_bits(fr));
        let infzero = (a.is_infinite() && b == 0.0) || (a == 0.0 && b.is_infinite());
        if infzero && is_nan(fr) {
            // 0 × ∞ + NaN gives the accumulator's NaN on both cores.
            return self.pick(&[fr]).unwrap_or(DEFAULT_NAN);
        }
        if let Some(nan) = self.pick(&[fs, ft, fr]) {
            return nan;
        }
        let a = if negate { -a } else { a };
        self.result(a.mul_add(b, c))
    }
}

/// The float `bits × 2^scale` as f64 (exact: f32 values scaled by at most 2^15 fit).
fn scaled(bits: u32, scale: u8) -> f64 {
    f64::from(f32::from_bits(bits)) * f64::from(1u32 << scale)
}

/// `round.s`/`trunc.s`/`floor.s`/`ceil.s`: `fs × 2^scale` rounded by `round`, saturated to
/// i32; a NaN gives `0x7fff_ffff`.
pub fn to_int(bits: u32, scale: u8, round: fn(f64) -> f64) -> u32 {
    if is_nan(bits) {
        return i32::MAX as u32;
    }
    let v = round(scaled(bits, scale));
    if v >= 2147483648.0 {
        i32::MAX as u32
    } else if v < -2147483648.0 {
        i32::MIN as u32
    } else {
        v as i32 as u32
    }
}

/// `utrunc.s`: `fs × 2^scale` truncated to u32, saturated; a negative input converts as
/// `trunc.s` does (the ISA's result for negative operands), a NaN gives `0xffff_ffff`.
pub fn to_uint(bits: u32, scale: u8) -> u32 {
    if is_nan(bits) {
        return u32::MAX;
    }
    if bits >> 31 == 1 {
        return to_int(bits, scale, f64::trunc);
    }
    let v = scaled(bits, scale).trunc();
    if v >= 4294967296.0 {
        u32::MAX
    } else {
        v as u32
    }
}

/// `float.s`/`ufloat.s`: the integer `value` (signed unless `unsigned`) × 2^−scale.
pub fn from_int(value: u32, scale: u8, unsigned: bool) -> u32 {
    let f = if unsigned {
        value as f32
    } else {
        value as i32 as f32
    };
    // Dividing by a power of two is exact here: the quotient is at least 2^-15 or zero.
    (f / (1u32 << scale) as f32).to_bits()
}

/// The compares: `un`, `oeq`, `ueq`, `olt`, `ult`, `ole`, `ule` of `fs` and `ft`.
pub fn compare(op: backend_xtensa::FpCmpOp, fs: u32, ft: u32) -> bool {
    use backend_xtensa::FpCmpOp::*;
    let (a, b) = (f32::from_bits(fs), f32::from_bits(ft));
    let un = a.is_nan() || b.is_nan();
    match op {
        UnS => un,
        OeqS => a == b,
        UeqS => un || a == b,
        OltS => a < b,
        UltS => un || a < b,
        OleS => a <= b,
        UleS => un || a <= b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNAN: u32 = 0x7f80_0001;
    const QNAN: u32 = 0x7fc0_0005;

    #[test]
    fn nan_rules_differ_between_the_esp32_and_de233() {
        let add = |a: f32, b: f32| a + b;
        let one = 1.0f32.to_bits();
        assert_eq!(NanRule::FirstOperand.binary(SNAN, QNAN, add), SNAN);
        assert_eq!(NanRule::LastOperandQuieted.binary(SNAN, QNAN, add), QNAN);
        assert_eq!(
            NanRule::LastOperandQuieted.binary(SNAN, one, add),
            0x7fc0_0001
        );
        let inf = f32::INFINITY.to_bits();
        let sub = |a: f32, b: f32| a - b;
        assert_eq!(NanRule::FirstOperand.binary(inf, inf, sub), DEFAULT_NAN);
    }

    #[test]
    fn conversions_saturate() {
        assert_eq!(to_int(3.5f32.to_bits(), 0, f64::round_ties_even), 4);
        assert_eq!(to_int(2.5f32.to_bits(), 0, f64::round_ties_even), 2);
        assert_eq!(to_int((-2.5f32).to_bits(), 1, f64::floor), -5i32 as u32);
        assert_eq!(to_int(1e20f32.to_bits(), 0, f64::trunc), i32::MAX as u32);
        assert_eq!(to_int((-1e20f32).to_bits(), 0, f64::trunc), i32::MIN as u32);
        assert_eq!(to_int(QNAN, 0, f64::trunc), i32::MAX as u32);
        assert_eq!(to_uint(3e9f32.to_bits(), 0), 3_000_000_000);
        assert_eq!(to_uint((-3.7f32).to_bits(), 0), -3i32 as u32);
        assert_eq!(from_int(-6i32 as u32, 1, false), (-3.0f32).to_bits());
        assert_eq!(from_int(u32::MAX, 0, true), 4294967296.0f32.to_bits());
    }
}
