// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The selftest harness (harness.h). The only file that includes the
 * skeletons, so their embedded objects are linked in once.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <bpf/bpf.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "harness.h"
#include "lab/fill.h"
#include "lab/fwd_flows.h"
#include "labs.h"
#include "node.skel.h"
#include "uplink.skel.h"
#include "sock.skel.h"

const char *st_case = "";

static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

#define NO_BPF_WHY                                                       \
	"needs CAP_BPF and CAP_NET_ADMIN (or CAP_SYS_ADMIN) to load tc " \
	"programs: run as root, unshare --net .output/selftests/selftests"

void st_require_bpf(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		cr_skip_test("capget: %s; cannot tell whether BPF may be loaded", strerror(errno));
	/* loading sched_cls needs CAP_BPF + CAP_NET_ADMIN, or CAP_SYS_ADMIN */
	if (!has_cap(data, CAP_SYS_ADMIN) &&
	    !(has_cap(data, CAP_BPF) && has_cap(data, CAP_NET_ADMIN))) {
		/* Criterion shows skip reasons only with --verbose: say it anyway */
		fprintf(stderr, "[SKIP] %s: %s\n", criterion_current_test->name, NO_BPF_WHY);
		cr_skip_test("%s", NO_BPF_WHY);
	}
}

/* libbpf stays quiet but for warnings, which carry a failed load's verifier log. */
static int st_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void st_open(struct st_env *env, bool trace)
{
	memset(env, 0, sizeof(*env));
	st_require_bpf();
	libbpf_set_print(st_libbpf_print);
	env->skel = nsbpf_node__open();
	cr_assert(env->skel, "open the node skeleton: %s", strerror(errno));
	env->skel->rodata->nsb_trace_enabled = trace;
	env->obj = env->skel->obj;
	env->uskel = nsbpf_uplink__open();
	cr_assert(env->uskel, "open the uplink skeleton: %s", strerror(errno));
	env->uskel->rodata->nsb_trace_enabled = trace;
	env->uobj = env->uskel->obj;
	env->sskel = nsbpf_sock__open();
	cr_assert(env->sskel, "open the sock skeleton: %s", strerror(errno));
	env->sobj = env->sskel->obj;
}

/* Another object takes every map of the node object's, trace included. */
static void share_maps(struct st_env *env, struct bpf_object *obj)
{
	struct bpf_map *m, *from;
	int err;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__is_internal(m))
			continue;
		from = bpf_object__find_map_by_name(env->obj, bpf_map__name(m));
		cr_assert(from, "the node object has no map %s", bpf_map__name(m));
		err = bpf_map__reuse_fd(m, bpf_map__fd(from));
		cr_assert(err == 0, "reuse map %s: %s", bpf_map__name(m), strerror(-err));
	}
}

void st_load(struct st_env *env)
{
	int err;

	if (env->ct_max) {
		/* ct, nat_ports and their IPv6 twins: one size, as the loader makes them */
		struct bpf_map *const ct_maps[] = { env->skel->maps.ct, env->skel->maps.nat_ports,
						    env->skel->maps.ct6,
						    env->skel->maps.nat_ports6 };

		for (size_t i = 0; i < sizeof(ct_maps) / sizeof(ct_maps[0]); i++)
			cr_assert(!bpf_map__set_max_entries(ct_maps[i], env->ct_max), "resize %s",
				  bpf_map__name(ct_maps[i]));
	}
	err = nsbpf_node__load(env->skel);

	cr_assert(err == 0, "load the node skeleton: %s", strerror(-err));
	share_maps(env, env->uobj);
	err = nsbpf_uplink__load(env->uskel);
	cr_assert(err == 0, "load the uplink skeleton: %s", strerror(-err));
	share_maps(env, env->sobj);
	err = nsbpf_sock__load(env->sskel);
	cr_assert(err == 0, "load the sock skeleton: %s", strerror(-err));
	env->from_uplink_fd = bpf_program__fd(env->uskel->progs.from_uplink);
	env->to_uplink_fd = bpf_program__fd(env->uskel->progs.to_uplink);
	env->config_fd = bpf_map__fd(env->skel->maps.config);
	env->ct_fd = bpf_map__fd(env->skel->maps.ct);
	env->nat_ports_fd = bpf_map__fd(env->skel->maps.nat_ports);
	env->host_addrs_fd = bpf_map__fd(env->skel->maps.host_addrs);
	env->frags_fd = bpf_map__fd(env->skel->maps.frags);
	env->forwards_fd = bpf_map__fd(env->skel->maps.forwards);
	env->fwd_ports_fd = bpf_map__fd(env->skel->maps.fwd_ports);
	env->sock_orig_fd = bpf_map__fd(env->skel->maps.sock_orig);
	env->routes_fd = bpf_map__fd(env->skel->maps.routes);
	env->remotes_fd = bpf_map__fd(env->skel->maps.remotes);
	env->from_node_fd = bpf_program__fd(env->skel->progs.from_node);
	env->to_node_fd = bpf_program__fd(env->skel->progs.to_node);
	env->gc_fd = bpf_program__fd(env->skel->progs.ct_gc);
	env->endpoints_fd = bpf_map__fd(env->skel->maps.endpoints);
	env->networks_fd = bpf_map__fd(env->skel->maps.networks);
	env->stats_fd = bpf_map__fd(env->skel->maps.stats);
	env->trace_fd = bpf_map__fd(env->skel->maps.trace);
	env->ncpus = libbpf_num_possible_cpus();
	cr_assert(env->ncpus > 0, "possible CPUs: %s", strerror(-env->ncpus));
}

void st_close(struct st_env *env)
{
	nsbpf_sock__destroy(env->sskel);
	env->sskel = NULL;
	nsbpf_uplink__destroy(env->uskel);
	nsbpf_node__destroy(env->skel);
	env->uskel = NULL;
	env->skel = NULL;
}

#define UPLINK_NAME "nsbst-up"
#define WORLD_NAME  "nsbst-world"

static bool in_initial_netns(void)
{
	struct stat self, init;

	/* /proc/1 is the machine's init unless we also have a pid namespace */
	return !stat("/proc/self/ns/net", &self) && !stat("/proc/1/ns/net", &init) &&
	       self.st_ino == init.st_ino && self.st_dev == init.st_dev;
}

int st_uplink(void)
{
	struct rtnl_link *veth, *peer;
	struct nl_sock *sk;
	int err, ifindex;

	if (in_initial_netns()) {
		fprintf(stderr, "[SKIP] %s: creates a veth: run under unshare --net\n",
			criterion_current_test->name);
		cr_skip_test("creates a veth: run under unshare --net");
	}
	ifindex = (int)if_nametoindex(UPLINK_NAME);
	if (ifindex > 0)
		return ifindex;
	sk = nl_socket_alloc();
	cr_assert(sk, "nl_socket_alloc");
	cr_assert(!nl_connect(sk, NETLINK_ROUTE), "connect rtnetlink");
	veth = rtnl_link_veth_alloc();
	cr_assert(veth, "rtnl_link_veth_alloc");
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(veth, UPLINK_NAME);
	rtnl_link_set_mtu(veth, ST_UPLINK_MTU);
	rtnl_link_set_name(peer, WORLD_NAME);
	err = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(veth);
	nl_socket_free(sk);
	/* another test process may have made it first */
	cr_assert(!err || err == -NLE_EXIST, "create veth %s: %s", UPLINK_NAME, nl_geterror(err));
	ifindex = (int)if_nametoindex(UPLINK_NAME);
	cr_assert(ifindex > 0, "%s: %s", UPLINK_NAME, strerror(errno));
	return ifindex;
}

void st_setup(struct st_env *env, bool trace)
{
	int err;

	st_open(env, trace);
	st_load(env);
	err = test_lab_install(&lab_planets, env->endpoints_fd, env->networks_fd);
	cr_assert(err == 0, "install lab %s: %s", lab_planets.topo->name, strerror(-err));
	st_addr_filter(env);
}

void st_addr_filter(const struct st_env *env)
{
	cr_assert(!lab_fill_addr_filter(bpf_map__fd(env->skel->maps.addr_filter), env->networks_fd,
					env->host_addrs_fd, env->routes_fd),
		  "addr_filter: %s", strerror(errno));
}

void st_fwd_ports_mark6(const struct st_env *env, __u8 proto, __u16 port, bool specific)
{
	int fd = bpf_map__fd(env->skel->maps.fwd_ports);
	__u32 word = NSB_FWD_PORT_WORD(proto, port, specific);
	__u64 bits = 0;

	cr_assert(!bpf_map_lookup_elem(fd, &word, &bits), "fwd_ports");
	bits |= 1ULL << (port % 64);
	cr_assert(!bpf_map_update_elem(fd, &word, &bits, BPF_ANY), "fwd_ports");
}

int st_forward_put(const struct st_env *env, const struct nsb_fwd_key *k,
		   const struct nsb_fwd_val *v, __u64 flags)
{
	cr_assert(!fwd_ports_mark(env->fwd_ports_fd, k), "fwd_ports: %s", strerror(errno));
	return bpf_map_update_elem(env->forwards_fd, k, v, flags);
}

void st_forward_del(const struct st_env *env, const struct nsb_fwd_key *k)
{
	bpf_map_delete_elem(env->forwards_fd, k);
}

size_t st_forwards_changed(const struct st_env *env)
{
	size_t gone = 0;

	cr_assert(!fwd_ports_sync(env->fwd_ports_fd, env->forwards_fd), "fwd_ports sync");
	cr_assert(!fwd_flows_sweep(env->ct_fd, env->nat_ports_fd, env->forwards_fd, &gone),
		  "the sweep of gone forwards' flows");
	return gone;
}

int st_gc(const struct st_env *env)
{
	uint8_t frame[14] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1);

	if (bpf_prog_test_run_opts(env->gc_fd, &opts))
		return -errno;
	return (int)opts.retval;
}

#ifndef BPF_F_TEST_SKB_CHECKSUM_COMPLETE /* an older linux/bpf.h */
#define BPF_F_TEST_SKB_CHECKSUM_COMPLETE (1U << 2)
#endif

bool st_csum_complete;

int st_run(const struct st_env *env, int prog_fd, const struct pkt *in, uint32_t ingress,
	   struct st_result *r)
{
	/* ingress_ifindex is taken as is; ifindex 0 makes the skb's device lo */
	struct __sk_buff ctx = { .ingress_ifindex = ingress };
	struct nsb_trace clean = {};
	__u32 zero = 0;
	struct bpf_test_run_opts opts = {
		.sz = sizeof(opts),
		.data_in = in->buf,
		.data_size_in = (__u32)in->len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	};

	memset(r, 0, sizeof(*r));
	if (st_csum_complete)
		opts.flags = BPF_F_TEST_SKB_CHECKSUM_COMPLETE;
	opts.data_out = r->out;
	opts.data_size_out = sizeof(r->out);
	if (bpf_map_update_elem(env->trace_fd, &zero, &clean, BPF_ANY))
		return r->err = -errno;
	r->err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (r->err == -EINVAL && opts.flags) {
		opts.flags = 0;
		opts.data_size_out = sizeof(r->out);
		if (!bpf_prog_test_run_opts(prog_fd, &opts))
			cr_skip_test("this kernel's BPF_PROG_TEST_RUN has no "
				     "BPF_F_TEST_SKB_CHECKSUM_COMPLETE (6.12 and later do)");
	}
	r->retval = opts.retval;
	r->duration = opts.duration;
	r->out_len = opts.data_size_out;
	if (bpf_map_lookup_elem(env->trace_fd, &zero, &r->trace) && !r->err)
		r->err = -errno;
	return r->err;
}

void st_stats(const struct st_env *env, struct nsb_counter *sum)
{
	struct nsb_counter percpu[env->ncpus];

	memset(sum, 0, NSB_STAT_MAX * sizeof(*sum));
	for (__u32 slot = 0; slot < NSB_STAT_MAX; slot++) {
		cr_assert(!bpf_map_lookup_elem(env->stats_fd, &slot, percpu), "read stats[%u]: %s",
			  slot, strerror(errno));
		for (int cpu = 0; cpu < env->ncpus; cpu++) {
			sum[slot].packets += percpu[cpu].packets;
			sum[slot].bytes += percpu[cpu].bytes;
		}
	}
}

const char *st_slot_name(uint32_t slot)
{
#define __ST_PATH_NAME(n, s, d) [NSB_PATH_##n] = s,
#define __ST_DROP_NAME(n, s, d) [NSB_STAT_DROP_BASE + NSB_DROP_##n] = "drop:" s,
	static const char *const names[NSB_STAT_MAX] = { NSB_PATH_LIST(__ST_PATH_NAME)
								 NSB_DROP_LIST(__ST_DROP_NAME) };

	if (slot >= NSB_STAT_MAX || !names[slot])
		return "(unnamed slot)";
	return names[slot];
}

bool st_assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len,
		     const char *what)
{
	char got_hex[1024], want_hex[1024];
	size_t at = 0;

	while (at < got_len && at < want_len && got[at] == want[at])
		at++;
	if (at == got_len && at == want_len)
		return true;
	pkt_hex(got, got_len, got_hex, sizeof(got_hex));
	pkt_hex(want, want_len, want_hex, sizeof(want_hex));
	cr_expect(false,
		  "%s: %s: differ at byte %zu (got %zu bytes, want %zu)\ngot:\n%s\nwant:\n%s",
		  st_case, what, at, got_len, want_len, got_hex, want_hex);
	return false;
}

/* st_check_stats(): harness.h */
bool st_check_stats(uint32_t stat, const struct nsb_counter *before,
		    const struct nsb_counter *after, size_t len)
{
	unsigned long long pkts = 0;

	for (int i = 0; i < NSB_STAT_MAX; i++)
		pkts += after[i].packets - before[i].packets;
	if (stat == UINT32_MAX)
		return ASSERT_EQ(pkts, 0, "no stats slot counted it");
	if (!ASSERT_EQ(pkts, 1, "counted exactly once") ||
	    !ASSERT_EQ(after[stat].packets - before[stat].packets, 1, st_slot_name(stat))) {
		for (int i = 0; i < NSB_STAT_MAX; i++)
			if (after[i].packets != before[i].packets)
				cr_log_error("%s: counted under %s", st_case, st_slot_name(i));
		return false;
	}
	return ASSERT_EQ(after[stat].bytes - before[stat].bytes, len, "bytes counted");
}

/* st_check_trace(): harness.h */
bool st_check_trace(uint32_t stat, uint32_t redirect, uint32_t flags, const struct nsb_trace *t)
{
	bool dropped = stat >= NSB_STAT_DROP_BASE && stat != UINT32_MAX;
	bool ok = true;

	if (stat == UINT32_MAX) {
		ok &= ASSERT_EQ(t->path, 0, "trace: no path (not traced)");
		ok &= ASSERT_EQ(t->redirect_ifindex, 0, "trace: no redirect");
		return ok & ASSERT_EQ(t->drop, NSB_DROP_NONE, "trace: no drop");
	}
	ok &= ASSERT_EQ(t->path, dropped ? 0 : stat + 1, "trace: path");
	ok &= ASSERT_EQ(t->drop, dropped ? stat - NSB_STAT_DROP_BASE : NSB_DROP_NONE,
			"trace: drop reason");
	ok &= ASSERT_EQ(t->redirect_ifindex, redirect, "trace: redirect ifindex");
	return ok & ASSERT_EQ(t->redirect_flags, flags, "trace: redirect flags");
}

/* st_bench_row(): harness.h */
void st_bench_row(struct st_env *env, int fd, const struct pkt *p, uint32_t ingress,
		  int32_t verdict, uint32_t slot, long n)
{
	struct nsb_counter before[NSB_STAT_MAX], after[NSB_STAT_MAX];
	struct __sk_buff ctx = { .ingress_ifindex = ingress };
	struct bpf_test_run_opts opts = {
		.sz = sizeof(opts),
		.data_in = p->buf,
		.data_size_in = (__u32)p->len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	};
	unsigned long long prog_ns = 0, counted = 0;
	struct timespec t0, t1;
	int err = 0;

	/* warm caches and the maps; for NAT66 the first segment out makes the flow */
	for (int w = 0; w < 1000; w++)
		bpf_prog_test_run_opts(fd, &opts);
	st_stats(env, before);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long k = 0; k < n; k++) {
		err = bpf_prog_test_run_opts(fd, &opts);
		if (err || (int32_t)opts.retval != verdict)
			break;
		prog_ns += opts.duration;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st_stats(env, after);
	for (int s = 0; s < NSB_STAT_MAX; s++)
		counted += after[s].packets - before[s].packets;
	if (!ASSERT_EQ(err, 0, "BPF_PROG_TEST_RUN") ||
	    !ASSERT_EQ((int32_t)opts.retval, verdict, "verdict") ||
	    !(slot == NSB_STAT_MAX ?
		      ASSERT_EQ(counted, 0, "not counted (the host's)") :
		      ASSERT_EQ(after[slot].packets - before[slot].packets, n, st_slot_name(slot))))
		return; /* no row: what ran was not the path the row names */
	fprintf(stderr, "  %-48s prog %6.1f ns/packet   syscall %7.1f ns (%zu bytes)\n", st_case,
		(double)prog_ns / n,
		((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n, p->len);
}
