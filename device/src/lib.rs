//! The device runtime: a small, `no_std` core that receives machine code and data, places them at
//! addresses the host chose, runs entry points, collects garbage and reports back; plus (feature
//! `host`) the port that runs it as a local process executing x86-64 code.

#![cfg_attr(not(feature = "std"), no_std)]

pub mod abi;
