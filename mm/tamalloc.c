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

#include <linux/cacheinfo.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/usac_mem.h>

#define CREATE_TRACE_POINTS
#include <trace/events/usac_mem.h>

/* VM_TAMALLOC must be a bit that no other VMA flag uses on this build. */
static_assert(!(VM_TAMALLOC & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED |
			       VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_MAYSHARE |
			       VM_GROWSDOWN | VM_UFFD_MISSING | VM_PFNMAP | VM_UFFD_WP |
			       VM_LOCKED | VM_IO | VM_SEQ_READ | VM_RAND_READ |
			       VM_DONTCOPY | VM_DONTEXPAND | VM_LOCKONFAULT | VM_ACCOUNT |
			       VM_NORESERVE | VM_HUGETLB | VM_SYNC | VM_ARCH_1 |
			       VM_WIPEONFORK | VM_DONTDUMP | VM_SOFTDIRTY | VM_MIXEDMAP |
			       VM_HUGEPAGE | VM_NOHUGEPAGE | VM_MERGEABLE |
			       VM_HIGH_ARCH_0 | VM_HIGH_ARCH_1 | VM_HIGH_ARCH_2 |
			       VM_HIGH_ARCH_3 | VM_HIGH_ARCH_4 | VM_HIGH_ARCH_5 |
			       VM_UFFD_MINOR | VM_ALLOW_ANY_UNCACHED | VM_DROPPABLE |
			       VM_SEALED)));
static_assert(VM_TAMALLOC != 0 && !(VM_TAMALLOC & (VM_TAMALLOC - 1)));

/*
 * Whether the page allocator has already zeroed a folio allocated without
 * __GFP_ZERO: with init_on_alloc=1 every page it hands out is zero, cleared
 * by post_alloc_hook() or, when init_on_free=1 is also set, when it was
 * freed. (init_on_free=1 alone is not relied on, as later kernels do not.)
 * Caches that alias need clear_user_highpage() at the user address anyway.
 * This is the test that later kernels call user_alloc_needs_zeroing(),
 * inverted.
 */
static bool usac_allocator_zeroed(void)
{
	return !cpu_dcache_is_aliasing() && want_init_on_alloc(0);
}

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
	bool clear = !usac_allocator_zeroed();

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
