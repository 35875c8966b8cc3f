/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a zero field of the config means, one rule for the BPF side and the
 * loader: how long an idle flow lives (bpf/lib/ct.h decides expiry with it,
 * `nsbpf nat list` shows what is left of it), how many flows the tables
 * hold, and the SNAT port range. The loader writes its values from the
 * topology file, whose own defaults are these (loader/topo resolves them
 * once); a config of zeroes (the selftests' own) gets them here.
 */
#ifndef NSBPF_CT_H
#define NSBPF_CT_H

#include "nsbpf_maps.h"

#ifdef __bpf__
#define __NSB_CT_INLINE static __always_inline
#else
#define __NSB_CT_INLINE static inline
#endif /* __bpf__ */

__NSB_CT_INLINE __u64 __nsb_or(__u64 v, __u64 dflt)
{
	return v ? v : dflt;
}

/* The timeout of a flow of proto in state (enum nsb_ct_state), from cfg or the default. */
__NSB_CT_INLINE __u64 nsb_ct_timeout(const struct nsb_config *cfg, __u8 proto, __u8 state)
{
	if (proto == 6 /* IPPROTO_TCP */) {
		switch (state) {
		case NSB_CT_ESTABLISHED:
			return __nsb_or(cfg->tmo_tcp_est, NSB_TMO_TCP_EST);
		case NSB_CT_CLOSING:
			return __nsb_or(cfg->tmo_tcp_closing, NSB_TMO_TCP_CLOSING);
		case NSB_CT_CLOSED:
			return __nsb_or(cfg->tmo_tcp_closed, NSB_TMO_TCP_CLOSED);
		default:
			return __nsb_or(cfg->tmo_tcp_syn, NSB_TMO_TCP_SYN);
		}
	}
	if (proto == 17 /* IPPROTO_UDP */)
		return state == NSB_CT_NEW ? __nsb_or(cfg->tmo_udp_new, NSB_TMO_UDP_NEW) :
					     __nsb_or(cfg->tmo_udp, NSB_TMO_UDP);
	return __nsb_or(cfg->tmo_icmp, NSB_TMO_ICMP);
}

/* ct and nat_ports entries */
__NSB_CT_INLINE __u32 nsb_ct_max(const struct nsb_config *cfg)
{
	return cfg->ct_max ? cfg->ct_max : NSB_CT_DEFAULT_SIZE;
}

/* The SNAT source ports, inclusive, host order. */
__NSB_CT_INLINE __u16 nsb_snat_port_min(const struct nsb_config *cfg)
{
	return cfg->snat_port_min ? cfg->snat_port_min : NSB_SNAT_PORT_MIN;
}

__NSB_CT_INLINE __u16 nsb_snat_port_max(const struct nsb_config *cfg)
{
	return cfg->snat_port_max ? cfg->snat_port_max : NSB_SNAT_PORT_MAX;
}

#endif /* NSBPF_CT_H */
