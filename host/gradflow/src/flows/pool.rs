//! NSGF's trajectory pool: records (x, t, v̂) of Sinkhorn-flow trajectories, bounded, the
//! oldest dropped first, from which training minibatches are drawn.

use gradflow_core::StreamRng;

use crate::train::{Checkpoint, CheckpointError};

/// A bounded ring buffer of records (point, time, velocity) in dimension d, f32.
#[derive(Clone, Debug, PartialEq)]
pub struct TrajectoryPool {
    capacity: usize,
    /// The dimension d of points and velocities.
    d: usize,
    /// Points, d per slot.
    x: Vec<f32>,
    /// Times, 1 per slot.
    t: Vec<f32>,
    /// Velocities, d per slot.
    v: Vec<f32>,
    /// The slot the next record goes to (the oldest record once the pool is full).
    next: usize,
}

impl TrajectoryPool {
    /// An empty pool of `capacity` records (≥ 1) of dimension `d` (≥ 1). Memory grows
    /// with the records, up to 8·d + 4 bytes each.
    pub fn new(capacity: usize, d: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            d: d.max(1),
            x: Vec::new(),
            t: Vec::new(),
            v: Vec::new(),
            next: 0,
        }
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.t.len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }

    /// Most records it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Adds the records `(xᵢ, t, vᵢ)` of one trajectory step (`x`, `v`: n × d), dropping
    /// the oldest records when full.
    pub fn push(&mut self, x: &[f32], t: f64, v: &[f32]) {
        let d = self.d;
        for (xi, vi) in x.chunks_exact(d).zip(v.chunks_exact(d)) {
            if self.t.len() < self.capacity {
                self.x.extend_from_slice(xi);
                self.t.push(t as f32);
                self.v.extend_from_slice(vi);
            } else {
                let k = self.next;
                self.x[d * k..d * (k + 1)].copy_from_slice(xi);
                self.t[k] = t as f32;
                self.v[d * k..d * (k + 1)].copy_from_slice(vi);
            }
            self.next = (self.next + 1) % self.capacity;
        }
    }

    /// The `age`-th oldest record (0: the oldest): point, time, velocity.
    pub fn record(&self, age: usize) -> Option<(&[f32], f32, &[f32])> {
        if age >= self.len() {
            return None;
        }
        let oldest = if self.len() < self.capacity {
            0
        } else {
            self.next
        };
        let (k, d) = ((oldest + age) % self.capacity, self.d);
        Some((
            &self.x[d * k..d * (k + 1)],
            self.t[k],
            &self.v[d * k..d * (k + 1)],
        ))
    }

    /// A minibatch of `n` records drawn uniformly with replacement: the velocity network's
    /// inputs `[x, t]` (n × (d + 1)) and targets `v` (n × d). Empty when the pool is.
    pub fn batch(&self, rng: &mut StreamRng, n: usize) -> (Vec<f32>, Vec<f32>) {
        let len = self.len();
        if len == 0 {
            return (Vec::new(), Vec::new());
        }
        let d = self.d;
        let mut input = Vec::with_capacity((d + 1) * n);
        let mut target = Vec::with_capacity(d * n);
        for _ in 0..n {
            let k = ((rng.uniform_open01() * len as f64) as usize).min(len - 1);
            input.extend_from_slice(&self.x[d * k..d * (k + 1)]);
            input.push(self.t[k]);
            target.extend_from_slice(&self.v[d * k..d * (k + 1)]);
        }
        (input, target)
    }

    /// Stores the pool's contents and position under `{prefix}.*`.
    pub fn save(&self, c: &mut Checkpoint, prefix: &str) {
        c.put_f32(format!("{prefix}.x"), &self.x);
        c.put_f32(format!("{prefix}.t"), &self.t);
        c.put_f32(format!("{prefix}.v"), &self.v);
        c.put_u64(format!("{prefix}.next"), &[self.next as u64]);
    }

    /// Restores what [`TrajectoryPool::save`] stored (the capacity and dimension must be
    /// the same).
    pub fn restore(&mut self, c: &Checkpoint, prefix: &str) -> Result<(), CheckpointError> {
        let t = c.f32s(&format!("{prefix}.t"))?;
        let n = t.len();
        let next = c.u64s(&format!("{prefix}.next"))?;
        if n > self.capacity || next.len() != 1 || next[0] as usize >= self.capacity {
            return Err(CheckpointError::incompatible(format!(
                "the trajectory pool in the checkpoint does not fit a capacity of {}",
                self.capacity
            )));
        }
        self.x = c.f32s_len(&format!("{prefix}.x"), self.d * n)?.to_vec();
        self.v = c.f32s_len(&format!("{prefix}.v"), self.d * n)?.to_vec();
        self.t = t.to_vec();
        self.next = next[0] as usize;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(pool: &mut TrajectoryPool, k: usize) {
        // Two records at time k: points (k, 0), (k, 1), velocities (−k, 0), (−k, 1).
        let k = k as f32;
        pool.push(&[k, 0.0, k, 1.0], k.into(), &[-k, 0.0, -k, 1.0]);
    }

    /// Bounded; once full the oldest records go first; records keep their (x, t, v).
    #[test]
    fn bounded_and_drops_the_oldest() {
        let mut pool = TrajectoryPool::new(5, 2);
        for k in 0..2 {
            step(&mut pool, k);
        }
        assert_eq!(pool.len(), 4);
        assert_eq!(
            pool.record(0),
            Some((&[0.0, 0.0][..], 0.0, &[0.0, 0.0][..]))
        );
        step(&mut pool, 2); // 6 records into 5 slots: (0, 0) goes
        assert_eq!(pool.len(), 5);
        assert_eq!(
            pool.record(0),
            Some((&[0.0, 1.0][..], 0.0, &[0.0, 1.0][..]))
        );
        assert_eq!(
            pool.record(4),
            Some((&[2.0, 1.0][..], 2.0, &[-2.0, 1.0][..]))
        );
        assert_eq!(pool.record(5), None);
        for k in 3..10 {
            step(&mut pool, k);
        }
        assert_eq!(pool.len(), 5);
        // The five newest: (7, 1), (8, 0), (8, 1), (9, 0), (9, 1).
        let ages: Vec<_> = (0..5).map(|a| pool.record(a).unwrap()).collect();
        assert_eq!(ages[0], (&[7.0, 1.0][..], 7.0, &[-7.0, 1.0][..]));
        assert_eq!(ages[4], (&[9.0, 1.0][..], 9.0, &[-9.0, 1.0][..]));
        // Minibatches hold records of the pool only, inputs and targets of one record.
        let (input, target) = pool.batch(&mut StreamRng::new(1, 0), 200);
        for (i, v) in input.chunks_exact(3).zip(target.chunks_exact(2)) {
            assert!(i[2] >= 7.0 && i[0] == i[2] && v[0] == -i[2] && v[1] == i[1]);
        }
        // Round trip through a checkpoint.
        let mut c = Checkpoint::new("t", 0, serde_json::json!({}));
        pool.save(&mut c, "pool");
        let mut back = TrajectoryPool::new(5, 2);
        back.restore(&c, "pool").unwrap();
        assert_eq!(back, pool);
        assert!(TrajectoryPool::new(4, 2).restore(&c, "pool").is_err());
    }
}
