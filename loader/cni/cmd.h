/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The plugin's commands. Each network is a lab named after it: the first
 * ADD brings it up, each ADD adds an endpoint, the last DEL (or a GC that
 * leaves none) takes it down. A lock per network serialises them.
 */
#ifndef NSBPF_CNI_CMD_H
#define NSBPF_CNI_CMD_H

#include <jansson.h>

#include "cni/conf.h"
#include "lab/lab_ep.h"

/* What every command gets: the environment, the parsed config and its text. */
struct cni_req {
	const struct cni_env *env;
	const struct cni_conf *conf;
	const char *text;
	size_t len;
};

/* ADD: *out the result document. 0, or -1 with e; nothing is left of a failed ADD. */
int cni_add(const struct cni_req *q, json_t **out, struct cni_err *e);
/* DEL: 0 also when the endpoint, or the whole network, is gone already. */
int cni_del(const struct cni_req *q, struct cni_err *e);
/* GC (1.1.0): remove the endpoints not in cni.dev/valid-attachments. */
int cni_gc(const struct cni_req *q, struct cni_err *e);
/* CHECK: the endpoint is as prevResult says. */
int cni_check(const struct cni_req *q, struct cni_err *e);
/* STATUS (1.1.0): can ADD work (the IPAM plugin is there)? */
int cni_status(const struct cni_req *q, struct cni_err *e);

/* ---- shared by the commands (cmd_util.c) ---- */

/* The network's lock, /run/nsbpf/.cni-NAME.lock (flock): an fd, or -1 with e. */
int cni_lock(const char *net, struct cni_err *e);
void cni_unlock(int fd);

/* The "file" a CNI network's lab records (lab_info): "cni:NAME". */
#define CNI_LAB_FILE "cni:"
/*
 * Is the lab of the network up, and a CNI network's? 1 yes, 0 not up, -1
 * with e: another lab has the name, or it is partly up.
 */
int cni_lab_ours(const char *lab, struct cni_err *e);

/* The endpoint's record, /run/nsbpf/LAB/cni-NODE: its attachment and port mappings. */
struct cni_rec {
	char container[256];
	char ifname[TOPO_IFNAMSIZ];
	struct cni_port ports[CNI_PORTS_MAX];
	size_t n_ports;
};
int cni_rec_write(const char *lab, const char *node, const struct cni_rec *r);
int cni_rec_read(const char *lab, const char *node, struct cni_rec *r); /* -ENOENT: none */
void cni_rec_remove(const char *lab, const char *node);

/*
 * Remove the endpoint node of the lab with its forwards and record; *left:
 * the endpoints after it. Then, when none is left, the lab. 0, or -1 with e.
 */
int cni_ep_remove(const char *lab, const char *node, struct cni_err *e);

/* The forwards of the endpoint's port mappings: add (all or none) or delete. */
int cni_ports_add(const char *lab, const char *node, const struct cni_port *p, size_t n,
		  struct cni_err *e);
void cni_ports_del(const char *lab, const char *node, const struct cni_port *p, size_t n);

/* The result document of ADD, from the IPAM's (taken over). */
json_t *cni_result(const struct cni_req *q, json_t *ipam, const struct lab_ep *ep,
		   const struct lab_ep_rt *rt);

#endif /* NSBPF_CNI_CMD_H */
