//! gradflow's core C API as a `no_std` static library: everything in `gradflow_core.h`,
//! no allocator, no std. A panic (which the API's checks are there to prevent) aborts.

#![no_std]

pub use gradflow_capi;

unsafe extern "C" {
    fn abort() -> !;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: `abort` from the C library takes no arguments and never returns; firmware
    // without a C library provides its own (a reset or a trap).
    unsafe { abort() }
}
