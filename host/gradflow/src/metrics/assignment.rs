//! A sparse linear assignment solver: shortest augmenting paths (the Jonker–Volgenant
//! family, in the form of Crouse 2016, "On implementing 2D rectangular assignment
//! algorithms", which SciPy's `linear_sum_assignment` also follows) with Dijkstra on a heap
//! over a sparse candidate graph, preceded by Jonker–Volgenant's augmenting row reduction,
//! and warm restarts when edges are added.
//!
//! Invariants kept between calls (with reduced cost `r_ij = c_ij − u_i − v_j`):
//! every candidate edge has `r_ij ≥ 0` and every matched edge has `r_ij = 0`. When the
//! matching is perfect these are the complementary-slackness conditions on the candidate
//! graph; [`SparseLap::reopen_row`] restores them for a row whose candidate set grew.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// Marks an unmatched row or column.
const FREE: u32 = u32::MAX;

/// A distance in the Dijkstra heap, ordered by `f64::total_cmp`.
#[derive(Clone, Copy, PartialEq)]
struct Dist(f64);

impl Eq for Dist {}

impl PartialOrd for Dist {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dist {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A square assignment problem on a sparse candidate graph, with its duals and matching.
pub(crate) struct SparseLap {
    /// Candidate edges of each row: (column, cost), sorted by column, no duplicates.
    adj: Vec<Vec<(u32, f64)>>,
    /// Row duals.
    u: Vec<f64>,
    /// Column duals.
    v: Vec<f64>,
    /// Column matched to each row, or `FREE`.
    col4row: Vec<u32>,
    /// Row matched to each column, or `FREE`.
    row4col: Vec<u32>,
    // Dijkstra scratch, reset after each search through `touched`.
    dist: Vec<f64>,
    pred: Vec<u32>,
    done: Vec<bool>,
    touched: Vec<u32>,
    scanned: Vec<u32>,
    heap: BinaryHeap<Reverse<(Dist, u32)>>,
}

impl SparseLap {
    /// A problem with the given candidate edges (each row's list need not be sorted) and
    /// initial column duals `v` (zero, or a good guess such as the c-transform of a coarse
    /// solution). The row duals start at `u_i = min_j (c_ij − v_j)` over the candidates, and
    /// each row takes its column of least reduced cost when that column is still free (rows
    /// in index order).
    pub(crate) fn new(mut adj: Vec<Vec<(u32, f64)>>, v: Vec<f64>) -> Self {
        let n = adj.len();
        assert_eq!(v.len(), n, "one dual per column");
        let mut u = vec![0.0; n];
        let mut col4row = vec![FREE; n];
        let mut row4col = vec![FREE; n];
        for (i, row) in adj.iter_mut().enumerate() {
            normalise(row);
            let mut best: Option<(u32, f64)> = None;
            for &(j, c) in row.iter() {
                let r = c - v[j as usize];
                if best.is_none_or(|(_, b)| r < b) {
                    best = Some((j, r));
                }
            }
            if let Some((j, r)) = best {
                u[i] = r;
                if row4col[j as usize] == FREE {
                    row4col[j as usize] = i as u32;
                    col4row[i] = j;
                }
            }
        }
        Self {
            adj,
            u,
            v,
            col4row,
            row4col,
            dist: vec![f64::INFINITY; n],
            pred: vec![FREE; n],
            done: vec![false; n],
            touched: Vec::new(),
            scanned: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Row duals.
    pub(crate) fn u(&self) -> &[f64] {
        &self.u
    }

    /// Column duals.
    pub(crate) fn v(&self) -> &[f64] {
        &self.v
    }

    /// The column matched to each row (all rows are matched after [`Self::solve`]).
    pub(crate) fn assignment(&self) -> Vec<usize> {
        self.col4row.iter().map(|&j| j as usize).collect()
    }

    /// The cost of the matched edge of `row`.
    pub(crate) fn matched_cost(&self, row: usize) -> f64 {
        let j = self.col4row[row];
        let row_edges = &self.adj[row];
        let k = row_edges
            .binary_search_by_key(&j, |&(c, _)| c)
            .expect("a matched edge is a candidate edge");
        row_edges[k].1
    }

    /// Augments every free row along a shortest path (in index order). Returns `false`
    /// when a free row cannot reach a free column, which cannot happen when the candidate
    /// graph holds a perfect matching.
    pub(crate) fn solve(&mut self) -> bool {
        self.row_reduction();
        for row in 0..self.adj.len() {
            if self.col4row[row] == FREE && !self.augment(row) {
                return false;
            }
        }
        true
    }

    /// Jonker–Volgenant's augmenting row reduction, an auction without ε: each free row
    /// takes its column of least `c_ij − v_j`, whose dual drops until that column ties with
    /// the row's second best (the previous owner, if any, is freed). Keeps the invariants
    /// (the row's dual becomes its second-best value, so all its edges stay non-negative
    /// and the new edge is tight). Cheap, and it leaves far fewer rows to the shortest
    /// paths. Two passes, with a cap on the bids of each against price wars.
    fn row_reduction(&mut self) {
        let mut free: Vec<u32> = (0..self.adj.len() as u32)
            .filter(|&i| self.col4row[i as usize] == FREE)
            .collect();
        for _pass in 0..2 {
            let mut budget = 8 * free.len() + 16;
            let mut later = Vec::new();
            let mut k = 0;
            while k < free.len() {
                let i = free[k] as usize;
                k += 1;
                // Best and second best of c_ij − v_j over the row's candidates.
                let (mut j1, mut u1, mut j2, mut u2) = (FREE, f64::INFINITY, FREE, f64::INFINITY);
                for &(j, c) in &self.adj[i] {
                    let h = c - self.v[j as usize];
                    if h < u1 {
                        (j2, u2) = (j1, u1);
                        (j1, u1) = (j, h);
                    } else if h < u2 {
                        (j2, u2) = (j, h);
                    }
                }
                if j1 == FREE {
                    later.push(i as u32);
                    continue;
                }
                let mut owner = self.row4col[j1 as usize];
                let raised = u1 < u2;
                if raised {
                    if u2.is_finite() {
                        self.v[j1 as usize] -= u2 - u1;
                    }
                } else if owner != FREE && j2 != FREE {
                    // A tie: take the second column instead, which may be free.
                    j1 = j2;
                    owner = self.row4col[j2 as usize];
                }
                if owner != FREE {
                    if budget > 0 && raised {
                        budget -= 1;
                        // Re-bid at once for the evicted row.
                        k -= 1;
                        free[k] = owner;
                    } else {
                        later.push(owner);
                    }
                    self.col4row[owner as usize] = FREE;
                }
                self.row4col[j1 as usize] = i as u32;
                self.col4row[i] = j1;
                let c = self.adj[i][self.adj[i]
                    .binary_search_by_key(&j1, |&(j, _)| j)
                    .expect("an edge")]
                .1;
                self.u[i] = c - self.v[j1 as usize];
            }
            free = later;
        }
    }

    /// Adds candidate edges to `row`, unmatches it, and lowers its dual to
    /// `min_j (c_ij − v_j)` so that all its edges have non-negative reduced cost again.
    /// [`Self::solve`] then re-matches it.
    pub(crate) fn reopen_row(&mut self, row: usize, edges: &[(u32, f64)]) {
        let list = &mut self.adj[row];
        list.extend_from_slice(edges);
        normalise(list);
        let j = self.col4row[row];
        if j != FREE {
            self.row4col[j as usize] = FREE;
            self.col4row[row] = FREE;
        }
        let v = &self.v;
        self.u[row] = list
            .iter()
            .map(|&(j, c)| c - v[j as usize])
            .fold(f64::INFINITY, f64::min);
    }

    /// One shortest augmenting path from the free row `start` (Dijkstra on reduced costs),
    /// then the dual update and the augmentation. Returns `false` if no free column is
    /// reachable.
    fn augment(&mut self, start: usize) -> bool {
        let mut sink = None;
        let mut delta = 0.0;
        let mut row = start;
        let mut base = 0.0;
        loop {
            let ui = self.u[row];
            for &(j, c) in &self.adj[row] {
                let j_us = j as usize;
                if self.done[j_us] {
                    continue;
                }
                // Reduced costs are non-negative up to rounding; clamp the rounding away.
                let nd = base + (c - ui - self.v[j_us]).max(0.0);
                if nd < self.dist[j_us] {
                    if self.dist[j_us] == f64::INFINITY {
                        self.touched.push(j);
                    }
                    self.dist[j_us] = nd;
                    self.pred[j_us] = row as u32;
                    self.heap.push(Reverse((Dist(nd), j)));
                }
            }
            // The closest column not yet scanned.
            let next = loop {
                match self.heap.pop() {
                    None => break None,
                    Some(Reverse((Dist(d), j))) => {
                        if !self.done[j as usize] && d <= self.dist[j as usize] {
                            break Some((d, j));
                        }
                    }
                }
            };
            let Some((d, j)) = next else { break };
            let j_us = j as usize;
            self.done[j_us] = true;
            if self.row4col[j_us] == FREE {
                sink = Some(j_us);
                delta = d;
                break;
            }
            self.scanned.push(j);
            row = self.row4col[j_us] as usize;
            base = d;
        }
        if let Some(sink) = sink {
            // Dual update: rows reached through scanned columns and the scanned columns move
            // by delta − dist, which keeps matched edges tight and all edges non-negative.
            self.u[start] += delta;
            for &j in &self.scanned {
                let j = j as usize;
                let shift = delta - self.dist[j];
                self.u[self.row4col[j] as usize] += shift;
                self.v[j] -= shift;
            }
            // Augment along the predecessor chain.
            let mut j = sink;
            loop {
                let i = self.pred[j] as usize;
                self.row4col[j] = i as u32;
                let previous = self.col4row[i];
                self.col4row[i] = j as u32;
                if i == start {
                    break;
                }
                j = previous as usize;
            }
        }
        for &j in &self.touched {
            self.dist[j as usize] = f64::INFINITY;
            self.done[j as usize] = false;
        }
        self.touched.clear();
        self.scanned.clear();
        self.heap.clear();
        sink.is_some()
    }
}

/// Sorts a row's edges by column and drops duplicates (equal columns have equal costs).
fn normalise(row: &mut Vec<(u32, f64)>) {
    row.sort_unstable_by_key(|&(j, _)| j);
    row.dedup_by_key(|&mut (j, _)| j);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense(costs: &[&[f64]]) -> SparseLap {
        SparseLap::new(
            costs
                .iter()
                .map(|r| r.iter().enumerate().map(|(j, &c)| (j as u32, c)).collect())
                .collect(),
            vec![0.0; costs.len()],
        )
    }

    #[test]
    fn solves_a_small_dense_problem() {
        // Optimal: 0→1, 1→0, 2→2 with cost 1 + 2 + 2 = 5.
        let mut lap = dense(&[&[4.0, 1.0, 3.0], &[2.0, 0.0, 5.0], &[3.0, 2.0, 2.0]]);
        assert!(lap.solve());
        let a = lap.assignment();
        assert_eq!(a, vec![1, 0, 2]);
        let cost: f64 = (0..3).map(|i| lap.matched_cost(i)).sum();
        let duals: f64 = lap.u().iter().sum::<f64>() + lap.v().iter().sum::<f64>();
        assert_eq!(cost, 5.0);
        assert!((duals - 5.0).abs() < 1e-12);
    }

    #[test]
    fn reports_an_infeasible_sparse_graph() {
        // Both rows only know column 0.
        let mut lap = SparseLap::new(vec![vec![(0, 1.0)], vec![(0, 2.0)]], vec![0.0; 2]);
        assert!(!lap.solve());
    }
}
