//! The parts of the ESP32 boards' contract (`device::abi::esp32` and the native numbers of
//! `device::abi::Native`) that generated code builds in. The device crate runs the simulator,
//! which decodes with this crate, so this crate cannot depend on it: the numbers are repeated
//! here, and `incremental`'s tests check that they equal the device's.

/// `device::abi::esp32::NATIVE_VECTOR`: native `id` is entered at `NATIVE_VECTOR + 4 * id`.
pub const NATIVE_VECTOR: u32 = 0x4008_0000;
/// `device::abi::esp32::NATIVE_SLOTS`: entries of the native vector.
pub const NATIVE_SLOTS: u32 = 128;
/// `device::abi::esp32::FUNCTION_TABLE`: slot `s` is the word at `FUNCTION_TABLE + 4 * s`.
pub const FUNCTION_TABLE: u32 = 0x3FFB_0100;
/// `device::abi::esp32::FUNCTION_SLOTS`: slots of the function table.
pub const FUNCTION_SLOTS: u32 = 4096;
/// `device::abi::esp32::CTX_SHADOW_SP`: the shadow-stack pointer word; its limit follows it.
pub const CTX_SHADOW_SP: u32 = 0x3FFB_0000;
/// `device::abi::Native::RaiseStackOverflow`.
pub const RAISE_STACK_OVERFLOW: u32 = 2;
/// `device::abi::esp32::ENTRY_FAULT_OFFSET`: a fault at `entry` is reported this far after it.
pub const ENTRY_FAULT_OFFSET: u32 = 3;
/// `device::abi::Native::FloatDiv`.
pub const FLOAT_DIV: u32 = 80;
