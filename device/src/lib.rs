//! The device runtime: a small, `no_std` core that receives machine code and data, places them at
//! addresses the host chose, runs entry points, collects garbage and reports back; plus (feature
//! `host`) the port that runs it as a local process executing x86-64 code, (feature
//! `esp32-sim`) the port that runs it as a local process executing Xtensa code in a simulator,
//! and (feature `std`) the client the host uses to drive a device.

#![cfg_attr(not(any(feature = "std", test)), no_std)]
#![warn(missing_docs)]

pub mod abi;
pub mod assertions;
#[cfg(feature = "std")]
pub mod client;
pub mod device;
#[cfg(feature = "std")]
pub mod divert;
pub mod error;
#[cfg(feature = "esp32-sim")]
pub mod esp32_sim;
pub mod gc;
pub mod heap;
pub mod image;
pub mod math;
pub mod memory;
pub mod natives;
pub mod objects;
pub mod patch;
#[cfg(feature = "std")]
pub mod patcher;
#[cfg(feature = "std")]
pub mod process;
pub mod protocol;
pub mod runtime;
#[cfg(feature = "std")]
pub mod std_io;
#[cfg(feature = "std")]
pub mod threaded;

#[cfg(all(feature = "host", target_arch = "x86_64", target_os = "linux"))]
pub mod host;
