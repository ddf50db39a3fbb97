/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * usac-mm kernel-internal interface: the page-fault shim of zamora_tamalloc()
 * and the per-mm counters of tamalloc memory (mm/tamalloc.c), and the
 * functions implemented in Rust (kernel/usac) that C calls. The user ABI is
 * in include/uapi/linux/usac_mem.h.
 */
#ifndef _LINUX_USAC_MEM_H
#define _LINUX_USAC_MEM_H

#include <linux/mm.h>

struct seq_file;

#ifdef CONFIG_USAC_MEM
void usac_tamalloc_zero_fill(struct vm_area_struct *vma, struct folio *folio,
			     unsigned long addr);
unsigned long usac_mm_lazy_zeroed_pages(struct mm_struct *mm);
void usac_mm_vm_pages(struct mm_struct *mm, unsigned long *total_vm,
		      unsigned long *tamalloc_vm);
void usac_report_usage(struct seq_file *m, struct mm_struct *mm);

static inline void usac_mm_init(struct mm_struct *mm)
{
	atomic_long_set(&mm->usac_lazy_zeroed_pages, 0);
	mm->usac_tamalloc_vm = 0;
	seqcount_init(&mm->usac_vm_seq);
#ifdef CONFIG_USAC_MEM_DEBUG_SHIM_ALL_ANON
	atomic_long_set(&mm->usac_shim_anon_pages, 0);
#endif
}

/*
 * mm->usac_tamalloc_vm follows total_vm: vm_stat_account() and the munmap
 * paths call this under the mmap write lock, between usac_vm_stat_begin()
 * and usac_vm_stat_end() around the change of total_vm, so that
 * usac_mm_vm_pages() reads the two as one pair without that lock.
 */
static inline void usac_vm_stat_begin(struct mm_struct *mm)
{
	/* Not preempted while the count is odd: readers spin meanwhile. */
	preempt_disable();
	write_seqcount_begin(&mm->usac_vm_seq);
}

static inline void usac_vm_stat_end(struct mm_struct *mm)
{
	write_seqcount_end(&mm->usac_vm_seq);
	preempt_enable();
}

static inline void usac_vm_stat_account(struct mm_struct *mm, vm_flags_t flags,
					long npages)
{
	if (flags & VM_TAMALLOC)
		WRITE_ONCE(mm->usac_tamalloc_vm,
			   READ_ONCE(mm->usac_tamalloc_vm) + npages);
}

/* dup_mmap(): copied like total_vm, before the VM_DONTCOPY VMAs are subtracted. */
static inline void usac_mm_dup_vm_stat(struct mm_struct *mm,
				       struct mm_struct *oldmm)
{
	mm->usac_tamalloc_vm = oldmm->usac_tamalloc_vm;
}

#ifdef CONFIG_USAC_MEM_DEBUG_SHIM_ALL_ANON
extern bool usac_shim_all_anon;
#endif

/*
 * Whether a first write to @vma (an empty PTE, or the zero page) takes the
 * tamalloc path: folio allocated unzeroed, zero-filled by
 * usac_tamalloc_zero_fill(), counted in the mm (usac_tamalloc_count_zeroed()).
 * Tamalloc VMAs always do; with CONFIG_USAC_MEM_DEBUG_SHIM_ALL_ANON and the
 * boot parameter usac_mem_shim_all_anon, so does every private anonymous
 * VMA, so that the kernel's own mm tests run through the shim.
 */
static inline bool usac_fault_zero_fills(struct vm_area_struct *vma)
{
	if (vma_is_tamalloc(vma))
		return true;
#ifdef CONFIG_USAC_MEM_DEBUG_SHIM_ALL_ANON
	return usac_shim_all_anon && vma_is_anonymous(vma) &&
	       !(vma->vm_flags & VM_SHARED);
#else
	return false;
#endif
}

#ifdef CONFIG_DEBUG_VM
void usac_mm_check_tamalloc_vm(struct mm_struct *mm);
#else
static inline void usac_mm_check_tamalloc_vm(struct mm_struct *mm) { }
#endif

/*
 * Count @nr pages of @vma that usac_tamalloc_zero_fill() prepared and the
 * fault has just mapped (under the PTE lock): a fault that loses a race
 * counts nothing. Pages of other VMAs, which only the debug switch sends
 * through the shim, have a counter of their own, so that the tamalloc
 * counter keeps meaning what the ABI says.
 */
static inline void usac_tamalloc_count_zeroed(struct vm_area_struct *vma,
					      long nr)
{
#ifdef CONFIG_USAC_MEM_DEBUG_SHIM_ALL_ANON
	if (!vma_is_tamalloc(vma)) {
		atomic_long_add(nr, &vma->vm_mm->usac_shim_anon_pages);
		return;
	}
#endif
	atomic_long_add(nr, &vma->vm_mm->usac_lazy_zeroed_pages);
}

/* kernel/usac/usac_mem.rs, called from kernel/usac/entry.c */
int usac_mem_init(void);
long usac_tamalloc(size_t size, unsigned int flags);
long usac_mem_stats_process(pid_t pid, unsigned long buf, size_t count,
			    unsigned int flags, bool restrict_stats);
long usac_mem_stats_global(unsigned long out, unsigned int flags,
			   bool restrict_stats);
#else
static inline bool usac_fault_zero_fills(struct vm_area_struct *vma)
{
	return false;
}

/* Never called: usac_fault_zero_fills() is constant false without CONFIG_USAC_MEM. */
static inline void usac_tamalloc_zero_fill(struct vm_area_struct *vma,
					   struct folio *folio,
					   unsigned long addr) { }
static inline void usac_tamalloc_count_zeroed(struct vm_area_struct *vma,
					      long nr) { }
static inline void usac_mm_init(struct mm_struct *mm) { }
static inline void usac_vm_stat_begin(struct mm_struct *mm) { }
static inline void usac_vm_stat_end(struct mm_struct *mm) { }
static inline void usac_vm_stat_account(struct mm_struct *mm, vm_flags_t flags,
					long npages) { }
static inline void usac_mm_dup_vm_stat(struct mm_struct *mm,
				       struct mm_struct *oldmm) { }
static inline void usac_mm_check_tamalloc_vm(struct mm_struct *mm) { }
static inline void usac_report_usage(struct seq_file *m, struct mm_struct *mm) { }
#endif

#endif /* _LINUX_USAC_MEM_H */
