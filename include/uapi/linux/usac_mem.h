/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * usac-mm: a lazily zero-filled allocator and memory statistics.
 *
 * This header is the ABI contract: the kernel (kernel/usac) and userspace
 * (userspace-tests, through bindgen) are both built from it.
 */
#ifndef _UAPI_LINUX_USAC_MEM_H
#define _UAPI_LINUX_USAC_MEM_H

#include <linux/types.h>

/*
 * The system call numbers are in <asm/unistd.h> (__NR_zamora_tamalloc,
 * __NR_zamora_mem_stats_process, __NR_zamora_mem_stats_global): 473-475 on
 * every architecture but alpha (583-585) and mips (plus the ABI's offset).
 */

/*
 * long zamora_tamalloc(size_t size, unsigned int flags);
 *
 * Reserves size bytes (rounded up to pages) of private anonymous read-write
 * memory and returns its page-aligned address. No flags are defined yet:
 * flags must be 0. The mapping can be unmapped, split, moved and protected
 * like any anonymous mapping, and it keeps these promises against every
 * other system call:
 *
 *  - Nothing is committed by the call: reads of untouched pages see the
 *    shared zero page. One exception, as for mmap(): after
 *    mlockall(MCL_FUTURE) the mapping is created locked and every page is
 *    committed at once, through the first-write path below (RLIMIT_MEMLOCK
 *    applies: EAGAIN beyond it).
 *  - Each page is committed by its first write (or by the population of a
 *    locked mapping), and zero-filled exactly once on that path, which counts
 *    it in lazy_zeroed_pages. Huge pages are never used for the mapping:
 *    MADV_HUGEPAGE is accepted and ignored, MADV_COLLAPSE fails with EINVAL,
 *    and neither khugepaged nor a THP "always" setting touches it. A
 *    userfaultfd cannot register it (UFFDIO_REGISTER fails with EINVAL).
 *  - The mapping is never inherited by fork(): madvise(MADV_DOFORK) fails
 *    with EINVAL on it and leaves it unchanged.
 *  - A committed page stays committed and counted once wherever the kernel
 *    moves it: swapped out (MADV_PAGEOUT, reclaim, zswap) and back, migrated
 *    between NUMA nodes (move_pages(), mbind(MPOL_MF_MOVE), migrate_pages()),
 *    soft-offlined, charged to its memory cgroup when first written, written
 *    by another process (process_vm_writev(), /proc/PID/mem: committed and
 *    counted in the target).
 *  - KSM never merges tamalloc memory, as it never merges shared or hugetlb
 *    memory: MADV_MERGEABLE is accepted and ignored, PR_SET_MEMORY_MERGE
 *    leaves the mapping out, so a page is never replaced by the zero page or
 *    a KSM page, and unmerging commits nothing.
 *  - Device migration (HMM, migrate_vma_setup()) moves committed pages only:
 *    a page never written (untouched or reading the zero page) is not
 *    migrated, so no device or huge page is filled in behind the first-write
 *    path.
 *
 * As for shadow stacks, UFFDIO_REGISTER and UFFDIO_UNREGISTER fail with
 * EINVAL on a range that includes a tamalloc mapping.
 *
 * Errors: EINVAL (size 0 or flags not 0), ENOMEM (no room in the address
 * space, RLIMIT_AS, overcommit), EAGAIN (locked beyond RLIMIT_MEMLOCK),
 * EINTR (fatal signal while waiting for the mmap lock), or what a security
 * module's mmap hook returns.
 */

/* zamora_proc_mem_stats.flags */
#define ZAMORA_PROC_KTHREAD	(1U << 0)	/* kernel thread */
#define ZAMORA_PROC_NO_MM	(1U << 1)	/* no address space (kernel thread or exiting) */

/*
 * long zamora_mem_stats_process(pid_t pid, struct zamora_proc_mem_stats *buf,
 *				 size_t count, unsigned int flags);
 *
 * pid > 0: the process pid (a thread id resolves to its thread group).
 * pid == 0: every process of the caller's pid namespace, in ascending pid
 * order. Returns the number of processes found and writes the first
 * min(count, found) entries; buf == NULL with count == 0 only counts.
 *
 * The entries are gathered first and copied out last, in order. If the copy
 * faults (EFAULT: part of buf is not writable), the entries before the
 * faulting one have been written, the faulting one may be partly written,
 * and none after it; the call returns -EFAULT and no count.
 *
 * Visibility: both statistics calls show a process only if the caller may
 * read it with ptrace_may_access(PTRACE_MODE_READ_FSCREDS), the check /proc
 * makes when mounted with hidepid=invisible, which asks the LSMs (SELinux,
 * AppArmor, Landlock...): a caller sees its own processes (unless made
 * non-dumpable), and CAP_SYS_PTRACE sees all. The others are hidden as if
 * they did not exist: pid > 0 naming one fails with ESRCH, and pid == 0
 * listings and the global sums leave them out (the count returned is of the
 * visible processes; zamora_global_mem_stats.nr_hidden counts the others).
 * Opt-in, root only: usac_mem.restrict_stats=0 on the command line (or 0 in
 * /sys/module/usac_mem/parameters/restrict_stats) shows every process of
 * the caller's pid namespace to any caller, as a default procfs mount's
 * status files do. Its risk: a procfs mount with hidepid or subset=pid, a
 * service's ProtectProc= and an LSM's file rules no longer hide processes
 * from this call, which reads every pid, comm, RSS and OOM score in one
 * call (the OOM score adjustment tells foreground from background
 * applications; lazy_zeroed_pages counts single-page first writes).
 *
 * Each process costs the same whatever its mappings: the values are counters
 * that mm keeps, read under the task lock; no lock of the process's address
 * space is taken.
 *
 * A listing reschedules between batches of processes and stops when the
 * caller is being killed. Kernel memory it takes is charged to the caller's
 * memory cgroup and grows with what the caller may see (one entry for
 * pid > 0).
 *
 * Errors: EINVAL (pid < 0 or flags not 0), ESRCH (no such process, or one
 * the caller may not see), EFAULT (buf), ENOMEM, EINTR (fatal signal).
 */
struct zamora_proc_mem_stats {
	__s32 pid;			/* thread-group id in the caller's pid namespace */
	__u32 flags;			/* ZAMORA_PROC_* */
	__u64 reserved_kb;		/* total_vm in KiB, = VmSize */
	__u64 committed_kb;		/* get_mm_rss in KiB, = VmRSS */
	__u32 committed_pct_x100;	/* committed * 10000 / reserved, rounded down (0: none) */
	__s32 oom_score;		/* = /proc/<pid>/oom_score */
	__s32 oom_score_adj;		/* = /proc/<pid>/oom_score_adj */
	__u32 __pad;			/* zero */
	__u64 tamalloc_kb;		/* size of the live tamalloc mappings, = VmTamalloc */
	/*
	 * Pages committed and zero-filled through the tamalloc first-write
	 * path since the address space was created: an event count that
	 * never drops (not on MADV_DONTNEED, not on munmap);
	 * = TamallocZeroedPages in /proc/PID/status.
	 */
	__u64 lazy_zeroed_pages;
	char  comm[16];			/* NUL-terminated */
	__u64 __spare[4];		/* zero; room to grow */
};

/*
 * long zamora_mem_stats_global(struct zamora_global_mem_stats *out,
 *				unsigned int flags);
 *
 * Sums over the processes a pid == 0 listing would return, in one pass,
 * each live address space once: processes that share one (CLONE_VM without
 * CLONE_THREAD, a vfork() child before it execs or exits) add it once, and
 * a process whose leader has exited while other threads run counts the
 * address space they keep (which its listing record, as /proc/PID/status,
 * does not show). Each record's reserved and tamalloc sizes are one pair:
 * tamalloc_kb <= reserved_kb, in a record and in the sums.
 */
struct zamora_global_mem_stats {
	__u64 reserved_kb;		/* sums taken in pages, converted once */
	__u64 committed_kb;
	__u64 reserved_mb;		/* reserved_kb / 1024, rounded down */
	__u64 committed_mb;
	__u64 nr_processes;		/* visible processes with a live address space */
	__u64 tamalloc_kb;
	__u64 lazy_zeroed_pages;	/* sum of the counted processes' counters */
	__u64 totalram_kb;
	__u64 nr_hidden;		/* processes of the namespace the caller may not see */
	__u64 __spare[3];		/* zero */
};

#endif /* _UAPI_LINUX_USAC_MEM_H */
