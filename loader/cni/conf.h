/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The CNI plugin's input: the CNI_* environment and the network
 * configuration on stdin (CNI spec 1.0.0, with 0.3.x/0.4.0 and 1.1.0),
 * parsed with jansson into plain structs. Pure functions, unit tested.
 */
#ifndef NSBPF_CNI_CONF_H
#define NSBPF_CNI_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/topo.h"

/* Well-known error codes of the spec; 999: the plugin's own failure (libcni's ErrInternal). */
enum cni_code {
	CNI_ERR_VERSION = 1,	  /* incompatible CNI version */
	CNI_ERR_UNSUPPORTED = 2,  /* unsupported field in the network configuration */
	CNI_ERR_UNKNOWN_CTR = 3,  /* container unknown or does not exist */
	CNI_ERR_ENV = 4,	  /* invalid necessary environment variables */
	CNI_ERR_IO = 5,		  /* I/O failure */
	CNI_ERR_DECODE = 6,	  /* failed to decode content */
	CNI_ERR_CONFIG = 7,	  /* invalid network config */
	CNI_ERR_TRY_AGAIN = 11,	  /* try again later */
	CNI_ERR_UNAVAILABLE = 50, /* 1.1.0 STATUS: the plugin cannot service ADD */
	CNI_ERR_INTERNAL = 999,
};

/* An error as the spec's error document has it. */
struct cni_err {
	unsigned int code;
	char msg[128];
	char details[1024];
};

/* Fill e; returns -1, so that `return cni_fail(...)` reads. */
int cni_fail(struct cni_err *e, unsigned int code, const char *msg, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

enum cni_cmd { CNI_ADD, CNI_DEL, CNI_CHECK, CNI_VERSION, CNI_GC, CNI_STATUS };

struct cni_env {
	enum cni_cmd cmd;
	const char *cmd_name;  /* as given */
	const char *container; /* CNI_CONTAINERID */
	const char *netns;     /* CNI_NETNS, "" when not given (DEL, GC, STATUS) */
	const char *ifname;    /* CNI_IFNAME */
	const char *path;      /* CNI_PATH */
};

/* Read the CNI_* variables with get (getenv): 0, or -1 with e (code 4). */
int cni_env_read(const char *(*get)(const char *), struct cni_env *env, struct cni_err *e);

#define CNI_PORTS_MAX 64
#define CNI_GC_MAX    4096

struct cni_port {
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP */
	uint16_t host_port;
	uint16_t container_port;
	uint32_t host_ip; /* host order, 0: any */
};

#define CNI_REMOTES_MAX 64

/* remoteSubnets: another machine's pod subnet and the next hop to it. */
struct cni_remote {
	uint32_t subnet; /* host order */
	uint8_t prefix;
	uint32_t via; /* host order, on the uplink's link */
};

struct cni_attachment {
	char container[256];
	char ifname[TOPO_IFNAMSIZ];
};

struct cni_conf {
	char version[16]; /* cniVersion */
	char name[TOPO_NAME_MAX];
	char uplink[TOPO_IFNAMSIZ]; /* "uplink" (ours), "": the default route's device */
	bool ipmasq;
	uint32_t subnet; /* host order: "subnet" (ours), else the IPAM's first range */
	uint8_t prefix;
	uint32_t gateway; /* 0: subnet + 1 */
	char ipam_type[256];
	struct cni_remote remotes[CNI_REMOTES_MAX]; /* remoteSubnets */
	size_t n_remotes;
	struct cni_port ports[CNI_PORTS_MAX]; /* runtimeConfig.portMappings */
	size_t n_ports;
	bool has_prev;	  /* prevResult given */
	uint32_t prev_ip; /* its first IPv4 address, 0: none */
	uint8_t prev_prefix;
	struct cni_attachment *valid; /* GC: cni.dev/valid-attachments (malloc'd) */
	size_t n_valid;
};

/* The versions this plugin speaks, oldest first, and whether one is among them. */
extern const char *const cni_versions[];
bool cni_version_supported(const char *v);
/* Is v at least 0.4.0 (CHECK), 1.0.0 (no "version" in ips), 1.1.0 (GC, STATUS)? */
bool cni_version_at_least(const char *v, int major, int minor);

/*
 * Parse the configuration for cmd: 0, or -1 with e (6: not JSON, 1: a
 * version we do not speak, 7: a key missing or wrong).
 * conf->version is filled as soon as it is known, for the error document.
 */
int cni_conf_parse(const char *text, size_t len, enum cni_cmd cmd, struct cni_conf *conf,
		   struct cni_err *e);
void cni_conf_free(struct cni_conf *conf);

/*
 * The endpoint's names: its node in the lab (the container ID's first 12
 * characters when they are [a-z0-9] and ifname is eth0, else "c" and a
 * hash) and its host end ("nsb" and a hash of lab, ID, ifname).
 */
void cni_names(const char *lab, const char *container, const char *ifname, char node[TOPO_NAME_MAX],
	       char hostif[TOPO_IFNAMSIZ]);

#endif /* NSBPF_CNI_CONF_H */
