/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of usac-mm: each call of the three system calls, and each
 * zero-fill of a tamalloc folio on its first write. Enable them in tracefs
 * (events/usac_mem/); disabled, each costs a patched-out branch.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM usac_mem

#if !defined(_TRACE_USAC_MEM_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_USAC_MEM_H

#include <linux/err.h>
#include <linux/tracepoint.h>

/*
 * usac_tamalloc - a zamora_tamalloc() call returned
 * @size:  the size asked for, in bytes
 * @flags: the flags passed
 * @ret:   the address of the new mapping, or a negative errno
 */
TRACE_EVENT(usac_tamalloc,
	    TP_PROTO(size_t size, unsigned int flags, long ret),
	    TP_ARGS(size, flags, ret),
	    TP_STRUCT__entry(__field(size_t, size)
			     __field(unsigned int, flags)
			     __field(unsigned long, addr)
			     __field(int, err)),
	    TP_fast_assign(__entry->size = size;
			   __entry->flags = flags;
			   __entry->addr = IS_ERR_VALUE(ret) ? 0 : ret;
			   __entry->err = IS_ERR_VALUE(ret) ? ret : 0;),
	    TP_printk("size=%zu flags=0x%x addr=0x%lx err=%d",
		      __entry->size, __entry->flags, __entry->addr,
		      __entry->err)
);

/*
 * usac_tamalloc_zero_fill - a folio of a tamalloc VMA is ready for its first
 * write. A fault that then loses a race with another thread's fault on the
 * same address frees the folio: the pages are traced but not counted in
 * TamallocZeroedPages.
 * @addr:    the user address of its first page
 * @pages:   its number of pages
 * @cleared: whether the shim cleared it (false: the allocator had zeroed it,
 *	     init_on_alloc=1)
 */
TRACE_EVENT(usac_tamalloc_zero_fill,
	    TP_PROTO(unsigned long addr, long pages, bool cleared),
	    TP_ARGS(addr, pages, cleared),
	    TP_STRUCT__entry(__field(unsigned long, addr)
			     __field(long, pages)
			     __field(bool, cleared)),
	    TP_fast_assign(__entry->addr = addr;
			   __entry->pages = pages;
			   __entry->cleared = cleared;),
	    TP_printk("addr=0x%lx pages=%ld cleared=%d",
		      __entry->addr, __entry->pages, __entry->cleared)
);

/*
 * usac_mem_stats_process - a zamora_mem_stats_process() call returned. A
 * caller killed during a listing never sees its -EINTR; this event does.
 * @pid:   the pid asked for (0: every process of the caller's namespace)
 * @count: the room in the buffer, in records
 * @flags: the flags passed
 * @ret:   the number of records written, or a negative errno
 */
TRACE_EVENT(usac_mem_stats_process,
	    TP_PROTO(pid_t pid, size_t count, unsigned int flags, long ret),
	    TP_ARGS(pid, count, flags, ret),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(size_t, count)
			     __field(unsigned int, flags)
			     __field(long, ret)),
	    TP_fast_assign(__entry->pid = pid;
			   __entry->count = count;
			   __entry->flags = flags;
			   __entry->ret = ret;),
	    TP_printk("pid=%d count=%zu flags=0x%x ret=%ld",
		      __entry->pid, __entry->count, __entry->flags,
		      __entry->ret)
);

/*
 * usac_mem_stats_global - a zamora_mem_stats_global() call returned
 * @flags: the flags passed
 * @ret:   0, or a negative errno
 */
TRACE_EVENT(usac_mem_stats_global,
	    TP_PROTO(unsigned int flags, long ret),
	    TP_ARGS(flags, ret),
	    TP_STRUCT__entry(__field(unsigned int, flags)
			     __field(long, ret)),
	    TP_fast_assign(__entry->flags = flags;
			   __entry->ret = ret;),
	    TP_printk("flags=0x%x ret=%ld", __entry->flags, __entry->ret)
);

#endif /* _TRACE_USAC_MEM_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
