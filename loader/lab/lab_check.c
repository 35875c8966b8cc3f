// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What up checks in the lab's host netns before it creates anything: the
 * file against what the host has (topo_check_host(): the uplink, subnets
 * and gateways; the forwards through fwd_check_host(), the very check of
 * `nsbpf forward add`), and a warning when the host forwards IPv4 (or IPv6,
 * for a dual-stack lab).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/port_fwd_map.h"
#include "topo/port_fwd_spec.h"
#include "lab/lab.h"
#include "lab/lab_up.h"
#include "util/log.h"
#include "sys/nl.h"
#include "nsbpf_maps.h"

#define UPLINK_ADDRS_MAX 64
#define GATEWAYS_MAX	 64

struct fwd_ctx {
	struct fwd_host *host;
	bool force;
};

static int check_fwd(const struct topo *t, size_t i, void *arg, char *err, size_t len)
{
	const struct fwd_ctx *fc = arg;
	struct fwd_spec f;

	fwd_spec_from_topo(t, i, &f);
	return fwd_check_host(fc->host, &f, fc->force, err, len);
}

/* A dual-stack lab on a host that forwards IPv6: the same warning, for IPv6. */
static void warn_forwarding6(const struct topo *t)
{
	char val[8] = "";
	bool v6 = false;
	FILE *f;

	for (size_t i = 0; i < t->n_networks; i++)
		v6 |= topo_net_has_v6(&t->networks[i]);
	f = v6 ? fopen("/proc/sys/net/ipv6/conf/all/forwarding", "re") : NULL;
	if (!f)
		return;
	if (!fgets(val, sizeof(val), f))
		val[0] = '\0';
	fclose(f);
	if (atoi(val))
		pr_warn("warning: this host forwards IPv6 (net.ipv6.conf.all.forwarding=1): the datapath drops lab sources leaving the uplink, but the host routes whatever it is given\n");
}

/* The host routes what reaches its stack; say so once, it is the host's choice. */
static void warn_forwarding(void)
{
	static const char *const knobs[] = {
		"/proc/sys/net/ipv4/ip_forward",
		"/proc/sys/net/ipv4/conf/all/forwarding",
	};
	char val[8];
	FILE *f;

	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		f = fopen(knobs[i], "re");
		if (!f)
			continue;
		if (!fgets(val, sizeof(val), f))
			val[0] = '\0';
		fclose(f);
		if (atoi(val) == 0)
			continue;
		pr_warn("warning: this host forwards IPv4 (net.ipv4.%s=1): the datapath drops lab sources leaving the uplink, but the host routes whatever it is given\n",
			i ? "conf.all.forwarding" : "ip_forward");
		return;
	}
}

/* The uplink's global IPv6 addresses (into u6). */
static int read_uplink6(struct nl_sock *sk, int ifindex, struct topo_host *h,
			struct topo_host_addr6 u6[UPLINK_ADDRS6_MAX])
{
	struct nl_v6addr raw[UPLINK_ADDRS6_MAX];
	int n = nl_ipv6_global_addrs_dev(sk, ifindex, raw, UPLINK_ADDRS6_MAX);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		u6[i] = (struct topo_host_addr6){ raw[i].ip, raw[i].prefix };
	h->uplink_addrs6 = u6;
	h->n_uplink_addrs6 = (size_t)n;
	return 0;
}

/* The uplink as the host has it: missing, its type, its IPv4 addresses (into uaddrs). */
static int read_uplink(struct nl_sock *sk, const char *uplink, struct topo_host *h,
		       struct topo_host_addr uaddrs[UPLINK_ADDRS_MAX],
		       struct topo_host_addr6 u6[UPLINK_ADDRS6_MAX])
{
	struct nl_v4addr raw[UPLINK_ADDRS_MAX];
	struct nl_link_info info;
	int n = 0, err;

	err = nl_link_get(sk, uplink, &info);
	h->uplink_missing = err == -ENODEV;
	if (err && err != -ENODEV)
		return err;
	h->uplink_type = info.arptype;
	h->uplink_kind = info.kind;
	if (!h->uplink_missing)
		n = nl_ipv4_addrs_dev(sk, info.ifindex, raw, UPLINK_ADDRS_MAX);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		uaddrs[i] = (struct topo_host_addr){ raw[i].ip, raw[i].prefix };
	h->uplink_addrs = uaddrs;
	h->n_uplink_addrs = (size_t)n;
	return h->uplink_missing ? 0 : read_uplink6(sk, info.ifindex, h, u6);
}

/* What the host has for the file's forwards, the lab's gateways counted in. */
static int read_fwd_host(const struct topo *t, struct fwd_ctx *fc)
{
	int err = 0;

	fc->host = fwd_host_read();
	if (!fc->host)
		return -errno;
	/* The lab's gateways are the host's too once it is up. */
	for (size_t i = 0; !err && i < t->n_networks; i++)
		if (topo_net_has_v4(&t->networks[i])) /* IPv6-only: no IPv4 gateway */
			err = fwd_host_add_addr(fc->host, t->networks[i].gateway);
	return err;
}

int lab_check_host(struct nl_sock *sk, const struct topo *t, const char *uplink, bool force,
		   struct topo_errors *problems, struct err_msg *e)
{
	struct topo_host_addr uaddrs[UPLINK_ADDRS_MAX];
	struct topo_host_addr6 u6[UPLINK_ADDRS6_MAX];
	uint32_t gws[GATEWAYS_MAX];
	struct topo_host h = { .uplink = uplink };
	struct fwd_ctx fc = { .force = force };
	int n, err = 0;

	if (uplink[0])
		err = read_uplink(sk, uplink, &h, uaddrs, u6);
	if (err)
		goto fail;
	n = nl_default_gateways(sk, gws, GATEWAYS_MAX);
	if (n < 0) {
		err = n;
		goto fail;
	}
	h.gateways = gws;
	h.n_gateways = (size_t)n;
	if (t->n_forwards) {
		err = read_fwd_host(t, &fc);
		if (err)
			goto fail;
		h.fwd_check = check_fwd;
		h.fwd_arg = &fc;
	}
	err = topo_check_host(t, &h, problems);
	if (err == -EINVAL)
		goto out;
	if (err)
		goto fail;
	warn_forwarding();
	warn_forwarding6(t);
	goto out;
fail:
	err_set(e, err, "%s: checking it against this host: %s", t->path, strerror(-err));
out:
	fwd_host_free(fc.host);
	return err;
}
