/* lock.h - one lock per lab under /run/nstopo, so that two runs of up/down on the same lab never
 * interleave; the kernel drops it when the process ends, however it ends. */
#ifndef NSTOPO_LOCK_H
#define NSTOPO_LOCK_H

#include "err.h"

/* Returns the held lock's fd, or -1 with err set (busy: another run holds it). */
int lock_lab(const char *lab, struct nst_err *err);
void lock_release(int fd);

#endif
