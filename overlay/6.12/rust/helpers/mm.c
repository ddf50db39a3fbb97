// SPDX-License-Identifier: GPL-2.0

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/security.h>
#include <linux/swap.h>
#include <linux/userfaultfd_k.h>

void rust_helper_mmgrab(struct mm_struct *mm)
{
	mmgrab(mm);
}

void rust_helper_mmdrop(struct mm_struct *mm)
{
	mmdrop(mm);
}

void rust_helper_mmget(struct mm_struct *mm)
{
	mmget(mm);
}

bool rust_helper_mmget_not_zero(struct mm_struct *mm)
{
	return mmget_not_zero(mm);
}

int rust_helper_mmap_write_lock_killable(struct mm_struct *mm)
{
	return mmap_write_lock_killable(mm);
}

void rust_helper_mmap_write_unlock(struct mm_struct *mm)
{
	mmap_write_unlock(mm);
}

/*
 * The next two are real functions when their subsystem is built in, and
 * bindgen binds those directly; a helper would clash with that binding.
 */
#ifndef CONFIG_SECURITY
int rust_helper_security_mmap_file(struct file *file, unsigned long prot,
				   unsigned long flags)
{
	return security_mmap_file(file, prot, flags);
}
#endif

#ifndef CONFIG_USERFAULTFD
void rust_helper_userfaultfd_unmap_complete(struct mm_struct *mm,
					    struct list_head *uf)
{
	userfaultfd_unmap_complete(mm, uf);
}
#endif

unsigned long rust_helper_totalram_pages(void)
{
	return totalram_pages();
}

/*
 * total_swap_pages is a variable with CONFIG_SWAP and the constant 0
 * without; this gives Rust one way to read it.
 */
long rust_helper_get_total_swap_pages(void)
{
	return total_swap_pages;
}

unsigned long rust_helper_get_mm_counter_sum(struct mm_struct *mm, int member)
{
	return get_mm_counter_sum(mm, member);
}
