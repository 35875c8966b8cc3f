// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Window tracking with one direction's segments on two CPUs at once
 * (lib/tcp_win.h). A node's TCP sends from its process and from the
 * softirq that took an ACK, and each CPU runs its own backlog, so from_node
 * tracks one flow's data on both CPUs together. Every field of a side only
 * ever moves forward; a plain check-then-store let one CPU write back a
 * smaller "end" than the other had just written, and the remote's ACK of
 * the newer data was then dropped as acking data never sent (tcp_window
 * drops under iperf3, 2026-12-05).
 *
 * Two threads, one pinned to each CPU, run from_node on the same
 * established masqueraded flow, each sending the next byte of the stream
 * in turn (a shared counter: their segments stay adjacent, so that both
 * move the same end at once), and after every run read the flow's entry:
 * the node's end must be at or past the end of the segment the thread has
 * just sent.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "nat_table.h"

#define RACE_PORT 62300
#define RACE_RUNS 100000 /* per thread */

/* Linux's SYN options, window scale 7: the remote's window holds every byte sent */
static const uint8_t race_opts[20] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0,
				       0, 0, 0, 0,    0, 0, 1, 3,  3, 7 };

/* the next byte to send, taken by both threads in turn: their segments stay adjacent */
static uint32_t race_next;

struct race_thread {
	const struct st_env *env;
	int cpu;	 /* pinned there */
	long runs;	 /* redirected, as they must be */
	long moved_back; /* the entry's end behind a segment already sent */
	long other;	 /* a run that failed or was not redirected */
};

static bool race_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static void *race_run(void *arg)
{
	struct race_thread *t = arg;
	struct nsb_ct_key k = {
		.saddr = htonl(EARTH_IP),
		.daddr = htonl(REMOTE_IP),
		.sport = htons(RACE_PORT),
		.dport = htons(80),
		.proto = IPPROTO_TCP,
	};

	if (!race_pin(t->cpu)) {
		t->other++;
		return NULL;
	}
	for (long i = 0; i < RACE_RUNS; i++) {
		uint32_t seq = TCP_ISN + 1 + __atomic_fetch_add(&race_next, 1, __ATOMIC_RELAXED);
		struct frame f = { OUT_TCP(earth, RACE_PORT, REMOTE_IP, 80, ACK | TCPF_PSH),
				   .seq = seq, .payload_len = 1 };
		struct __sk_buff ctx = { .ingress_ifindex = EARTH_IF };
		struct pkt p;
		struct bpf_test_run_opts o = {
			.sz = sizeof(o),
			.ctx_in = &ctx,
			.ctx_size_in = sizeof(ctx),
			.repeat = 1,
		};
		struct nsb_ct_entry ce;

		if (!frame_build(&f, &p)) {
			t->other++;
			return NULL;
		}
		o.data_in = p.buf;
		o.data_size_in = (__u32)p.len;
		if (bpf_prog_test_run_opts(t->env->from_node_fd, &o) ||
		    (int32_t)o.retval != TC_ACT_REDIRECT ||
		    bpf_map_lookup_elem(t->env->ct_fd, &k, &ce)) {
			t->other++;
			continue;
		}
		t->runs++;
		if (seq_before(ce.tcp[0].end, seq + 1))
			t->moved_back++;
	}
	return NULL;
}

/*
 * The flow's handshake, as the real stacks send it: earth opens, the remote
 * answers, then acks with its scaled window (3.7 MB: room for every byte).
 */
static void race_handshake(const struct st_env *env, uint32_t uplink_if)
{
	const struct frame steps[] = {
		{ OUT_TCP(earth, RACE_PORT, REMOTE_IP, 80, SYN), .tcp_opts = race_opts,
		  .tcp_opts_len = sizeof(race_opts) },
		{ IN_TCP(REMOTE_IP, 80, RACE_PORT, SYNACK), .tcp_opts = race_opts,
		  .tcp_opts_len = sizeof(race_opts) },
		{ OUT_TCP(earth, RACE_PORT, REMOTE_IP, 80, ACK) },
		/* a SYN-ACK's window is never scaled: the remote's next segment opens it */
		{ IN_TCP(REMOTE_IP, 80, RACE_PORT, ACK) },
	};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		bool in = i == 1 || i == 3;
		struct st_result r;
		struct pkt p;

		cr_assert(frame_build(&steps[i], &p), "build handshake frame %zu", i);
		st_run(env, in ? env->from_uplink_fd : env->from_node_fd, &p,
		       in ? uplink_if : EARTH_IF, &r);
		cr_assert(!r.err && (int32_t)r.retval == TC_ACT_REDIRECT,
			  "handshake frame %zu: err %d, verdict %d", i, r.err, (int32_t)r.retval);
	}
}

Test(tcp_race, one_direction_on_two_cpus_never_moves_back)
{
	static const struct nat_table t = { .name = "tcp_race" };
	struct race_thread th[2] = { 0 };
	pthread_t tid[2];
	struct st_env env;
	uint32_t uplink_if;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cr_skip_test("needs two CPUs");
	st_case = "two CPUs, one direction";
	uplink_if = nat_env_setup(&env, &t);
	race_handshake(&env, uplink_if);
	for (int i = 0; i < 2; i++) {
		th[i].env = &env;
		th[i].cpu = i;
		cr_assert(!pthread_create(&tid[i], NULL, race_run, &th[i]), "thread %d", i);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	for (int i = 0; i < 2; i++) {
		cr_expect_eq(th[i].other, 0, "CPU %d: %ld runs failed or were not redirected", i,
			     th[i].other);
		cr_expect_eq(th[i].runs, RACE_RUNS, "CPU %d: %ld of %d runs", i, th[i].runs,
			     RACE_RUNS);
		cr_expect_eq(
			th[i].moved_back, 0,
			"CPU %d: the node's end moved back behind its segment %ld times in %ld", i,
			th[i].moved_back, th[i].runs);
	}
	{
		struct nsb_ct_key k = { .saddr = htonl(EARTH_IP),
					.daddr = htonl(REMOTE_IP),
					.sport = htons(RACE_PORT),
					.dport = htons(80),
					.proto = IPPROTO_TCP };
		struct nsb_ct_entry ce;

		cr_assert(!bpf_map_lookup_elem(env.ct_fd, &k, &ce), "the flow's entry");
		cr_expect_eq(ce.tcp[0].end, TCP_ISN + 1 + race_next,
			     "the node's end: %#x, want %#x (every byte sent)", ce.tcp[0].end,
			     TCP_ISN + 1 + race_next);
	}
	st_close(&env);
}
