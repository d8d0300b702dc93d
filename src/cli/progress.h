/* progress.h - the one status line on a terminal's stderr during long commands (up, down, test),
 * and Ctrl-C during them. Owns a repaint thread and the SIGINT/SIGTERM handlers while active. */
#ifndef NSTOPO_PROGRESS_H
#define NSTOPO_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

struct action;

/* Starts for `up`/`down` of lab: nothing is shown unless show (not -v, whose lines would mix
 * with it), stderr is a terminal and the command runs for more than a second; SIGINT and SIGTERM
 * are caught either way (see progress_stop). */
void progress_begin(const char *cmd, const char *lab, bool show);
/* apply_opts.progress: the action about to be done, done of total; -1 stops apply (interrupted). */
int progress_action(void *arg, const struct action *a, size_t done, size_t total);
/* A phase without actions ("waiting for the links"). */
void progress_phase(const char *text);
/* The signal that asked to stop (0 when none). */
int progress_stop(void);
/* Clears the line, stops the thread, puts the signals back. */
void progress_end(void);

#endif
