/* mountinfo.h - reading /proc/self/mountinfo, where nodens and cgroup find their mounts: one
 * line's fields are split by white space, and a field's own white space is written escaped. */
#ifndef NSTOPO_MOUNTINFO_H
#define NSTOPO_MOUNTINFO_H

/* Undoes mountinfo's \ooo escapes of space, tab, newline and backslash, in place. */
void mountinfo_unescape(char *s);

#endif
