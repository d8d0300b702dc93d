/* progress.c - the status line of up/down on a terminal and their Ctrl-C; see progress.h.
 * A thread repaints the line every 200 ms so an action that blocks (an `exec:` line, a daemon
 * starting) is still shown, with how long it has been running. */
#include "progress.h"
#include "plan.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { SHOW_AFTER_MS = 1000, REPAINT_MS = 200 };

static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake; /* progress_end: stop now, not at the next repaint */
	pthread_t thread;
	bool tty, running, shown, stop;
	char cmd[16], lab[64], what[160];
	size_t done, total;
	long long begin_ms, action_ms;
	struct sigaction old_int, old_term;
} P = { .mu = PTHREAD_MUTEX_INITIALIZER };

static volatile sig_atomic_t got_signal;

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	got_signal = sig;
}

/* Called with P.mu held. */
static void paint(void)
{
	long long now = now_ms();
	if (now - P.begin_ms < SHOW_AFTER_MS)
		return;
	char line[256];
	int n = snprintf(line, sizeof(line), "%s %s: ", P.cmd, P.lab);
	if (P.total)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "[%zu/%zu] ", P.done, P.total);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "%s", P.what);
	if (P.action_ms && now - P.action_ms >= 2000)
		snprintf(line + n, sizeof(line) - (size_t)n, " (still running, %llds)",
			 (now - P.action_ms) / 1000);
	/* One terminal line: cut to the width (80 when unknown), never wrapped. */
	const char *cols = getenv("COLUMNS");
	size_t width = cols && atoi(cols) > 20 ? (size_t)atoi(cols) : 80;
	if (strlen(line) >= width)
		line[width - 1] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	P.shown = true;
}

static void *repaint(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&P.mu);
	while (!P.stop) {
		paint();
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += REPAINT_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&P.wake, &P.mu, &t);
	}
	pthread_mutex_unlock(&P.mu);
	return NULL;
}

void progress_begin(const char *cmd, const char *lab, bool show)
{
	snprintf(P.cmd, sizeof(P.cmd), "%s", cmd);
	snprintf(P.lab, sizeof(P.lab), "%s", lab);
	snprintf(P.what, sizeof(P.what), "starting");
	P.begin_ms = now_ms();
	P.action_ms = 0;
	P.done = P.total = 0;
	P.stop = P.shown = false;
	got_signal = 0;
	/* The first Ctrl-C stops between two changes, the second (SA_RESETHAND) at once. */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &P.old_int);
	sigaction(SIGTERM, &sa, &P.old_term);
	/* Ignored when started (nohup, a background job of a script): left ignored. */
	if (P.old_int.sa_handler == SIG_IGN)
		sigaction(SIGINT, &P.old_int, NULL);
	if (P.old_term.sa_handler == SIG_IGN)
		sigaction(SIGTERM, &P.old_term, NULL);
	P.tty = show && isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
	if (!P.tty)
		return;
	/* The thread takes no signal: they stay with the main thread, whose calls they interrupt. */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&P.wake, &ca);
	pthread_condattr_destroy(&ca);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	P.running = pthread_create(&P.thread, NULL, repaint, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int progress_action(void *arg, const struct action *a, size_t done, size_t total)
{
	(void)arg;
	if (got_signal)
		return -1;
	if (!P.tty)
		return 0;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f && a && a->kind == ACT_EXEC_RUN && a->node) {
		/* The commands themselves, since one of them may be what takes long. */
		fprintf(f, "exec %s:", a->node->name);
		for (size_t i = 0; i < a->node->n_execs; i++)
			for (size_t k = 0; k < a->node->execs[i].argc; k++)
				fprintf(f, "%s%s", k ? " " : i ? "; " : " ", a->node->execs[i].argv[k]);
	} else if (f && a && a->kind == ACT_DAEMONS_START && a->node) {
		const char *d[64];
		size_t count = topo_node_daemons(a->node, d, 64);
		fprintf(f, "starting daemons %s:", a->node->name);
		for (size_t i = 0; i < count; i++)
			fprintf(f, " %s", d[i]);
	} else if (f && a) {
		struct plan one = { .v = (struct action *)a, .n = 1 };
		plan_print(f, &one, false);
	}
	if (f)
		fclose(f);
	pthread_mutex_lock(&P.mu);
	P.done = done;
	P.total = total;
	if (text) {
		char *nl = strchr(text, '\n');
		if (nl)
			*nl = '\0';
		snprintf(P.what, sizeof(P.what), "%s", text);
	}
	P.action_ms = now_ms();
	pthread_mutex_unlock(&P.mu);
	free(text);
	return 0;
}

void progress_phase(const char *text)
{
	if (!P.tty)
		return;
	pthread_mutex_lock(&P.mu);
	snprintf(P.what, sizeof(P.what), "%s", text);
	P.action_ms = now_ms();
	P.total = 0;
	pthread_mutex_unlock(&P.mu);
}

int progress_stop(void)
{
	return got_signal;
}

static void progress_clear(void)
{
	if (!P.tty)
		return;
	pthread_mutex_lock(&P.mu);
	if (P.shown)
		fputs("\r\033[K", stderr);
	P.shown = false;
	P.begin_ms = now_ms(); /* the line comes back after a second */
	pthread_mutex_unlock(&P.mu);
}

void progress_end(void)
{
	if (P.running) {
		pthread_mutex_lock(&P.mu);
		P.stop = true;
		pthread_cond_signal(&P.wake);
		pthread_mutex_unlock(&P.mu);
		pthread_join(P.thread, NULL);
		pthread_cond_destroy(&P.wake);
		P.running = false;
	}
	progress_clear();
	P.tty = false;
	sigaction(SIGINT, &P.old_int, NULL);
	sigaction(SIGTERM, &P.old_term, NULL);
}
