//! Measures the two-sample W2 floor of every built-in 2D data set: the exact W2 between two
//! independent samples of 1024 points each, over 20 seed pairs (mean ± sd). A model whose
//! samples are this close to the data cannot be told apart from a second data sample.
//!
//! `cargo run --release -p gradflow --example w2_floors`

use gradflow::data::Dataset2d;

fn main() {
    println!("| data set | W2 floor, 1024 vs 1024 (mean ± sd over 20 seed pairs) |");
    println!("|---|---|");
    for set in Dataset2d::ALL {
        let (mean, sd) = set.measure_w2_floor(1024, 20);
        println!("| `{set}` | {mean:.4} ± {sd:.4} |");
    }
}
