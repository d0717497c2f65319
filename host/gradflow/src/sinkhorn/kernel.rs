//! The inner loop of every soft-C-transform: for a chunk of rows, stream over the packed
//! columns and sum `exp(tᵢⱼ − shiftᵢ)`, `tᵢⱼ = uⱼ − ‖xᵢ − yⱼ‖²/(2ε)` (and optionally
//! `Σⱼ exp(·) yⱼ`), tracking the largest exponent of each row.
//!
//! The columns are read in tiles that stay in L1 while every row of the chunk sweeps them.
//! Within a tile, a row's terms are summed in [`LANES`] lane accumulators of the working
//! precision (the loops are written over fixed-size lane arrays, which the compiler
//! vectorises); at the end of the tile the lanes are added in a fixed tree and the total
//! goes to an f64 accumulator. No step depends on the thread or the instruction set, so
//! the result is bit-identical whatever runs it.
//!
//! The cost is taken in the direct form `‖xᵢ − yⱼ‖²` of centred coordinates. The expanded
//! form `‖x‖² + ‖y‖² − 2⟨x, y⟩` saves a subtraction per coordinate (measured ~10 % in 16D)
//! but cancels: in f32 the self potentials of 4096 points in 16D at blur 0.05 lost four
//! digits (3e-4 relative against f64, 2e-8 with the direct form), so it is not used.
//!
//! The code is compiled three times and chosen at run time ([`FusedIsa::detect`], which
//! honours `GRADFLOW_FUSED=off|avx2`): for AVX-512, for AVX2 + FMA, and portable.

use crate::engine::FusedIsa;

use super::Lane;
use super::SinkhornScalar;

/// Points per column block (one AVX-512 register of f32, two of AVX2).
pub(crate) const LANES: usize = 16;

/// Working-precision values per column tile (coordinates and `u`): 16 KiB of f32.
const TILE_VALUES: usize = 4096;

/// Floating-point operations per pair of one pass, counted from [`tile_row`]: the
/// distance (d subtractions and d FMAs), the exponent (a subtraction and an FMA), `exp`
/// (22: three FMAs and a subtraction in the range reduction, five FMAs of the polynomial,
/// then a multiplication, an FMA, an addition and a multiplication) and the sum (an
/// addition); an FMA counts 2. Comparisons, clamps and integer operations are not counted.
pub(crate) const fn pair_flops(d: usize) -> usize {
    3 * d + 26
}

/// The extra operations per pair of a pass that also sums the barycentres (d FMAs).
pub(crate) const fn bary_flops(d: usize) -> usize {
    2 * d
}

/// The columns of one pass.
pub(crate) struct Columns<'a, S> {
    /// Dimension.
    pub(crate) d: usize,
    /// Packed coordinates ([`super::cloud::Cloud::packed`]).
    pub(crate) packed: &'a [S],
    /// `uⱼ = potⱼ/ε` per column, padded to whole blocks with −∞.
    pub(crate) u: &'a [S],
    /// `1/(2ε)`.
    pub(crate) half_inv: S,
}

impl<S> Columns<'_, S> {
    /// Blocks per tile: the tile's values fit [`TILE_VALUES`]; it depends on `d` only.
    fn tile_blocks(&self) -> usize {
        (TILE_VALUES / ((self.d + 1) * LANES)).max(1)
    }
}

/// What the kernel returns for one row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RowSum {
    /// `Σⱼ exp(tᵢⱼ − shiftᵢ)`.
    pub(crate) sum: f64,
    /// `maxⱼ tᵢⱼ − shiftᵢ`.
    pub(crate) top: f64,
}

/// Runs the rows `rows` (`r × d` centred coordinates) with shifts `shifts` (`r`) against
/// `cols`: a [`RowSum`] per row into `out`, and when `BARY` the unnormalised barycentres
/// `Σⱼ exp(tᵢⱼ − shiftᵢ) yⱼ` into `bary` (`r × d`).
pub(crate) fn rows<S: SinkhornScalar, const BARY: bool>(
    cols: &Columns<S>,
    rows: &[S],
    shifts: &[S],
    out: &mut [RowSum],
    bary: &mut [f64],
) {
    match FusedIsa::detect() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `detect` only returns an instruction set this CPU has.
        Some(FusedIsa::Avx512) => unsafe { rows_avx512::<S, BARY>(cols, rows, shifts, out, bary) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        Some(FusedIsa::Avx2) => unsafe { rows_avx2::<S, BARY>(cols, rows, shifts, out, bary) },
        _ => body::<S, BARY>(cols, rows, shifts, out, bary),
    }
}

/// [`body`] compiled for AVX-512.
///
/// # Safety
/// The CPU must have AVX-512F, AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn rows_avx512<S: SinkhornScalar, const BARY: bool>(
    cols: &Columns<S>,
    rows: &[S],
    shifts: &[S],
    out: &mut [RowSum],
    bary: &mut [f64],
) {
    body::<S, BARY>(cols, rows, shifts, out, bary);
}

/// [`body`] compiled for AVX2 + FMA.
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn rows_avx2<S: SinkhornScalar, const BARY: bool>(
    cols: &Columns<S>,
    rows: &[S],
    shifts: &[S],
    out: &mut [RowSum],
    bary: &mut [f64],
) {
    body::<S, BARY>(cols, rows, shifts, out, bary);
}

/// The kernel with the dimension as a constant for d ≤ 4 (the loops over coordinates
/// unroll and the row's coordinates stay in registers).
#[inline(always)]
fn body<S: SinkhornScalar, const BARY: bool>(
    cols: &Columns<S>,
    rows: &[S],
    shifts: &[S],
    out: &mut [RowSum],
    bary: &mut [f64],
) {
    match cols.d {
        1 => tiles::<S, BARY, Fixed<1>>(Fixed, cols, rows, shifts, out, bary),
        2 => tiles::<S, BARY, Fixed<2>>(Fixed, cols, rows, shifts, out, bary),
        3 => tiles::<S, BARY, Fixed<3>>(Fixed, cols, rows, shifts, out, bary),
        4 => tiles::<S, BARY, Fixed<4>>(Fixed, cols, rows, shifts, out, bary),
        d => tiles::<S, BARY, Any>(Any(d), cols, rows, shifts, out, bary),
    }
}

/// A dimension known at compile time or not.
trait Dim: Copy {
    /// Whether sums over the coordinates run in four chains (large dimensions).
    const CHAINED: bool;
    /// The dimension.
    fn get(self) -> usize;
}

/// A dimension fixed at compile time.
#[derive(Clone, Copy)]
struct Fixed<const D: usize>;

impl<const D: usize> Dim for Fixed<D> {
    const CHAINED: bool = false;
    #[inline(always)]
    fn get(self) -> usize {
        D
    }
}

/// A dimension known at run time.
#[derive(Clone, Copy)]
struct Any(usize);

impl Dim for Any {
    const CHAINED: bool = true;
    #[inline(always)]
    fn get(self) -> usize {
        self.0
    }
}

/// The kernel, tile by tile; see the module docs.
#[inline(always)]
fn tiles<S: SinkhornScalar, const BARY: bool, D: Dim>(
    dim: D,
    cols: &Columns<S>,
    rows: &[S],
    shifts: &[S],
    out: &mut [RowSum],
    bary: &mut [f64],
) {
    let d = dim.get();
    out.fill(RowSum {
        sum: 0.0,
        top: f64::NEG_INFINITY,
    });
    bary.fill(0.0);
    let tile = cols.tile_blocks();
    let mut scratch = BaryScratch {
        lanes: vec![[S::ZERO; LANES]; if BARY { d } else { 0 }],
        weights: vec![[S::ZERO; LANES]; if BARY { tile } else { 0 }],
    };
    let (packed, u) = (cols.packed.as_chunks().0, cols.u.as_chunks().0);
    for (coords, u) in packed.chunks(tile * d).zip(u.chunks(tile)) {
        for (i, (o, &shift)) in out.iter_mut().zip(shifts).enumerate() {
            let xi = &rows[i * d..(i + 1) * d];
            let (sum, top) =
                tile_row::<S, BARY, D>(dim, xi, coords, u, shift, cols.half_inv, &mut scratch);
            o.sum += sum.to_f64();
            o.top = o.top.max(top.to_f64());
            if BARY {
                let lanes = scratch.lanes.iter_mut();
                for (b, l) in bary[i * d..(i + 1) * d].iter_mut().zip(lanes) {
                    *b += tree_sum(l).to_f64();
                    *l = [S::ZERO; LANES];
                }
            }
        }
    }
}

/// Per-row buffers of the barycentre sums.
struct BaryScratch<S> {
    /// `Σ w yₖ` per coordinate k, one lane array each.
    lanes: Vec<[S; LANES]>,
    /// The weights of the tile's blocks.
    weights: Vec<[S; LANES]>,
}

/// One row against one tile: `(Σ exp(t − shift), max(t − shift))` over the tile's
/// columns, the barycentre sums added to `bary.lanes` when `BARY`.
#[inline(always)]
fn tile_row<S: SinkhornScalar, const BARY: bool, D: Dim>(
    dim: D,
    xi: &[S],
    coords: &[[S; LANES]],
    u: &[[S; LANES]],
    shift: S,
    half_inv: S,
    bary: &mut BaryScratch<S>,
) -> (S, S) {
    let d = dim.get();
    let xi = &xi[..d];
    let mut sum = [S::ZERO; LANES];
    let mut top = [S::NEG_INF; LANES];
    for (b, (yb, ub)) in coords.chunks_exact(d).zip(u).enumerate() {
        let c = sq_dist::<S, D>(xi, yb);
        let mut w = [S::ZERO; LANES];
        for l in 0..LANES {
            let t = c[l].fma(S::ZERO - half_inv, ub[l] - shift);
            top[l] = if t > top[l] { t } else { top[l] };
            w[l] = t.exp();
            sum[l] = sum[l] + w[l];
        }
        if BARY {
            bary.weights[b] = w;
        }
    }
    if BARY {
        // Coordinate by coordinate, each a sum over the blocks: written so, the compiler
        // vectorises across the lanes (a loop over the coordinates inside the loop over
        // the blocks would be vectorised across the coordinates, with gathers).
        for (k, acc) in bary.lanes.iter_mut().enumerate() {
            let mut a = *acc;
            for (w, yb) in bary.weights.iter().zip(coords.chunks_exact(d)) {
                for l in 0..LANES {
                    a[l] = w[l].fma(yb[k][l], a[l]);
                }
            }
            *acc = a;
        }
    }
    let top = top
        .iter()
        .fold(S::NEG_INF, |m, &t| if t > m { t } else { m });
    (tree_sum(&sum), top)
}

/// `‖xᵢ − yⱼ‖²` for the [`LANES`] points of a block (`yb`: one lane array per
/// coordinate). A large dimension is summed in four interleaved chains (coordinates
/// k mod 4), so that the additions do not wait on each other.
#[inline(always)]
fn sq_dist<S: SinkhornScalar, D: Dim>(xi: &[S], yb: &[[S; LANES]]) -> [S; LANES] {
    let mut c = [S::ZERO; LANES];
    if !D::CHAINED {
        for (&xk, yk) in xi.iter().zip(yb) {
            add_sq(&mut c, xk, yk);
        }
        return c;
    }
    let mut more = [[S::ZERO; LANES]; 3];
    let (x4, x_rest) = xi.as_chunks::<4>();
    let (y4, y_rest) = yb.as_chunks::<4>();
    for (xs, ys) in x4.iter().zip(y4) {
        add_sq(&mut c, xs[0], &ys[0]);
        add_sq(&mut more[0], xs[1], &ys[1]);
        add_sq(&mut more[1], xs[2], &ys[2]);
        add_sq(&mut more[2], xs[3], &ys[3]);
    }
    for (&xk, yk) in x_rest.iter().zip(y_rest) {
        add_sq(&mut c, xk, yk);
    }
    for l in 0..LANES {
        c[l] = (c[l] + more[0][l]) + (more[1][l] + more[2][l]);
    }
    c
}

/// `c += (xk − yk)²` lane by lane.
#[inline(always)]
fn add_sq<S: SinkhornScalar>(c: &mut [S; LANES], xk: S, yk: &[S; LANES]) {
    for l in 0..LANES {
        let q = xk - yk[l];
        c[l] = q.fma(q, c[l]);
    }
}

/// The sum of [`LANES`] values in a fixed pairwise tree.
#[inline(always)]
fn tree_sum<S: Lane>(v: &[S; LANES]) -> S {
    let mut a = *v;
    let mut width = LANES / 2;
    while width > 0 {
        for l in 0..width {
            a[l] = a[l] + a[l + width];
        }
        width /= 2;
    }
    a[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packed columns of `m` pseudo-random points in `d` dimensions and their `u`.
    fn columns(m: usize, d: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let blocks = m.div_ceil(LANES);
        let value = |i: usize| ((i * 7919 % 1000) as f32 / 500.0) - 1.0;
        let mut packed = vec![0.0; blocks * d * LANES];
        for j in 0..m {
            for k in 0..d {
                packed[(j / LANES * d + k) * LANES + j % LANES] = value(j * d + k);
            }
        }
        let mut u = vec![f32::NEG_INFINITY; blocks * LANES];
        u[..m]
            .iter_mut()
            .enumerate()
            .for_each(|(j, u)| *u = value(3 * j + 1));
        let rows = (0..5 * d).map(|i| value(11 * i + 5)).collect();
        (packed, u, rows)
    }

    /// Every instruction set this CPU has gives the same bits as the portable code, for
    /// fixed and run-time dimensions, with and without barycentres.
    #[test]
    fn instruction_sets_agree_bit_for_bit() {
        for (m, d) in [(1000, 2), (333, 1), (77, 7)] {
            let (packed, u, points) = columns(m, d);
            let cols = Columns {
                d,
                packed: &packed,
                u: &u,
                half_inv: 12.5,
            };
            let shifts = [0.0, 1.0, -2.0, 0.5, 3.0];
            let run = |f: &dyn Fn(&mut [RowSum], &mut [f64])| {
                let mut out = [RowSum { sum: 0.0, top: 0.0 }; 5];
                let mut bary = vec![0.0; 5 * d];
                f(&mut out, &mut bary);
                (out, bary)
            };
            let portable = run(&|o, b| body::<f32, true>(&cols, &points, &shifts, o, b));
            assert!(portable.0.iter().all(|r| r.sum > 0.0 && r.top.is_finite()));
            #[cfg(target_arch = "x86_64")]
            for isa in [FusedIsa::Avx2, FusedIsa::Avx512] {
                if !isa.available() {
                    continue;
                }
                let fast = run(&|o, b| {
                    // SAFETY: the instruction set is available (checked above).
                    unsafe {
                        match isa {
                            FusedIsa::Avx512 => {
                                rows_avx512::<f32, true>(&cols, &points, &shifts, o, b)
                            }
                            FusedIsa::Avx2 => rows_avx2::<f32, true>(&cols, &points, &shifts, o, b),
                        }
                    }
                });
                assert_eq!(fast, portable, "{isa:?}, d = {d}");
            }
            // Without barycentres: the same sums.
            let plain = run(&|o, b| rows::<f32, false>(&cols, &points, &shifts, o, &mut b[..0]));
            assert_eq!(plain.0, portable.0);
        }
    }
}
