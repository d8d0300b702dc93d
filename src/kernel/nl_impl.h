/* nl_impl.h - for the kernel layer's other libnl users (qdisc.c): the socket behind an nlr, and
 * the same conversion of a libnl failure into the error object that nl.c uses. */
#ifndef NSTOPO_NL_IMPL_H
#define NSTOPO_NL_IMPL_H

#include <netlink/socket.h>

#include "nl.h"

/* The socket, with the last kernel error forgotten: call before each request. */
struct nl_sock *nlr_sock(struct nlr *nl);
/* rc a libnl failure of a request on nl: the kernel's errno and extack when it refused. */
int nlr_fail(struct nlr *nl, int rc, struct nst_err *err, const char *what);

#endif
