// SPDX-License-Identifier: GPL-2.0
/*
 * The promises of zamora_tamalloc(), zamora_mem_stats_process() and
 * zamora_mem_stats_global() (include/uapi/linux/usac_mem.h), as a maintainer
 * would check them: nothing is committed until written, every page reads as
 * zero, fork() does not inherit the mapping, bad arguments get their errno,
 * the statistics equal /proc, the global sums equal the listing's, and a
 * listing sees only the caller's pid namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/usac_mem.h>

#include "../kselftest_harness.h"

#define PAGES 64

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static void *tamalloc(size_t size, unsigned int flags)
{
	long ret = syscall(__NR_zamora_tamalloc, size, flags);

	return ret == -1 ? MAP_FAILED : (void *)ret;
}

static long stats_process(pid_t pid, struct zamora_proc_mem_stats *buf,
			  size_t count, unsigned int flags)
{
	return syscall(__NR_zamora_mem_stats_process, pid, buf, count, flags);
}

static long stats_global(struct zamora_global_mem_stats *out,
			 unsigned int flags)
{
	return syscall(__NR_zamora_mem_stats_global, out, flags);
}

/* The "Rss:" of the mapping at @addr in /proc/self/smaps, in kB; -1 if none. */
static long smaps_rss_kb(void *addr)
{
	unsigned long start, end, want = (unsigned long)addr;
	char line[512];
	long rss = -1;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			in = start <= want && want < end;
		else if (in && sscanf(line, "Rss: %ld kB", &rss) == 1)
			break;
	}
	fclose(f);
	return rss;
}

/* A "Name:   value kB" field of /proc/self/status, in kB; -1 if none. */
static long status_kb(const char *name)
{
	size_t len = strlen(name);
	char line[256];
	long value = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			value = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return value;
}

FIXTURE(mapping) {
	char *p;
	size_t len;
};

FIXTURE_SETUP(mapping)
{
	self->len = PAGES * page_size();
	self->p = tamalloc(self->len, 0);
	ASSERT_NE(MAP_FAILED, self->p);
}

FIXTURE_TEARDOWN(mapping)
{
	munmap(self->p, self->len);
}

/* Nothing is committed by the call or by reads; each first write commits one page. */
TEST_F(mapping, commits_only_written_pages)
{
	struct zamora_proc_mem_stats before, after;
	long kb = page_size() / 1024;
	volatile char sink;
	size_t i;

	ASSERT_EQ(1, stats_process(getpid(), &before, 1, 0));
	EXPECT_EQ(0, smaps_rss_kb(self->p));
	for (i = 0; i < self->len; i += page_size())
		sink = self->p[i];
	(void)sink;
	EXPECT_EQ(0, smaps_rss_kb(self->p));
	for (i = 0; i < 5; i++)
		self->p[i * 2 * page_size()] = 1;
	EXPECT_EQ(5 * kb, smaps_rss_kb(self->p));
	ASSERT_EQ(1, stats_process(getpid(), &after, 1, 0));
	EXPECT_EQ(before.lazy_zeroed_pages + 5, after.lazy_zeroed_pages);
	EXPECT_EQ(before.tamalloc_kb, after.tamalloc_kb);
	EXPECT_LE(PAGES * kb, after.tamalloc_kb);
}

/* Every byte reads as zero: untouched, around a written byte, after MADV_DONTNEED. */
TEST_F(mapping, reads_zero)
{
	size_t i;

	self->p[page_size() + 7] = 42;
	for (i = 0; i < self->len; i++)
		if (i != (size_t)page_size() + 7)
			ASSERT_EQ(0, self->p[i]);
	ASSERT_EQ(0, madvise(self->p, self->len, MADV_DONTNEED));
	for (i = 0; i < self->len; i++)
		ASSERT_EQ(0, self->p[i]);
}

/* A fork() child has no such mapping, and MADV_DOFORK cannot give it one. */
TEST_F(mapping, fork_does_not_inherit)
{
	int status;
	pid_t child;

	self->p[0] = 1;
	EXPECT_EQ(-1, madvise(self->p, self->len, MADV_DOFORK));
	EXPECT_EQ(EINVAL, errno);
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		/* Faults if the mapping is absent, as it must be. */
		*(volatile char *)self->p = 2;
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	EXPECT_EQ(1, self->p[0]);
}

/* Each bad argument fails with its errno and changes nothing. */
TEST(errnos)
{
	struct zamora_global_mem_stats g;
	struct zamora_proc_mem_stats s;
	long vm = status_kb("VmSize");

	EXPECT_EQ(MAP_FAILED, tamalloc(0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, tamalloc(page_size(), 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, tamalloc(1UL << 62, 0));
	EXPECT_EQ(ENOMEM, errno);
	EXPECT_EQ(vm, status_kb("VmSize"));

	EXPECT_EQ(-1, stats_process(-1, &s, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, stats_process(getpid(), &s, 1, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, stats_process(0x7fffffff, &s, 1, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, stats_process(getpid(), (void *)8, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, stats_global(&g, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, stats_global(NULL, 0));
	EXPECT_EQ(EFAULT, errno);
}

/* The caller's own record equals /proc/self/status, read on both sides of the call. */
TEST(stats_equal_proc)
{
	struct zamora_proc_mem_stats s;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		long size = status_kb("VmSize"), rss = status_kb("VmRSS");

		ASSERT_EQ(1, stats_process(getpid(), &s, 1, 0));
		if (size != status_kb("VmSize") || rss != status_kb("VmRSS"))
			continue;
		EXPECT_EQ(getpid(), s.pid);
		EXPECT_EQ(size, s.reserved_kb);
		EXPECT_EQ(rss, s.committed_kb);
		EXPECT_EQ(0, s.flags);
		return;
	}
	ASSERT_TRUE(!"/proc/self/status never held still");
}

/*
 * Of a namespace that holds still (two equal listings around the call), the
 * global sums are those of the listing: no process here shares its address
 * space with another.
 */
TEST(global_is_the_sum_of_the_listing)
{
	static struct zamora_proc_mem_stats a[4096], b[4096];
	struct zamora_global_mem_stats g;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		__u64 reserved = 0, committed = 0, processes = 0;
		long n = stats_process(0, a, 4096, 0), i;

		ASSERT_LT(0, n);
		ASSERT_GE(4096, n);
		ASSERT_EQ(0, stats_global(&g, 0));
		if (stats_process(0, b, 4096, 0) != n || memcmp(a, b, n * sizeof(*a)))
			continue;
		for (i = 0; i < n; i++) {
			if (a[i].flags & ZAMORA_PROC_NO_MM)
				continue;
			reserved += a[i].reserved_kb;
			committed += a[i].committed_kb;
			processes++;
		}
		EXPECT_EQ(processes, g.nr_processes);
		EXPECT_EQ(reserved, g.reserved_kb);
		EXPECT_EQ(committed, g.committed_kb);
		return;
	}
	ASSERT_TRUE(!"the namespace never held still");
}

/* In a new pid namespace a listing shows its first process, as pid 1, and nothing else. */
TEST(listing_sees_only_its_pid_namespace)
{
	int status;
	pid_t child;

	if (unshare(CLONE_NEWPID))
		SKIP(return, "unshare(CLONE_NEWPID): %s", strerror(errno));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct zamora_proc_mem_stats s[4];
		struct zamora_global_mem_stats g;

		if (stats_process(0, s, 4, 0) != 1 || s[0].pid != 1)
			_exit(1);
		if (stats_global(&g, 0) || g.nr_processes != 1)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
