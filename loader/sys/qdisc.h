/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Impairments on an interface's egress through libnl: the kernel's netem
 * (delay, jitter, loss) as the root qdisc, or under a tbf root when a rate
 * is asked (netem's own rate is per packet and not in libnl). They go with
 * the device: nothing to journal.
 */
#ifndef NSBPF_SYS_QDISC_H
#define NSBPF_SYS_QDISC_H

#include <stdint.h>

struct nl_sock;

struct qdisc_impair {
	uint32_t delay_us;
	uint32_t jitter_us;
	uint32_t loss_ppm; /* 1000000: every packet */
	uint64_t rate_bps; /* 0: no limit; at most 10 Gbit/s (tbf's 32-bit bytes/s) */
};

/*
 * Replace ifindex's root qdisc with the impairments: 0 or -errno
 * (-EOPNOTSUPP: the kernel has no netem, or no tbf: CONFIG_NET_SCH_*).
 */
int qdisc_impair_set(struct nl_sock *sk, int ifindex, const struct qdisc_impair *im);

#endif /* NSBPF_SYS_QDISC_H */
