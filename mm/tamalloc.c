// SPDX-License-Identifier: GPL-2.0-only
/*
 * The page-fault side of zamora_tamalloc() (kernel/usac): zero-fill on first
 * write.
 *
 * A tamalloc VMA (VM_TAMALLOC) is private anonymous memory. Reads of untouched
 * pages map the shared zero page like any anonymous mapping. On the first
 * write, the fault paths in mm/memory.c allocate the folio *without* zeroing
 * it and call usac_tamalloc_zero_fill(), which zero-fills it; once the folio
 * is mapped they count its pages in the mm (usac_tamalloc_count_zeroed()).
 * Every other fault keeps the upstream path.
 */

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/usac_mem.h>

#define CREATE_TRACE_POINTS
#include <trace/events/usac_mem.h>

#ifdef CONFIG_USAC_MEM_DEBUG_SHIM_ALL_ANON
/* usac_mem_shim_all_anon on the command line: see usac_fault_zero_fills(). */
bool usac_shim_all_anon __ro_after_init;

static int __init usac_shim_all_anon_setup(char *arg)
{
	bool on = true;

	/* "usac_mem_shim_all_anon" alone, or "=1"/"=0" (any kstrtobool() value). */
	if (*arg == '=' && kstrtobool(arg + 1, &on))
		return 0;
	usac_shim_all_anon = on;
	if (on)
		pr_info("usac_mem: debug: every private anonymous first write takes the tamalloc zero-fill path\n");
	return 1;
}
__setup("usac_mem_shim_all_anon", usac_shim_all_anon_setup);
#endif

/**
 * usac_tamalloc_zero_fill - zero-fill a folio on its first write
 * @vma: the tamalloc VMA being faulted
 * @folio: the newly allocated, not yet mapped folio, allocated without
 *	   __GFP_ZERO
 * @addr: the faulting address
 *
 * Works for any folio size: a large folio is zeroed page by page, each page
 * with the user address it will be mapped at (for cache aliasing), with a
 * rescheduling point between pages. Called before the folio is mapped and
 * without the page table lock, so it may sleep. Skips the clear when the
 * allocator already zeroed the folio (init_on_alloc=1), so that a page is
 * never zeroed twice. The caller counts the pages with
 * usac_tamalloc_count_zeroed() once they are mapped. Traced as
 * usac_tamalloc_zero_fill (include/trace/events/usac_mem.h).
 */
void usac_tamalloc_zero_fill(struct vm_area_struct *vma, struct folio *folio,
			     unsigned long addr)
{
	long i, nr = folio_nr_pages(folio);
	unsigned long base = ALIGN_DOWN(addr, nr * PAGE_SIZE);
	/*
	 * With init_on_alloc=1 (and caches that do not alias) the allocator
	 * has zeroed the folio already, although it was asked for no
	 * __GFP_ZERO: clearing it again would only cost time.
	 */
	bool clear = user_alloc_needs_zeroing();

	trace_usac_tamalloc_zero_fill(base, nr, clear);
	if (!clear)
		return;
	for (i = 0; i < nr; i++) {
		clear_user_highpage(folio_page(folio, i), base + i * PAGE_SIZE);
		if (nr > 1)
			cond_resched();
	}
}

/**
 * usac_mm_lazy_zeroed_pages - pages zero-filled by usac_tamalloc_zero_fill()
 * @mm: the address space
 */
unsigned long usac_mm_lazy_zeroed_pages(struct mm_struct *mm)
{
	return atomic_long_read(&mm->usac_lazy_zeroed_pages);
}

/**
 * usac_mm_vm_pages - the size of an address space and its tamalloc part
 * @mm: the address space; no lock needed
 * @total_vm: where to store total_vm, in pages
 * @tamalloc_vm: where to store usac_tamalloc_vm, in pages
 *
 * The two are read as one pair, as they were between two changes of the
 * mappings: *@tamalloc_vm is never larger than *@total_vm. Spins only while
 * a writer, which is not preempted meanwhile, updates them.
 */
void usac_mm_vm_pages(struct mm_struct *mm, unsigned long *total_vm,
		      unsigned long *tamalloc_vm)
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&mm->usac_vm_seq);
		*total_vm = READ_ONCE(mm->total_vm);
		*tamalloc_vm = READ_ONCE(mm->usac_tamalloc_vm);
	} while (read_seqcount_retry(&mm->usac_vm_seq, seq));
}

/**
 * usac_report_usage - the tamalloc lines of /proc/PID/status
 * @m: the status file
 * @mm: the task's address space
 */
void usac_report_usage(struct seq_file *m, struct mm_struct *mm)
{
	seq_printf(m, "VmTamalloc:\t%8lu kB\n",
		   READ_ONCE(mm->usac_tamalloc_vm) << (PAGE_SHIFT - 10));
	seq_printf(m, "TamallocZeroedPages:\t%lu\n",
		   usac_mm_lazy_zeroed_pages(mm));
#ifdef CONFIG_USAC_MEM_DEBUG_SHIM_ALL_ANON
	if (usac_shim_all_anon)
		seq_printf(m, "ShimAnonZeroedPages:\t%lu\n",
			   atomic_long_read(&mm->usac_shim_anon_pages));
#endif
}

#ifdef CONFIG_DEBUG_VM
/**
 * usac_mm_check_tamalloc_vm - check mm->usac_tamalloc_vm against the VMAs
 * @mm: an address space whose mmap lock is held, e.g. by exit_mmap()
 *
 * Warns once if the counter differs from the size of the VM_TAMALLOC VMAs.
 * A maple tree that dup_mmap() left incomplete (XA_ZERO_ENTRY) is skipped.
 */
void usac_mm_check_tamalloc_vm(struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	unsigned long pages = 0;

	mmap_assert_locked(mm);
	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		if (unlikely(xa_is_zero(vma)))
			return;
		if (vma_is_tamalloc(vma))
			pages += vma_pages(vma);
	}
	WARN_ONCE(pages != mm->usac_tamalloc_vm,
		  "usac: mm->usac_tamalloc_vm is %lu pages, its VMAs have %lu\n",
		  mm->usac_tamalloc_vm, pages);
}
#endif
