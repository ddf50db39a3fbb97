// SPDX-License-Identifier: GPL-2.0

//! Build-time check that bindgen's layout of the C structures Rust reads is C's layout.
//!
//! A wrong offset is silent: Rust reads a neighbouring field. bindgen has produced one (an empty
//! struct declared with an alignment lost it, which moved every later field of `task_struct`;
//! see `rust/bindgen_parameters`). `rust/bindings/bindings_helper.h` exports the sizes,
//! alignments and field offsets that the C compiler gives these structures, and every mismatch
//! below fails the build instead of reading the wrong memory.

use crate::bindings;
use core::mem::{align_of, offset_of, size_of};

/// Asserts at build time that `$ty` has C's size and alignment, and each listed field C's offset.
macro_rules! assert_c_layout {
    ($ty:ident {
        size: $c_size:ident,
        align: $c_align:ident,
        $($($field:ident).+ => $c_offset:ident,)*
    }) => {
        const _: () = {
            assert!(
                size_of::<bindings::$ty>() == bindings::$c_size,
                concat!("bindgen's size of ", stringify!($ty), " is not C's"),
            );
            assert!(
                align_of::<bindings::$ty>() == bindings::$c_align,
                concat!("bindgen's alignment of ", stringify!($ty), " is not C's"),
            );
            $(
                assert!(
                    offset_of!(bindings::$ty, $($field).+) == bindings::$c_offset,
                    concat!(
                        "bindgen's offset of ",
                        stringify!($ty),
                        ".",
                        stringify!($($field).+),
                        " is not C's"
                    ),
                );
            )*
        };
    };
}

assert_c_layout!(task_struct {
    size: LAYOUT_TASK_STRUCT_SIZE,
    align: LAYOUT_TASK_STRUCT_ALIGN,
    flags => LAYOUT_TASK_STRUCT_FLAGS,
    mm => LAYOUT_TASK_STRUCT_MM,
    pid => LAYOUT_TASK_STRUCT_PID,
    tgid => LAYOUT_TASK_STRUCT_TGID,
    group_leader => LAYOUT_TASK_STRUCT_GROUP_LEADER,
    comm => LAYOUT_TASK_STRUCT_COMM,
    signal => LAYOUT_TASK_STRUCT_SIGNAL,
});

assert_c_layout!(signal_struct {
    size: LAYOUT_SIGNAL_STRUCT_SIZE,
    align: LAYOUT_SIGNAL_STRUCT_ALIGN,
    oom_score_adj => LAYOUT_SIGNAL_STRUCT_OOM_SCORE_ADJ,
    pids => LAYOUT_SIGNAL_STRUCT_PIDS,
});

assert_c_layout!(mm_struct {
    size: LAYOUT_MM_STRUCT_SIZE,
    align: LAYOUT_MM_STRUCT_ALIGN,
    __bindgen_anon_1.total_vm => LAYOUT_MM_STRUCT_TOTAL_VM,
});

#[cfg(CONFIG_USAC_MEM)]
const _: () = assert!(
    offset_of!(bindings::mm_struct, __bindgen_anon_1.usac_tamalloc_vm)
        == bindings::LAYOUT_MM_STRUCT_USAC_TAMALLOC_VM,
    "bindgen's offset of mm_struct.usac_tamalloc_vm is not C's",
);

assert_c_layout!(pid_namespace {
    size: LAYOUT_PID_NAMESPACE_SIZE,
    align: LAYOUT_PID_NAMESPACE_ALIGN,
});
