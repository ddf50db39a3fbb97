// SPDX-License-Identifier: GPL-2.0-only
/*
 * C entry points of usac-mm: the initcall and the SYSCALL_DEFINEs, which need
 * C macros. Each forwards to the Rust crate (usac_mem.rs), where the logic is.
 */

#include <linux/init.h>
#include <linux/moduleparam.h>
#include <linux/syscalls.h>
#include <linux/usac_mem.h>
#include <trace/events/usac_mem.h>

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "usac_mem."

/*
 * Which processes the statistics show (include/uapi/linux/usac_mem.h): by
 * default those the caller may read with
 * ptrace_may_access(PTRACE_MODE_READ_FSCREDS), as /proc with
 * hidepid=invisible. usac_mem.restrict_stats=0 (or 0 in
 * /sys/module/usac_mem/parameters/restrict_stats, root only) is the opt-in
 * that shows every process of the caller's pid namespace to any caller.
 */
static bool restrict_stats = true;
module_param(restrict_stats, bool, 0644);

static int __init usac_mem_initcall(void)
{
	return usac_mem_init();
}
late_initcall(usac_mem_initcall);

SYSCALL_DEFINE2(zamora_tamalloc, size_t, size, unsigned int, flags)
{
	long ret = usac_tamalloc(size, flags);

	trace_usac_tamalloc(size, flags, ret);
	return ret;
}

SYSCALL_DEFINE4(zamora_mem_stats_process, pid_t, pid,
		struct zamora_proc_mem_stats __user *, buf, size_t, count,
		unsigned int, flags)
{
	long ret = usac_mem_stats_process(pid, (unsigned long)buf, count, flags,
					  READ_ONCE(restrict_stats));

	trace_usac_mem_stats_process(pid, count, flags, ret);
	return ret;
}

SYSCALL_DEFINE2(zamora_mem_stats_global, struct zamora_global_mem_stats __user *, out,
		unsigned int, flags)
{
	long ret = usac_mem_stats_global((unsigned long)out, flags,
					 READ_ONCE(restrict_stats));

	trace_usac_mem_stats_global(flags, ret);
	return ret;
}
