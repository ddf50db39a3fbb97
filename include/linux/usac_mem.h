/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * usac-mm kernel-internal interface: functions implemented in Rust
 * (kernel/usac/usac_mem.rs) and called from C.
 */
#ifndef _LINUX_USAC_MEM_H
#define _LINUX_USAC_MEM_H

int usac_mem_init(void);

#endif /* _LINUX_USAC_MEM_H */
