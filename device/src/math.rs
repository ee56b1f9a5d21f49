//! The `Math` natives and the float division on f32 (through `libm` where it matters, so that every board computes the same results).

use crate::abi::Native;

/// The result of `Math` native `native` on its arguments `x` and `y` (only `atan2` has two:
/// the ordinate first, as in `Math.atan2(y, x)`, and `FloatDiv`); `None` for the other natives.
pub fn call(native: Native, x: f32, y: f32) -> Option<f32> {
    Some(match native {
        Native::MathSqrt => libm::sqrtf(x),
        Native::MathSin => libm::sinf(x),
        Native::MathCos => libm::cosf(x),
        Native::MathTan => libm::tanf(x),
        Native::MathAtan2 => libm::atan2f(x, y),
        Native::MathExp => libm::expf(x),
        Native::MathLog => libm::logf(x),
        Native::MathFloor => libm::floorf(x),
        Native::MathCeil => libm::ceilf(x),
        Native::MathRound => round(x),
        Native::FloatDiv => x / y,
        _ => return None,
    })
}

/// JavaScript's `Math.round`: the nearest integer, halves toward positive infinity
/// (`floor(x + 0.5)` computed without the rounding error of `x + 0.5`); a zero result keeps
/// the sign of `x` (`round(-0.4)` is `-0`); NaN and infinities stay as they are.
pub fn round(x: f32) -> f32 {
    if !x.is_finite() {
        return x;
    }
    let down = libm::floorf(x);
    // Exact: `x - floor(x)` is a fraction of `x`'s precision.
    let r = if x - down >= 0.5 { down + 1.0 } else { down };
    if r == 0.0 { libm::copysignf(0.0, x) } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bits of `round(x)`.
    fn r(x: f32) -> u32 {
        round(x).to_bits()
    }

    #[test]
    fn rounding_follows_javascript() {
        for (x, want) in [
            (2.5f32, 3.0f32),
            (-2.5, -2.0),
            (2.4999998, 2.0),
            (0.49999997, 0.0),
            (-0.5, -0.0),
            (-0.4, -0.0),
            (0.4, 0.0),
            (1.5, 2.0),
            (-1.5, -1.0),
            (-1.6, -2.0),
            (8388609.0, 8388609.0),
            (-8388609.0, -8388609.0),
            (f32::INFINITY, f32::INFINITY),
            (f32::NEG_INFINITY, f32::NEG_INFINITY),
        ] {
            assert_eq!(r(x), want.to_bits(), "{x}");
        }
        assert_eq!(r(-0.0), (-0.0f32).to_bits());
        assert!(round(f32::NAN).is_nan());
    }

    #[test]
    fn math_natives() {
        let c = |n, x, y| call(n, x, y).unwrap();
        assert_eq!(c(Native::MathSqrt, 16.0, 0.0), 4.0);
        assert!(c(Native::MathSqrt, -1.0, 0.0).is_nan());
        assert_eq!(c(Native::FloatDiv, 1.0, 4.0), 0.25);
        assert_eq!(c(Native::MathSin, 0.0, 0.0), 0.0);
        assert_eq!(c(Native::MathCos, 0.0, 0.0), 1.0);
        assert!((c(Native::MathTan, core::f32::consts::FRAC_PI_4, 0.0) - 1.0).abs() < 1e-6);
        assert_eq!(c(Native::MathAtan2, 1.0, 0.0), core::f32::consts::FRAC_PI_2);
        assert_eq!(c(Native::MathAtan2, 0.0, -1.0), core::f32::consts::PI);
        assert_eq!(c(Native::MathExp, 0.0, 0.0), 1.0);
        assert_eq!(c(Native::MathLog, 1.0, 0.0), 0.0);
        assert_eq!(c(Native::MathLog, 0.0, 0.0), f32::NEG_INFINITY);
        assert_eq!(c(Native::MathFloor, -1.5, 0.0), -2.0);
        assert_eq!(c(Native::MathCeil, -1.5, 0.0), -1.0);
        assert_eq!(c(Native::MathRound, -1.5, 0.0), -1.0);
        assert_eq!(call(Native::PowFloat, 1.0, 1.0), None);
    }
}
