//! Generates the ABI (syscall numbers, structures, flags) from the kernel's UAPI header, the
//! single source of truth: nothing here is copied by hand.

use std::path::PathBuf;

fn main() {
    let header = PathBuf::from("../../include/uapi/linux/usac_mem.h");
    println!("cargo:rerun-if-changed={}", header.display());
    // bindgen needs libclang; Debian's libclang-19-dev puts it here.
    if std::env::var_os("LIBCLANG_PATH").is_none() {
        std::env::set_var("LIBCLANG_PATH", "/usr/lib/llvm-19/lib");
    }
    let bindings = bindgen::Builder::default()
        .header(header.to_str().expect("UTF-8 path"))
        .allowlist_item("(zamora|ZAMORA)_.*|__NR_zamora_.*")
        .derive_default(true)
        .derive_debug(true)
        .derive_partialeq(true)
        .derive_eq(true)
        .layout_tests(true)
        .generate()
        .expect("bindgen failed on include/uapi/linux/usac_mem.h");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("usac_mem.rs");
    bindings.write_to_file(out).expect("write bindings");
}
