/* fuzz_load_yaml.c - libFuzzer target for the topology parser: any bytes through load_yaml_buf
 * validate_lab and routing_lab, as `nstopo validate` runs them (cmd_load_lab); see tests/fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>

#include "load_yaml.h"
#include "routing.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = { 0 };
	if (size > LOAD_YAML_MAX_BYTES) /* load_yaml_file refuses larger files */
		return 0;
	struct topo_lab *lab = load_yaml_buf("fuzz.yaml", (const char *)data, size, &d);
	if (lab && validate_lab(lab, &d))
		routing_lab(lab, &d);
	diags_sort(&d);
	topo_lab_free(lab);
	diags_free(&d);
	return 0;
}
