/* sysctl.h - /proc/sys keys of the network namespace the calling thread is in (call them
 * inside netns_call). Keys are dotted (net.ipv4.ip_forward) or slashed (net/ipv4/ip_forward). */
#ifndef NSTOPO_SYSCTL_H
#define NSTOPO_SYSCTL_H

#include <stddef.h>

#include "err.h"

/* Reads the value with surrounding white space removed and inner runs of it made one space. */
int sysctl_read(const char *key, char *buf, size_t len, struct nst_err *err);
int sysctl_write(const char *key, const char *value, struct nst_err *err);

#endif
