//! gradflow's C API as a `no_std` static library for firmware: `gradflow-capi` without its
//! `std` feature (everything in `gradflow_core.h`), no allocator, no std, built small
//! (`opt-level = "s"`, LTO) with `panic = "abort"`. A panic (which the API's checks are
//! there to prevent) calls the C library's `abort` (the crate's panic handler).

#![no_std]

pub use gradflow_capi;
