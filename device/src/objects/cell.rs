//! Cells: a captured variable that is assigned after capture, shared by reference between the
//! closures and the function that declared it. A header, the value word and its traced flag.

use crate::abi;
use crate::error::RuntimeError;
use crate::memory::Memory;
use crate::runtime::Runtime;

/// Size of a cell in bytes.
const SIZE: u32 = 12;

/// A new cell holding zero; `traced`: the value is a reference or an `any` word.
pub fn create(rt: &mut Runtime, traced: bool) -> Result<u32, RuntimeError> {
    let c = rt.alloc(abi::KIND_CELL, SIZE)?;
    rt.mem
        .write_u32(c + abi::CELL_TRACED as u32, traced as u32)?;
    Ok(c)
}

/// The value of cell `c` if the collector must trace it.
pub fn traced_value(mem: &Memory, c: u32) -> Option<u32> {
    if mem.read_u32(c + abi::CELL_TRACED as u32).ok()? == 0 {
        return None;
    }
    mem.read_u32(c + abi::CELL_VALUE as u32).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::string::tests::rt;

    #[test]
    fn cells_start_at_zero_with_their_flag() {
        let mut rt = rt();
        let t = create(&mut rt, true).unwrap();
        let u = create(&mut rt, false).unwrap();
        assert_eq!(
            crate::objects::any::object_kind(&rt.mem, t),
            Some(abi::KIND_CELL)
        );
        assert_eq!(traced_value(&rt.mem, t), Some(0));
        assert_eq!(traced_value(&rt.mem, u), None);
        rt.mem
            .write_u32(t + abi::CELL_VALUE as u32, 0x1234)
            .unwrap();
        assert_eq!(traced_value(&rt.mem, t), Some(0x1234));
        assert_eq!(rt.mem.read_u32(u + abi::CELL_TRACED as u32), Ok(0));
    }
}
