// The demo packs are embedded with `include_dir!`, which tracks the files it
// found but not files added later: a new pack file rebuilds the crate only
// because of this line (cargo watches a directory recursively).
fn main() {
    println!("cargo:rerun-if-changed=packs");
}
