/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one rule for how long an idle flow lives, included by the BPF side
 * (bpf/lib/ct.h decides expiry with it) and the loader (`nsbpf nat list`
 * shows what is left of it, and fills the config's defaults from it).
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

#endif /* NSBPF_CT_H */
