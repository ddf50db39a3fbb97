// SPDX-License-Identifier: GPL-2.0-only
/*
 * C entry points of usac-mm. The logic is Rust (usac_mem.rs); this file only
 * gives it the hooks that need C macros.
 */

#include <linux/init.h>
#include <linux/usac_mem.h>

static int __init usac_mem_initcall(void)
{
	return usac_mem_init();
}
late_initcall(usac_mem_initcall);
