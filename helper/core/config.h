/*
 * config.h - helper configuration (libconfig format).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <limits.h>

#include "policy.h"

enum querier_mode { QUERIER_AUTO, QUERIER_ON, QUERIER_OFF };
enum datapath_mode { DATAPATH_AUTO, DATAPATH_BPF, DATAPATH_NFLOG };

struct cfg {
	char helper[PATH_MAX];         /* helper binary, used by the plugin */
	char control_socket[PATH_MAX]; /* status socket, mode 0600 */
	char status_file[PATH_MAX];    /* "" = none */
	char metrics_file[PATH_MAX];   /* Prometheus textfile, "" = none */
	int status_interval;           /* seconds between status file rewrites */
	char nft_table[64];            /* netdev table owned by the helper */
	int nflog_group;               /* nflog group of diverted frames, 0 = per tap */
	int nflog_batch_ms;            /* longest wait for an nflog batch, 0 = none */
	int log_level;                 /* 0 err .. 3 debug */
	char upstream[16];             /* standalone upstream interface, "" = off */
	enum datapath_mode datapath;   /* who makes the copies */
	int client_multicast;          /* copy clients' multicast to the other members */
	char user[64];                 /* run as this user after setup, "" = stay root */
	struct {
		enum querier_mode querier;
		int version;                /* version of our own queries: 1, 2, 3 */
		int robustness;             /* robustness variable */
		int query_interval;         /* seconds */
		int query_response_interval;/* seconds (at most 25: v2 max resp code) */
	} igmp;
	struct {
		int crashes;                /* this many crashes within window: stay down */
		int window;                 /* seconds */
	} restart;
	struct policy policy;          /* per-client groups and caps */
};

/**
 * cfg_defaults() - fill @cfg with every default.
 */
void cfg_defaults(struct cfg *cfg);

/* Base of the default nflog group: group = CFG_NFLOG_BASE + tap ifindex. */
#define CFG_NFLOG_BASE 1194
/* Replaced by the instance (the tap's name) in paths and nft_table. */
#define CFG_INSTANCE_TOKEN "%i"

/**
 * cfg_free() - release what cfg_load() allocated (the policy); @cfg keeps
 * its defaults for it.
 */
void cfg_free(struct cfg *cfg);

/**
 * cfg_load() - load @path over the defaults in @cfg.
 * @err: on failure, receives "file:line: message".
 * Return: 0, or -1 (errno EINVAL for a bad file, or the open error). On
 * failure @cfg may hold some of the file's values; its policy is unchanged.
 */
int cfg_load(struct cfg *cfg, const char *path, char *err, size_t errlen);

/**
 * cfg_needs_instance() - whether @cfg still has settings that follow from
 * the tap (a "%i" in a path or nft_table, or nflog_group 0).
 */
int cfg_needs_instance(const struct cfg *cfg);

/**
 * cfg_instance() - settle the per-instance settings for tap @dev with
 * interface index @ifindex: "%i" becomes @dev in control_socket,
 * status_file and metrics_file, and in nft_table @dev with every character
 * other than letters, digits and '_' made '_'; nflog_group 0 becomes
 * CFG_NFLOG_BASE + @ifindex. Explicit settings stay as they are.
 * @err: on failure, receives the reason.
 * Return: 0, or -1 with errno (ENAMETOOLONG, ERANGE: ifindex too big).
 */
int cfg_instance(struct cfg *cfg, const char *dev, unsigned int ifindex, char *err,
		 size_t errlen);

#endif
