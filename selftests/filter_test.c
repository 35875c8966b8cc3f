// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * addr_filter as the loader writes it (lab_fill_addr_filter()): the
 * datapath treats an address whose bits are clear as the world's, skipping
 * the endpoints and host_addrs lookups, and one whose lab bit is clear as
 * in no lab subnet, so a clear lab bit for any lab address would send a
 * node's packet out of the uplink (or let to_uplink pass a lab source).
 * Every address of every subnet and routed prefix of lab_routed must have
 * its lab bit, every host address its host bit; the world's server
 * neither (else the benches would only measure the slow path).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "harness.h"
#include "labs.h"
#include "node.skel.h"

static const uint32_t host_addrs[] = { HOST_IP, UPLINK_IP };

/* The bits of addr (host order) in the filter the program reads. */
static __u64 filter_bits(int fd, uint32_t addr)
{
	uint32_t slot = NSB_ADDR_FILTER_SLOT(addr), word = NSB_ADDR_FILTER_WORD(slot);
	__u64 bits = 0;

	cr_assert(!bpf_map_lookup_elem(fd, &word, &bits), "addr_filter[%u]: %s", word,
		  strerror(errno));
	return (bits >> NSB_ADDR_FILTER_SHIFT(slot)) & 3;
}

/* Every address from first to last (host order) has flag. */
static void all_set(int fd, uint32_t first, uint32_t last, __u64 flag, const char *what)
{
	for (uint64_t a = first; a <= last; a++) {
		if (filter_bits(fd, (uint32_t)a) & flag)
			continue;
		cr_assert_fail("%s: %u.%u.%u.%u has no %s bit in addr_filter", what,
			       (unsigned int)(a >> 24), (unsigned int)(a >> 16) & 255,
			       (unsigned int)(a >> 8) & 255, (unsigned int)a & 255,
			       flag == NSB_ADDR_FILTER_LAB ? "lab" : "host");
	}
}

Test(addr_filter, every_lab_and_host_address_has_its_bit)
{
	const struct topo *t = lab_routed.topo;
	struct st_env env;
	__u8 one = 1;
	int fd;

	st_require_bpf();
	st_open(&env, false);
	st_load(&env);
	cr_assert(!test_lab_install(&lab_routed, env.endpoints_fd, env.networks_fd));
	cr_assert(test_lab_install_routes(&lab_routed, env.routes_fd) > 0, "routes");
	for (size_t i = 0; i < sizeof(host_addrs) / sizeof(host_addrs[0]); i++) {
		__be32 a = htonl(host_addrs[i]);

		cr_assert(!bpf_map_update_elem(env.host_addrs_fd, &a, &one, BPF_ANY));
	}
	st_addr_filter(&env);
	fd = bpf_map__fd(env.skel->maps.addr_filter);

	for (size_t i = 0; i < t->n_networks; i++) {
		const struct topo_network *n = &t->networks[i];

		all_set(fd, n->subnet, n->subnet | ~test_lab_mask(n), NSB_ADDR_FILTER_LAB, n->name);
		for (size_t k = 0; k < n->n_routes; k++) {
			uint32_t mask = n->routes[k].len ? ~0U << (32 - n->routes[k].len) : 0;

			all_set(fd, n->routes[k].prefix, n->routes[k].prefix | ~mask,
				NSB_ADDR_FILTER_LAB, "a routed prefix");
		}
	}
	for (size_t i = 0; i < sizeof(host_addrs) / sizeof(host_addrs[0]); i++)
		all_set(fd, host_addrs[i], host_addrs[i], NSB_ADDR_FILTER_HOST, "a host address");
	cr_assert(!filter_bits(fd, REMOTE_IP), "the world's server shares no bit with the lab");
	/* else to_uplink would scan the subnets for every packet the host sends */
	cr_assert(!(filter_bits(fd, UPLINK_IP) & NSB_ADDR_FILTER_LAB), "the uplink has no lab bit");
	st_close(&env);
}
