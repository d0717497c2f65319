//! Link flags for the freestanding proof binary (see src/main.rs).

fn main() {
    // The binary brings its own `_start`; the C runtime's start files (crt1.o, which would
    // call libc's `main`) must stay out of the link.
    println!("cargo:rustc-link-arg-bins=-nostartfiles");
    // `core` lowers copies and fills to calls of `memcpy`, `memset`, `memcmp`, ...; on
    // x86_64-unknown-linux-gnu those symbols come from libc. Nothing else of libc is used.
    println!("cargo:rustc-link-arg-bins=-lc");
    println!("cargo:rerun-if-changed=build.rs");
}
