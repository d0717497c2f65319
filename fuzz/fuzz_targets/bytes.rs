//! Reading fuzz input as numbers, shared by the targets.

/// The `i`-th little-endian f64 of `data` (missing bytes read as 0).
pub fn f64_at(data: &[u8], i: usize) -> f64 {
    let mut b = [0u8; 8];
    for (k, v) in b.iter_mut().enumerate() {
        *v = data.get(8 * i + k).copied().unwrap_or(0);
    }
    f64::from_le_bytes(b)
}
