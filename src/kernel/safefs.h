/* safefs.h - the checked run directories (/run/nstopo root's and 0755, /run/nstopo/LAB root's and
 * 0700), and file operations relative to directory fds that never follow a symlink nor leave their tree. */
#ifndef NSTOPO_SAFEFS_H
#define NSTOPO_SAFEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "topo.h"

/* /run/nstopo, opened once per run and kept (do not close it): made root's 0755 when missing, a
 * root-owned one writable by others is made 0755, a symlink or one of another user is refused. */
int safefs_run_dir(struct nst_err *err);

enum safefs_how {
	SAFEFS_READ,   /* open an existing one as it is */
	SAFEFS_CHECK,  /* open an existing one and make it 0700 */
	SAFEFS_CREATE, /* the same, making it 0700 when missing */
};
/* /run/nstopo/LAB as a new fd (the caller closes it). It must be a directory owned by root, not
 * a symlink; -1 with err set otherwise, err->code ENOENT when it does not exist (READ, CHECK). */
int safefs_lab_dir(const char *lab, enum safefs_how how, struct nst_err *err);

/* openat of a relative path beneath dirfd that follows no symlink on the way nor at the end
 * (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, or one component at a time). O_CLOEXEC added. */
int safefs_open(int dirfd, const char *path, int flags, mode_t mode);
/* The directory name under dirfd, made with mode when missing (*made says so; may be NULL);
 * an existing one must be a real directory. Returns its fd. */
int safefs_mkdir(int dirfd, const char *name, mode_t mode, bool *made);

/* The names in the directory fd but . and .., sorted; free with safefs_list_free. */
int safefs_list(int fd, char ***names, size_t *n);
void safefs_list_free(char **names, size_t n);

/* Removes name under dirfd and all below it. A symlink is unlinked as a name, never followed;
 * nothing on another mount is entered; each directory is made root's 0700 before it is emptied,
 * so that no other user can add to it meanwhile. A missing name is not an error. errno on -1. */
int safefs_remove(int dirfd, const char *name);
/* Removes everything in the directory fd (the same rules). */
int safefs_empty(int fd);

/* The most a `from:` entry may hold (a file, or every file of a directory together). */
#define SAFEFS_FROM_MAX ((uint64_t)TOPO_FROM_MAX_MIB << 20)

/* Copies the directory src into the empty directory dst: directories and regular files keep
 * their permission bits less setuid/setgid, symlinks are made again as symlinks (never followed),
 * other kinds are left out. *budget bytes at most (EFBIG beyond). errno on -1. */
int safefs_copy_tree(int src, int dst, uint64_t *budget);

/* Reads at most max bytes of fd into a new buffer (*len set); EFBIG when there are more. */
char *safefs_read_max(int fd, size_t max, size_t *len);
int safefs_write_all(int fd, const char *p, size_t n);

#endif
