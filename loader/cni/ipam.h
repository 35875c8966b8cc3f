/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Delegation to the IPAM plugin the configuration names (ipam.type), as the
 * spec says: the binary found in CNI_PATH, run with the same environment
 * (CNI_COMMAND and the attachment may differ: GC releases others) and the
 * same configuration on stdin; its result parsed.
 */
#ifndef NSBPF_CNI_IPAM_H
#define NSBPF_CNI_IPAM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cni/conf.h"
#include "lab/lab_ep.h"

/* Where the plugin type is in the CNI_PATH list: 0, or -1 with e (code 7). */
int cni_ipam_find(const char *cni_path, const char *type, char *out, size_t len, struct cni_err *e);

/*
 * Run the IPAM plugin: cmd ("ADD", "DEL", "CHECK"), for the attachment
 * container/ifname. ADD: *res its result document (json_decref it); others:
 * res NULL. 0, or -1 with e (its own error document's code and message).
 */
int cni_ipam_run(const struct cni_env *env, const struct cni_conf *conf, const char *cmd,
		 const char *container, const char *ifname, const char *stdin_text,
		 size_t stdin_len, json_t **res, struct cni_err *e);

/* What ADD needs of an IPAM result: the first IPv4 address and the IPv4 routes. */
struct cni_ipam_ip {
	uint32_t ip; /* host order */
	uint8_t prefix;
	uint32_t gateway; /* 0: none given */
	struct lab_ep_route routes[LAB_EP_ROUTES_MAX];
	int n_routes;
};

/* 0, or -1 with e (an address or route the result does not spell right). */
int cni_ipam_parse(json_t *res, struct cni_ipam_ip *ip, struct cni_err *e);

#endif /* NSBPF_CNI_IPAM_H */
