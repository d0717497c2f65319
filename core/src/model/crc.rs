//! CRC-32 (IEEE 802.3, the checksum of zlib, PNG and Python's `zlib.crc32`).

/// CRC-32 of `bytes` (reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF).
/// Bitwise, table-free: a few bytes of code, which matters more on a microcontroller than
/// speed does for a check made once per model load.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c ^= b as u32;
        for _ in 0..8 {
            c = (c >> 1) ^ (0xEDB8_8320 & (c & 1).wrapping_neg());
        }
    }
    !c
}

#[cfg(test)]
mod tests {
    /// The standard check value of CRC-32/ISO-HDLC, and the empty input.
    #[test]
    fn check_values() {
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(super::crc32(b""), 0);
    }
}
