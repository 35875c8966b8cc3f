/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 from a node to the outside world: NAT66 masquerade is helper
 * nat66's (branch nat66), which replaces this file. Until it lands, nothing
 * IPv6 leaves the lab: every such packet is dropped as no_masquerade.
 *
 * The contract route6.h calls: src is the sender's endpoint (a map value);
 * the result is nsb_drop(reason) or a verdict finished by the callee
 * (verdict_done(): there is no struct nsb_verdict to name a path in).
 */
#ifndef NSBPF_LIB_MASQ6_H
#define NSBPF_LIB_MASQ6_H

#include "lib/verdict.h"

static __always_inline int masq6_from_node(struct __sk_buff *skb, const struct nsb_endpoint *src)
{
	return nsb_drop(NSB_DROP_NO_MASQUERADE);
}

#endif /* NSBPF_LIB_MASQ6_H */
