// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The lab as a user inspects it: its pinned maps through bpftool (names
 * from the BTF) and `nsbpf map dump` (everything decoded, the IPv6 maps
 * too), and `status` run from a namespace other than the lab's.
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

static const char mx6[] = "name: mx6\n"
			  "networks:\n"
			  "  out:\n"
			  "    subnet: 10.97.0.0/24\n"
			  "    subnet6: fd00:97::/64\n"
			  "    masquerade: true\n"
			  "nodes:\n"
			  "  a: {network: out, ip: 10.97.0.10, ip6: 'fd00:97::10'}\n"
			  "forwards:\n"
			  "  - {proto: tcp, port: 6000, to: a:8080}\n";

Test(maps, map_dump_decodes_the_ipv6_maps)
{
	char *out = NULL;

	cr_assert_eq(script("world6.sh"), 0, "world namespace with IPv6");
	lab_up_ok("mx6", mx6);
	cr_assert(wait_for(5000, "! ip -6 addr show | grep -q tentative"));
	cr_assert_eq(in_ns("mx6-a", "ping -6 -c1 -W2 2001:db8::2"), 0, "a NAT66 ping");
	cr_assert(
		nsbpf_json("map dump mx6 ct6",
			   ".maps[0].entries[0] | .key.saddr == \"fd00:97::10\" and "
			   ".key.daddr == \"2001:db8::2\" and .key.proto == \"icmpv6\" and "
			   ".value.nat_addr == \"2001:db8::1\" and .value.dnat_addr == \"::\" and "
			   ".value.state == \"established\" and .value.nat_port >= 61000 and "
			   ".value.pkts_reply == 1"),
		"the NAT66 flow decoded");
	cr_assert(
		nsbpf_json(
			"map dump mx6 nat_ports6",
			".maps[0].entries[0] | .key.nat_addr == \"2001:db8::1\" and "
			".key.remote_addr == \"2001:db8::2\" and .value.node_addr == \"fd00:97::10\""),
		"its claim decoded");
	cr_assert(nsbpf_json(
			  "map dump mx6 endpoints6",
			  ".maps[0].entries | length == 1 and .[0].key.addr == \"fd00:97::10\" and "
			  ".[0].value.network == \"out\" and "
			  "(.[0].value.node_mac | test(\"^02(:[0-9a-f]{2}){5}$\"))"),
		  "endpoints6: the node's ip6, network by name, MACs");
	cr_assert(nsbpf_json("map dump mx6 ifaces6", ".maps[0].entries[0].value.addr == "
						     "\"fd00:97::10\""));
	cr_assert(nsbpf_json(
		"map dump mx6 networks6",
		".maps[0].entries == [{\"key\": {\"id\": 0, \"name\": \"out\"}, "
		"\"value\": {\"subnet\": \"fd00:97::\", \"prefix\": 64, "
		"\"gateway\": \"fd00:97::1\", \"flags\": [\"used\", \"masquerade\"]}}]"));
	cr_assert(nsbpf_json(
		"map dump mx6 forwards6",
		".maps[0].entries[0] | .key.host_addr == \"::\" and .key.port == 6000 and "
		".value.node_addr == \"fd00:97::10\" and .value.node_port == 8080"));
	cr_assert(nsbpf_json("map dump mx6 config",
			     ".maps[0].entries[0].value.uplink_addr6 == \"2001:db8::1\""));
	cr_assert(nsbpf_json("map dump mx6 host_addrs6",
			     "[.maps[0].entries[].key.addr] | index(\"2001:db8::1\") != null"));
	nsbpf_doc(0, "map dump", NULL, "map dump mx6");
	cr_assert_eq(nsbpf_out(&out, "map dump mx6 ct6"), 0);
	cr_assert_eq(
		run("printf '%%s' '%s' | grep -Eq '^fd00:97::10 +2001:db8::2 +[0-9]+ +0 +icmpv6 "
		    "+2001:db8::1 +6[0-9]+ +established'",
		    out),
		0, "a text table: %s", out);
	free(out);
	lab_down_ok("mx6");
}
