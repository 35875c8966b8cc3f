/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every selftest needs: the node and uplink skeletons opened with the
 * trace switch and sharing their maps (as the loader's pins make them
 * share), BPF_PROG_TEST_RUN with a chosen ingress interface, the trace and
 * stats maps read back, and named asserts that return bool so a table loop
 * can `continue` past a failed case and report the next one.
 */
#ifndef NSBPF_SELFTESTS_HARNESS_H
#define NSBPF_SELFTESTS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nsbpf_maps.h"
#include "pkt.h"

/*
 * TC_ACT_UNSPEC is "next" (TCX_NEXT): what the programs return for every
 * packet they let through, so that the programs after them see it too; they
 * never return TC_ACT_OK (bpf/lib/verdict.h). Compare verdicts as int32_t:
 * the run's retval is unsigned.
 */
#define TC_ACT_UNSPEC	(-1)
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define TC_ACT_REDIRECT 7

struct nsbpf_node;
struct nsbpf_uplink;
struct nsbpf_sock;

struct st_env {
	struct nsbpf_node *skel;
	struct nsbpf_uplink *uskel; /* its maps are the node object's */
	struct nsbpf_sock *sskel;   /* the cgroup hooks; the node object's maps too */
	struct bpf_object *obj, *uobj, *sobj;
	int from_node_fd, to_node_fd; /* after st_load() */
	int from_uplink_fd, to_uplink_fd;
	int endpoints_fd, networks_fd, stats_fd, trace_fd;
	int config_fd, ct_fd, nat_ports_fd, host_addrs_fd, frags_fd;
	int forwards_fd, sock_orig_fd, fwd_ports_fd, routes_fd, remotes_fd;
	int gc_fd;	 /* the collector's program (lib/ct_gc.h) */
	uint32_t ct_max; /* set before st_load(): ct and nat_ports size */
	int ncpus;
};

struct st_result {
	int err;	   /* bpf_prog_test_run_opts() */
	uint32_t retval;   /* the program's verdict */
	uint32_t duration; /* ns, as the kernel measured the run */
	uint8_t out[PKT_MAX + 64];
	uint32_t out_len;
	struct nsb_trace trace;
};

/* The case being checked: every assert message starts with it. */
extern const char *st_case;

/* Skips the calling test, saying why, unless the process may load tc programs. */
void st_require_bpf(void);

/* Opens the three skeletons and sets nsb_trace_enabled; asserts on failure. */
void st_open(struct st_env *env, bool trace);
/* Loads them (the uplink and sock objects reusing the node object's maps), fills the fds. */
void st_load(struct st_env *env);
void st_close(struct st_env *env);

/* st_open() + st_load() + the lab's map entries. */
void st_setup(struct st_env *env, bool trace);

/*
 * A forward written or deleted as `nsbpf forward add/del` does it
 * (lab/fwd_flows.h): its port marked in fwd_ports before it goes in; after
 * a change, st_forwards_changed() syncs the bitmap and ends the flows of
 * forwards that are gone or lead elsewhere. put: bpf_map_update_elem()'s
 * result (flags BPF_ANY or BPF_NOEXIST); changed: how many flows ended.
 */
int st_forward_put(const struct st_env *env, const struct nsb_fwd_key *k,
		   const struct nsb_fwd_val *v, __u64 flags);
void st_forward_del(const struct st_env *env, const struct nsb_fwd_key *k);
size_t st_forwards_changed(const struct st_env *env);
/* Set the fwd_ports bit of proto/port (specific: a forward for one host address). */
void st_fwd_ports_mark6(const struct st_env *env, __u8 proto, __u16 port, bool specific);

/* addr_filter from the networks and host_addrs maps, as the loader writes it after filling them. */
void st_addr_filter(const struct st_env *env);

/* One collector pass (and its timer armed), as the loader does at up: 0 or its error. */
int st_gc(const struct st_env *env);

/*
 * Set: every st_run() hands the frame in as a NIC's CHECKSUM_COMPLETE skb
 * (BPF_F_TEST_SKB_CHECKSUM_COMPLETE): the kernel sums the packet again after
 * the run and fails it (EBADMSG) when skb->csum no longer matches what the
 * program left. On a kernel without the flag (before 6.12) the test is
 * skipped, saying so. Each test runs in its own process: it stays with it.
 */
extern bool st_csum_complete;

/* One BPF_PROG_TEST_RUN (repeat 1) of pkt, with skb->ingress_ifindex = ingress. */
int st_run(const struct st_env *env, int prog_fd, const struct pkt *in, uint32_t ingress,
	   struct st_result *r);

/*
 * The uplink for bpf_check_mtu() and bpf_redirect_neigh(): a veth
 * ("nsbst-up", peer "nsbst-world") of MTU ST_UPLINK_MTU, created once in the
 * selftests' private netns. Its ifindex; skips the test, saying why, in the
 * machine's initial netns (run the selftests under unshare --net).
 */
#define ST_UPLINK_MTU 1400
int st_uplink(void);

/* stats summed over the CPUs, NSB_STAT_MAX slots. */
void st_stats(const struct st_env *env, struct nsb_counter *sum);

/* "node_to_node", "drop:spoof_ip", ... */
const char *st_slot_name(uint32_t slot);

/*
 * A step's stats from before and after it: counted once under stat, len
 * bytes; stat UINT32_MAX (the tables' NOT_COUNTED): no slot counted it.
 */
bool st_check_stats(uint32_t stat, const struct nsb_counter *before,
		    const struct nsb_counter *after, size_t len);

/*
 * The trace map's record of a step counted under stat: its path (or drop
 * reason), redirect ifindex and flags; stat UINT32_MAX: nothing traced.
 */
bool st_check_trace(uint32_t stat, uint32_t redirect, uint32_t flags, const struct nsb_trace *t);

/*
 * One row of the IPv6 benches (bench6_prog.c, bench_nat66.c): p run through
 * fd as if arriving on ingress, 1000 times to warm caches and maps, then n
 * times timed; the row (st_case's name, prog's mean and the syscall's) is
 * printed only if every run gave verdict and was counted n times under slot
 * (NSB_STAT_MAX: under none, the host's).
 */
void st_bench_row(struct st_env *env, int fd, const struct pkt *p, uint32_t ingress,
		  int32_t verdict, uint32_t slot, long n);

/* Named asserts: non-fatal (cr_expect), true when they hold. */
#define ASSERT_TRUE(cond, what)                             \
	({                                                  \
		bool __ok = (cond);                         \
		cr_expect(__ok, "%s: %s", st_case, (what)); \
		__ok;                                       \
	})

#define ASSERT_EQ(got, want, what)                                                              \
	({                                                                                      \
		long long __got = (long long)(got), __want = (long long)(want);                 \
		bool __ok = __got == __want;                                                    \
		cr_expect(__ok, "%s: %s: got %lld, want %lld", st_case, (what), __got, __want); \
		__ok;                                                                           \
	})

/* Byte-for-byte, with both packets in hex on failure. */
bool st_assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len,
		     const char *what);

#endif /* NSBPF_SELFTESTS_HARNESS_H */
