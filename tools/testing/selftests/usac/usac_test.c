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
#include <assert.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/usac_mem.h>

#include "../kselftest_harness.h"

/* One layout on every ABI, 32-bit ones included: the calls have no compat entry points. */
static_assert(sizeof(struct zamora_proc_mem_stats) == 104, "zamora_proc_mem_stats size");
static_assert(offsetof(struct zamora_proc_mem_stats, tamalloc_kb) == 40, "tamalloc_kb offset");
static_assert(sizeof(struct zamora_global_mem_stats) == 96, "zamora_global_mem_stats size");

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

/* Whether this kernel has the calls (CONFIG_USAC_MEM): then bad flags are EINVAL. */
static bool have_usac(void)
{
	return stats_global(NULL, 1) == -1 && errno == EINVAL;
}

#define NO_USAC "no zamora_* system calls (CONFIG_USAC_MEM=n)"

/*
 * Runs @fn as pid 1 of a new pid namespace, in a child; returns its exit
 * status, or -1 if the namespace or the child could not be made.
 */
static int in_new_pid_namespace(int (*fn)(void))
{
	int status;
	pid_t child;

	if (unshare(CLONE_NEWPID))
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0)
		_exit(fn());
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
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
	if (!have_usac())
		SKIP(return, NO_USAC);
	self->len = PAGES * page_size();
	self->p = tamalloc(self->len, 0);
	ASSERT_NE(MAP_FAILED, self->p);
}

FIXTURE_TEARDOWN(mapping)
{
	if (self->p && self->p != MAP_FAILED)
		munmap(self->p, self->len);
}

/* Nothing is committed by the call or by reads; each first write commits one page. */
TEST_F(mapping, commits_only_written_pages)
{
	struct zamora_proc_mem_stats before, after;
	long kb = page_size() / 1024;
	unsigned long sum = 0;
	size_t i;

	ASSERT_EQ(1, stats_process(getpid(), &before, 1, 0));
	EXPECT_EQ(0, smaps_rss_kb(self->p));
	for (i = 0; i < self->len; i += page_size())
		sum += self->p[i];
	EXPECT_EQ(0, sum);
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
	if (child == 0)
		/* Faults if the mapping is absent, as it must be. */
		_exit(self->p[0] + 100);
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

	if (!have_usac())
		SKIP(return, NO_USAC);
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
	long size, rss;
	int tries;

	if (!have_usac())
		SKIP(return, NO_USAC);
	for (tries = 0; tries < 100; tries++) {
		size = status_kb("VmSize");
		rss = status_kb("VmRSS");
		ASSERT_EQ(1, stats_process(getpid(), &s, 1, 0));
		if (size == status_kb("VmSize") && rss == status_kb("VmRSS"))
			break;
	}
	ASSERT_LT(tries, 100) TH_LOG("/proc/self/status never held still");
	EXPECT_EQ(getpid(), s.pid);
	EXPECT_EQ(size, s.reserved_kb);
	EXPECT_EQ(rss, s.committed_kb);
	EXPECT_EQ(0, s.flags);
}

#define SLEEPERS 3

/*
 * As pid 1 of a new namespace with three sleeping children (no address space
 * shared, no thread group without its leader): the global sums are those of
 * the listing, taken while two equal listings surround the call. Returns 0,
 * or which check failed.
 */
static int global_is_the_sum_of_a_listing(void)
{
	struct zamora_proc_mem_stats a[SLEEPERS + 2], b[SLEEPERS + 2];
	struct zamora_global_mem_stats g;
	pid_t sleepers[SLEEPERS];
	__u64 reserved, committed;
	int i, tries, ret = 0;
	long n;

	for (i = 0; i < SLEEPERS; i++) {
		sleepers[i] = fork();
		if (sleepers[i] == 0)
			for (;;)
				pause();
	}
	/* The buffers are committed before the first call changes this process's RSS. */
	memset(a, 1, sizeof(a));
	memset(b, 1, sizeof(b));
	for (tries = 0; tries < 100; tries++) {
		n = stats_process(0, a, SLEEPERS + 2, 0);
		if (stats_global(&g, 0) || n != SLEEPERS + 1) {
			ret = 10;
			break;
		}
		if (stats_process(0, b, SLEEPERS + 2, 0) == n && !memcmp(a, b, n * sizeof(*a)))
			break;
	}
	if (!ret && tries == 100)
		ret = 11;
	for (i = 0, reserved = committed = 0; !ret && i < n; i++) {
		reserved += a[i].reserved_kb;
		committed += a[i].committed_kb;
	}
	if (!ret && (g.nr_processes != n || g.reserved_kb != reserved ||
		     g.committed_kb != committed || g.nr_hidden))
		ret = 12;
	for (i = 0; i < SLEEPERS; i++)
		kill(sleepers[i], SIGKILL);
	return ret;
}

TEST(global_is_the_sum_of_the_listing)
{
	if (!have_usac())
		SKIP(return, NO_USAC);
	EXPECT_EQ(0, in_new_pid_namespace(global_is_the_sum_of_a_listing))
		TH_LOG("10: call failed or not 4 processes, 11: never still, 12: sums differ");
}

/* The first process of a new namespace lists itself, as pid 1, and nothing else. */
static int lists_only_itself(void)
{
	struct zamora_proc_mem_stats s[4];
	struct zamora_global_mem_stats g;

	if (stats_process(0, s, 4, 0) != 1 || s[0].pid != 1)
		return 1;
	if (stats_global(&g, 0) || g.nr_processes != 1)
		return 2;
	return 0;
}

TEST(listing_sees_only_its_pid_namespace)
{
	if (!have_usac())
		SKIP(return, NO_USAC);
	EXPECT_EQ(0, in_new_pid_namespace(lists_only_itself))
		TH_LOG("1: the listing, 2: the global sums show more than pid 1");
}

TEST_HARNESS_MAIN
