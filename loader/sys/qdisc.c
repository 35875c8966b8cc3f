// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* netem and tbf through libnl-route-3 (qdisc.h). */
#include <errno.h>
#include <linux/pkt_sched.h>
#include <stdint.h>

#include <netlink/netlink.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "sys/nl.h"
#include "sys/qdisc.h"

#define TBF_LATENCY_US 50000 /* what tbf queues, as time at the rate */
#define TBF_BURST_MIN  (4 * 1514)

static struct rtnl_qdisc *qdisc_new(int ifindex, uint32_t parent, uint32_t handle, const char *kind)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();

	if (!q)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	if (rtnl_tc_set_kind(TC_CAST(q), kind)) {
		rtnl_qdisc_put(q);
		return NULL;
	}
	return q;
}

/* tbf at the root, handle 1:, its one class 1:1 for netem. */
static int tbf_add(struct nl_sock *sk, int ifindex, uint64_t rate_bps)
{
	struct rtnl_qdisc *q = qdisc_new(ifindex, TC_H_ROOT, TC_HANDLE(1, 0), "tbf");
	int bytes = (int)(rate_bps / 8), burst = bytes / 500, err;

	if (!q)
		return -ENOMEM;
	if (burst < TBF_BURST_MIN)
		burst = TBF_BURST_MIN;
	rtnl_qdisc_tbf_set_rate(q, bytes, burst, 0);
	err = nl_errno(rtnl_qdisc_tbf_set_limit_by_latency(q, TBF_LATENCY_US));
	if (!err)
		err = nl_errno(rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE));
	rtnl_qdisc_put(q);
	return err == -ENOENT ? -EOPNOTSUPP : err; /* the kernel knows no such kind */
}

int qdisc_impair_set(struct nl_sock *sk, int ifindex, const struct qdisc_impair *im)
{
	uint32_t parent = TC_H_ROOT, handle = TC_HANDLE(1, 0);
	struct rtnl_qdisc *q;
	int err;

	if (im->rate_bps) {
		err = tbf_add(sk, ifindex, im->rate_bps);
		if (err)
			return err;
		parent = TC_HANDLE(1, 1);
		handle = TC_HANDLE(10, 0);
	}
	if (!im->delay_us && !im->loss_ppm)
		return 0; /* a rate only: tbf alone */
	q = qdisc_new(ifindex, parent, handle, "netem");
	if (!q)
		return -ENOMEM;
	rtnl_netem_set_delay(q, (int)im->delay_us);
	rtnl_netem_set_jitter(q, (int)im->jitter_us);
	/* the kernel's probability: UINT32_MAX is 100% (tc's get_percent) */
	rtnl_netem_set_loss(q, (int)(uint32_t)((uint64_t)im->loss_ppm * UINT32_MAX / 1000000));
	rtnl_netem_set_limit(q, 10000);
	err = nl_errno(rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE));
	rtnl_qdisc_put(q);
	return err == -ENOENT ? -EOPNOTSUPP : err;
}
