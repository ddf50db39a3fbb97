# usac-mm: build, boot and test a Rust-for-Linux kernel (6.12 or 7.3) with the usac memory syscalls.
# Everything runs through scripts/; see README.md. Variables (all optional):
#   LINUX=6.12|7.3    the kernel: Debian's linux-source-6.12 (default) or linux-source-7.3
#   ARCH=x86|arm64    the architecture built and booted (default x86, i.e. x86_64; arm64 is
#                     cross-built and runs on QEMU's virt machine)
#   KERNEL_SRC=/path/to/linux  use that tree (of version LINUX) instead of Debian's (it gets patched)
#   BUILD_DIR=dir     where sources, kernel objects, initramfs and logs go   (default: ./build)
#   PROFILE=default   kernel config profile (scripts/profiles.tsv: default, debug, nousac, distro;
#                     own object directory each)
#   ACCEL=tcg|kvm     QEMU accelerator (default tcg; kvm only where the host's KVM boots a stock kernel;
#                     tcg-single: one host thread for every vCPU)
#   JOBS=N            parallel kernel build jobs (default: CPUs + 1)
#   CMD='...'         shell command to run in the VM instead of the default (run, test, shell)
#   EXTRA='files'     host files (e.g. your own static binary) copied to /usr/local/bin in the VM
#   TIMEOUT=seconds   hard limit on one VM run
#   KPARAMS='...'     extra kernel command-line parameters for the VM (e.g. init_on_alloc=0)
#   VM_CPUS=N         the VM's CPUs: 1 (one NUMA node), or an even number, half on each of two nodes (default 2)

BUILD_DIR ?= $(CURDIR)/build
export LINUX ARCH KERNEL_SRC BUILD_DIR PROFILE ACCEL JOBS EXTRA TIMEOUT CMD KPARAMS VM_CPUS

S := scripts

.PHONY: help setup kernel run test bench report mm-compare mutants shell deb system system-test check man patches info clean distclean

help:
	@sed -n 's/^## //p' $(firstword $(MAKEFILE_LIST))

## make run        build what changed, boot, run the demo (or CMD), show usac's kernel log lines
run: kernel
	@$(S)/run-vm.sh run "$${CMD:-usac-demo}"

## make test       host tests + kernel + VM selftests + KUnit; ends with `N passed, N failed`
test: setup
	@$(S)/test.sh

## make bench       run usac-bench in the VM (tamalloc vs mmap, stats vs the fastest /proc reader, latency); log in build/logs
bench: kernel
	@$(S)/bench.sh

## make report     boot, run the demo and the benchmarks (latency also on 1 and 8 vCPUs), write build/report/$$LINUX/REPORT.md with plots;
##                  SYSTEM=1: on the Debian system (make system), also memstat vs ps/top/smem and the kernel work per snapshot
report: setup
	@$(S)/report.sh

## make mm-compare the kernel's mm selftests: usac kernel vs nousac vs shim on all memory must match (PROFILE=distro: + KSM, HMM...)
mm-compare: setup
	@$(S)/mm-compare.sh

## make mutants    build each mutants/*.patch (a deliberate bug); the suite must fail on every one
mutants: setup
	@$(S)/mutants.sh

## make shell      interactive busybox shell in the VM (exit with `reboot -f` or Ctrl-A X)
shell: kernel
	@INTERACTIVE=1 $(S)/run-vm.sh shell "$${CMD:-setsid cttyhack sh -l}"

## make deb        Debian packages of the kernel (Debian's config, bindeb-pkg) and of the tools, in build/deb/$$LINUX
deb: setup
	@$(S)/deb.sh

## make system     a Debian 12 system (mmdebstrap, systemd, our packages via apt) booted by the kernel; CMD runs a command
system: setup
	@$(S)/system.sh

## make system-test memstat against ps, the oom files, free and smem on that Debian system; console-checked like make test
system-test: setup
	@$(S)/system.sh --test

## make check      rustfmt, clippy (kernel CLIPPY=1 and userspace), checkpatch --strict, man page lint
check: setup
	@$(S)/check.sh

## make man        render the manual pages (man/man2, and memstat(1)/tamalloc-demo(1) generated) to build/man
man:
	@$(S)/man.sh

## make patches    the whole patch set, shared files included, as git format-patch mails in $(BUILD_DIR)/patches-$$LINUX
patches:
	@$(S)/make-patches.sh

## make info       kernel version, paths and tool versions in use
info:
	@$(S)/info.sh

## make setup      install missing packages (apt) and bindgen (cargo); a no-op when all is there
setup:
	@$(S)/setup-toolchain.sh

## make kernel     patch the tree and build the kernel image (incremental)
kernel: setup
	@$(S)/build-kernel.sh

## make clean      remove kernel objects, initramfs, logs and userspace build output (keep sources)
clean:
	rm -rf $(BUILD_DIR)/kbuild-* $(BUILD_DIR)/initramfs* $(BUILD_DIR)/logs $(BUILD_DIR)/patches-* $(BUILD_DIR)/deb $(BUILD_DIR)/system
	cd userspace-tests && cargo clean

## make distclean  remove the whole build directory (extracted sources included)
distclean: clean
	rm -rf $(BUILD_DIR)
