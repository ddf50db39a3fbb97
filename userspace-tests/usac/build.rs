//! Generates the ABI (syscall numbers, structures, flags) from the patched kernel's UAPI headers,
//! the single source of truth: nothing here is copied by hand. The headers are the kernel's
//! `make headers_install` output for the target's architecture (the scripts make it and set
//! `USAC_KERNEL_HEADERS`; `make headers` prints it): `linux/usac_mem.h` for the structures and
//! `asm/unistd.h` for the numbers, which differ between architectures.

use std::{env, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=USAC_KERNEL_HEADERS");
    let headers = PathBuf::from(env::var_os("USAC_KERNEL_HEADERS").expect(
        "USAC_KERNEL_HEADERS must name the patched kernel's installed UAPI headers \
         (run `make headers` in the repository root: it prints the directory)",
    ));
    for h in ["linux/usac_mem.h", "asm/unistd.h"] {
        let path = headers.join(h);
        assert!(path.is_file(), "{} is missing", path.display());
        println!("cargo:rerun-if-changed={}", path.display());
    }
    // bindgen needs libclang; Debian's libclang-19-dev puts it here.
    if env::var_os("LIBCLANG_PATH").is_none() {
        env::set_var("LIBCLANG_PATH", "/usr/lib/llvm-19/lib");
    }
    let target = env::var("TARGET").expect("TARGET");
    let bindings = bindgen::Builder::default()
        .header_contents(
            "usac_abi.h",
            "#include <asm/unistd.h>\n#include <linux/usac_mem.h>\n",
        )
        .clang_arg(format!("--target={target}"))
        .clang_arg("-nostdinc")
        .clang_arg(format!("-I{}", headers.display()))
        .allowlist_item("(zamora|ZAMORA)_.*|__NR_zamora_.*")
        .derive_default(true)
        .derive_debug(true)
        .derive_partialeq(true)
        .derive_eq(true)
        .layout_tests(true)
        .generate()
        .expect("bindgen failed on the kernel's linux/usac_mem.h and asm/unistd.h");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("usac_mem.rs");
    bindings.write_to_file(out).expect("write bindings");
}
