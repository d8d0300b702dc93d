/* lint.h - warnings (diags_warn) for a valid lab that is most likely not what was meant; run by
 * validate_lab once the file has no errors, so a mistake is not reported twice. */
#ifndef NSTOPO_LINT_H
#define NSTOPO_LINT_H

#include "err.h"
#include "topo.h"

void lint_lab(const struct topo_lab *lab, struct diags *d);

#endif
