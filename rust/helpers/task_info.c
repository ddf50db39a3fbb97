// SPDX-License-Identifier: GPL-2.0

/*
 * Reads of task_struct fields for Rust. bindgen's layout of task_struct is
 * not reliable with every toolchain (see mm.c), so Rust reads them through C.
 */

#include <linux/pid_namespace.h>
#include <linux/sched.h>

bool rust_helper_task_is_kthread(struct task_struct *t)
{
	return t->flags & PF_KTHREAD;
}

pid_t rust_helper_task_tgid_nr_ns(struct task_struct *t,
				  struct pid_namespace *ns)
{
	return task_tgid_nr_ns(t, ns);
}
