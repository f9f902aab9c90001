//! Times the phases of `heapdiff A B`: `cargo run --release --example diff_phases A B`.
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let t = Instant::now();
    let a = heapdiff::load(&args[1]).unwrap();
    eprintln!("load a {:?}", t.elapsed());
    let t = Instant::now();
    let b = heapdiff::load(&args[2]).unwrap();
    eprintln!("load b {:?}", t.elapsed());
    let t = Instant::now();
    let ra = heapdiff::algo::Analysis::new(&a);
    eprintln!("analysis a {:?}", t.elapsed());
    let t = Instant::now();
    let rb = heapdiff::algo::Analysis::new(&b);
    eprintln!("analysis b {:?}", t.elapsed());
    let t = Instant::now();
    let m = heapdiff::diff::match_objects(&a, &b);
    eprintln!("match {:?}", t.elapsed());
    let t = Instant::now();
    let s = heapdiff::diff::all_suspects(&a, &b, &m, &ra, &rb);
    eprintln!("suspects {:?} ({})", t.elapsed(), s.len());
    let t = Instant::now();
    let ty = heapdiff::diff::type_deltas(&a, &b, &m, &ra, &rb);
    eprintln!("types {:?} ({})", t.elapsed(), ty.len());
    let t = Instant::now();
    let d = heapdiff::diff::diff(&a, &b, &ra, &rb, Default::default());
    eprintln!("whole diff {:?} {}", t.elapsed(), d.answer);
}
