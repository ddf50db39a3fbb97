// SPDX-License-Identifier: GPL-2.0

#include <linux/pid_namespace.h>
#include <linux/sched.h>

struct pid_namespace *rust_helper_get_pid_ns(struct pid_namespace *ns)
{
	return get_pid_ns(ns);
}

/* A real function with CONFIG_PID_NS, which bindgen binds directly. */
#ifndef CONFIG_PID_NS
void rust_helper_put_pid_ns(struct pid_namespace *ns)
{
	put_pid_ns(ns);
}
#endif

pid_t rust_helper_task_tgid_nr_ns(struct task_struct *t,
				  struct pid_namespace *ns)
{
	return task_tgid_nr_ns(t, ns);
}

struct pid_namespace *rust_helper_task_get_pid_ns(struct task_struct *task)
{
	struct pid_namespace *ns;

	rcu_read_lock();
	ns = task_active_pid_ns(task);
	if (ns)
		get_pid_ns(ns);
	rcu_read_unlock();

	return ns;
}
