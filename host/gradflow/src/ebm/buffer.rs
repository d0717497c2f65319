//! The persistent replay buffer of negative particles.

use gradflow_core::{Scalar, StreamRng};

use super::EbmError;
use crate::SettingError;
use crate::data::shuffle::distinct_below;
use crate::train::{Checkpoint, CheckpointError};

/// First stream of the per-slot particle noise: slot k draws from `(seed, 2⁶² + k)`.
pub const PARTICLE_STREAM0: u64 = 1 << 62;
/// Stream of the slot choice and re-initialisation draws.
pub const PICK_STREAM: u64 = (1 << 62) - 1;

/// A box `[lo_k, hi_k]` per coordinate: where particles are (re-)initialised uniformly.
#[derive(Clone, Debug, PartialEq)]
pub struct InitBox {
    /// Lower corner.
    pub lo: Vec<f64>,
    /// Upper corner.
    pub hi: Vec<f64>,
}

impl InitBox {
    /// The data's bounding box, widened by `margin` × its extent on each side (a
    /// coordinate that is constant in the data gets ±0.5).
    pub fn around(data: &[f64], d: usize, margin: f64) -> Result<Self, EbmError> {
        if d == 0 || data.is_empty() || !data.len().is_multiple_of(d) {
            return Err(EbmError::Data(format!(
                "{} values do not make rows of dimension {d}",
                data.len()
            )));
        }
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for row in data.chunks_exact(d) {
            for k in 0..d {
                lo[k] = lo[k].min(row[k]);
                hi[k] = hi[k].max(row[k]);
            }
        }
        if lo.iter().chain(&hi).any(|v| !v.is_finite()) {
            return Err(EbmError::Data("a data value is NaN or infinite".into()));
        }
        for k in 0..d {
            let pad = if hi[k] > lo[k] {
                margin * (hi[k] - lo[k])
            } else {
                0.5
            };
            lo[k] -= pad;
            hi[k] += pad;
        }
        Ok(Self { lo, hi })
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.lo.len()
    }

    /// Fills `x` (one particle) with a uniform point of the box.
    pub fn draw<S: Scalar>(&self, rng: &mut StreamRng, x: &mut [S]) {
        for ((v, &lo), &hi) in x.iter_mut().zip(&self.lo).zip(&self.hi) {
            *v = S::from_f64(lo + (hi - lo) * rng.uniform_open01());
        }
    }
}

/// Negative particles drawn from the buffer, moved by the caller, then written back.
#[derive(Clone, Debug)]
pub struct Drawn<S> {
    /// The buffer slots, in draw order.
    pub slots: Vec<usize>,
    /// Their positions (slots × d).
    pub x: Vec<S>,
    /// Their noise streams.
    pub rngs: Vec<StreamRng>,
    /// How many of them were re-initialised from the box.
    pub reinitialised: usize,
}

/// A persistent buffer of `capacity` particles, each with its own noise stream.
#[derive(Clone, Debug)]
pub struct ReplayBuffer<S> {
    init: InitBox,
    x: Vec<S>,
    rngs: Vec<StreamRng>,
    pick: StreamRng,
}

impl<S: Scalar> ReplayBuffer<S> {
    /// `capacity` particles drawn uniformly from `init` (slot k from its own stream).
    pub fn new(capacity: usize, init: InitBox, seed: u64) -> Result<Self, EbmError> {
        if capacity == 0 {
            return Err(EbmError::Setting(SettingError::new(
                "capacity",
                "must be at least 1 slot",
            )));
        }
        let d = init.dim();
        let mut rngs: Vec<StreamRng> =
            StreamRng::streams(seed, PARTICLE_STREAM0, capacity).collect();
        let mut x = vec![S::ZERO; capacity * d];
        for (xi, rng) in x.chunks_exact_mut(d).zip(&mut rngs) {
            init.draw(rng, xi);
        }
        Ok(Self {
            init,
            x,
            rngs,
            pick: StreamRng::new(seed, PICK_STREAM),
        })
    }

    /// Slots.
    pub fn capacity(&self) -> usize {
        self.rngs.len()
    }

    /// The box particles are (re-)initialised in.
    pub fn init_box(&self) -> &InitBox {
        &self.init
    }

    /// All positions (capacity × d).
    pub fn positions(&self) -> &[S] {
        &self.x
    }

    /// Draws `batch` distinct slots uniformly, each re-initialised from the box with
    /// probability `reinit`.
    pub fn draw(&mut self, batch: usize, reinit: f64) -> Drawn<S> {
        let (cap, d) = (self.capacity(), self.init.dim());
        let batch = batch.min(cap);
        let slots = distinct_below(&mut self.pick, cap, batch);
        let mut x = vec![S::ZERO; batch * d];
        let mut reinitialised = 0;
        for (xi, &s) in x.chunks_exact_mut(d).zip(&slots) {
            if self.pick.uniform_open01() < reinit {
                self.init.draw(&mut self.pick, xi);
                reinitialised += 1;
            } else {
                xi.copy_from_slice(&self.x[s * d..(s + 1) * d]);
            }
        }
        let rngs = slots.iter().map(|&s| self.rngs[s].clone()).collect();
        Drawn {
            slots,
            x,
            rngs,
            reinitialised,
        }
    }

    /// Writes moved particles (and their advanced streams) back to their slots.
    pub fn put_back(&mut self, drawn: Drawn<S>) {
        let d = self.init.dim();
        for ((&s, xi), rng) in drawn
            .slots
            .iter()
            .zip(drawn.x.chunks_exact(d))
            .zip(drawn.rngs)
        {
            self.x[s * d..(s + 1) * d].copy_from_slice(xi);
            self.rngs[s] = rng;
        }
    }

    /// Stores the buffer in `c` under `prefix.x`, `prefix.rngs`, `prefix.pick`.
    pub fn save(&self, c: &mut Checkpoint, prefix: &str) {
        let x: Vec<f64> = self.x.iter().map(|v| v.to_f64()).collect();
        c.put_f64(format!("{prefix}.x"), &x);
        c.put_rngs(format!("{prefix}.rngs"), &self.rngs);
        c.put_rng(format!("{prefix}.pick"), &self.pick);
    }

    /// Restores what [`ReplayBuffer::save`] stored (same capacity and dimension).
    pub fn restore(&mut self, c: &Checkpoint, prefix: &str) -> Result<(), CheckpointError> {
        let x = c.f64s_len(&format!("{prefix}.x"), self.x.len())?;
        let rngs = c.rngs(&format!("{prefix}.rngs"))?;
        if rngs.len() != self.rngs.len() {
            return Err(CheckpointError::incompatible(format!(
                "{} particle streams stored, {} slots now",
                rngs.len(),
                self.rngs.len()
            )));
        }
        let pick = c.rng(&format!("{prefix}.pick"))?;
        for (o, &v) in self.x.iter_mut().zip(x) {
            *o = S::from_f64(v);
        }
        self.rngs = rngs;
        self.pick = pick;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_distinct_slots_and_writes_them_back() {
        let init = InitBox {
            lo: vec![-1.0, 0.0],
            hi: vec![1.0, 2.0],
        };
        let mut b = ReplayBuffer::<f64>::new(50, init, 3).unwrap();
        assert!(
            b.positions()
                .chunks_exact(2)
                .all(|p| p[0].abs() <= 1.0 && (0.0..=2.0).contains(&p[1]))
        );
        let mut drawn = b.draw(20, 0.0);
        let mut slots = drawn.slots.clone();
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots.len(), 20);
        drawn.x.iter_mut().for_each(|v| *v = 9.0);
        b.put_back(drawn);
        assert_eq!(b.positions().iter().filter(|&&v| v == 9.0).count(), 40);
        // All re-initialised: none keeps the 9.0 written back.
        let again = b.draw(50, 1.0);
        assert_eq!(again.reinitialised, 50);
        assert!(again.x.iter().all(|&v| v != 9.0));
    }

    #[test]
    fn reinitialises_the_requested_fraction() {
        let init = InitBox::around(&[0.0, 1.0, 2.0, 3.0], 2, 0.1).unwrap();
        assert_eq!(init.lo, vec![-0.2, 0.8]);
        let mut b = ReplayBuffer::<f32>::new(1000, init, 0).unwrap();
        let n: usize = (0..20).map(|_| b.draw(1000, 0.05).reinitialised).sum();
        // Binomial(20 000, 0.05): mean 1000, sd 30.8; 5 sd.
        assert!((n as f64 - 1000.0).abs() < 5.0 * 30.8, "{n}");
    }
}
