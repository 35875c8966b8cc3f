// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The lab as a user inspects it: its pinned maps through bpftool (names
 * from the BTF) and `nsbpf map dump` (everything decoded), and `status`
 * run from a namespace other than the lab's.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(maps, .init = harness_enter, .fini = harness_leave, .timeout = 180);

static const char mx[] = "name: mx\n"
			 "networks:\n"
			 "  out: {subnet: 10.97.0.0/24, masquerade: true}\n"
			 "  closed: {subnet: 10.97.1.0/24}\n"
			 "nodes:\n"
			 "  a: {network: out, ip: 10.97.0.10}\n"
			 "  b: {network: closed}\n"
			 "forwards:\n"
			 "  - {proto: tcp, port: 6000, to: a:8080}\n";

#define PINS "/sys/fs/bpf/nsbpf/mx/"

Test(maps, bpftool_names_the_enums_and_map_dump_decodes_the_rest)
{
	char *out = NULL;

	world_up();
	lab_up_ok("mx", mx);
	cr_assert_eq(in_ns("mx-a", "ping -c1 -W2 192.0.2.2"), 0, "a masqueraded ping");
	/* bpftool alone: the state and a lone flag by name, from the maps' BTF */
	cr_assert(json_true("bpftool -j map dump pinned " PINS "ct",
			    ".[0].formatted.value.state == \"NSB_CT_ESTABLISHED\""),
		  "bpftool prints the ct state by name");
	cr_assert(json_true("bpftool -j map dump pinned " PINS "networks",
			    ".[1].formatted.value.flags == \"NSB_NET_F_USED\""),
		  "bpftool prints a network's flag by name");
	/* nsbpf map dump: addresses, ports, protocol, state */
	cr_assert(nsbpf_json("map dump mx ct",
			     ".maps[0].entries[0] | .key.saddr == \"10.97.0.10\" and "
			     ".key.daddr == \"192.0.2.2\" and .key.proto == \"icmp\" and "
			     ".value.nat_addr == \"192.0.2.1\" and .value.state == \"established\" "
			     "and .value.nat_port >= 61000 and .value.pkts_reply == 1"),
		  "the flow decoded");
	cr_assert(nsbpf_json("map dump mx",
			     "[.maps[] | select(.name == \"networks\") | .entries[]] | length == 2 "
			     "and .[0].value.flags == [\"used\", \"masquerade\"] and "
			     ".[1].value.reach == [\"closed\"]"),
		  "two networks of 64 slots, flags and reach by name");
	cr_assert(nsbpf_json("map dump mx forwards", ".maps[0].entries[0] | .key.port == 6000 and "
						     ".key.host_addr == \"0.0.0.0\" and "
						     ".value.node_port == 8080"),
		  "ports in host order");
	cr_assert(
		nsbpf_json(
			"map dump mx endpoints",
			".maps[0].entries[] | select(.key.addr == \"10.97.0.10\") | "
			".value.network == \"out\" and (.value.node_mac | test(\"^02(:[0-9a-f]{2}){5}$\"))"),
		"endpoints: network by name, MACs");
	cr_assert(nsbpf_json("map dump mx stats",
			     ".maps[0].entries[] | select(.key.name == \"snat\") | "
			     ".key.kind == \"path\" and .value.packets >= 1"),
		  "counters by name");
	cr_assert_eq(nsbpf_out(&out, "map dump mx networks"), 0);
	cr_assert_eq(
		run("printf '%%s' '%s' | grep -Eq '^0 +out +10.97.0.0 +24 +10.97.0.1 +used\\|masquerade +out$'",
		    out),
		0, "a text table: %s", out);
	free(out);
	nsbpf_says(2, "no map \"nope\"", "map dump mx nope");
	lab_down_ok("mx");
}

Test(maps, status_from_another_namespace_finds_the_lab_and_the_masquerade_of_now)
{
	char *out = NULL;

	cr_assert_eq(run("ip netns add hostmx && ip -n hostmx link set lo up"), 0);
	cr_assert_eq(nsbpf_run("-n hostmx up %s", lab_file("mx", mx)), 0);
	cr_assert(nsbpf_json(
			  "status mx",
			  ".labs[0] | .where == \"other-netns\" and .host_netns.name == \"hostmx\" "
			  "and ([.nodes[].state] == [\"up\", \"up\"]) and "
			  ".networks[0].masquerade == true and .networks[1].masquerade == false"),
		  "where the lab lives, its nodes up, seen from here");
	cr_assert_eq(nsbpf_run("-n hostmx nat off mx out"), 0);
	cr_assert(nsbpf_json("status mx", ".labs[0].networks[0] | .name == \"out\" and "
					  ".subnet == \"10.97.0.0\" and .prefix == 24 and "
					  ".gateway == \"10.97.0.1\" and .masquerade == false and "
					  ".reach == [\"out\"]"),
		  "masquerade as the map has it now, not as the file says");
	cr_assert_eq(nsbpf_out(&out, "status mx"), 0);
	cr_assert(strstr(out, "in network namespace hostmx"), "%s", out);
	cr_assert_eq(
		run("printf '%%s' '%s' | grep -Eq '^out +10.97.0.0/24 +10.97.0.1 +off +out$'", out),
		0, "%s", out);
	free(out);
	cr_assert(nsbpf_json("-n hostmx status mx", ".labs[0] | .where == \"here\" and "
						    ".host_netns.name == \"hostmx\""));
	lab_down_ok("mx");
	run("ip netns del hostmx");
}
