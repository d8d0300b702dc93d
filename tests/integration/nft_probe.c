/* nft_probe.c - drives the nft room (src/nft.c) from nft_room.sh, in whatever network namespace
 * it is started in: one subcommand per call, results printed one field per line for the script. */
#include "nft.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The node table the script checks: kinds and families mixed, so that the rules land in both
 * chains out of file order (prerouting gets 1 and 4, postrouting 0, 2 and 3). */
enum { N_STD = 5 };

static void nat_std(struct topo_nat r[N_STD])
{
	memset(r, 0, N_STD * sizeof(*r));
	r[0] = (struct topo_nat){ .kind = NAT_MASQUERADE, .has = NAT_HAS_OUT, .out = "wan",
				  .family = AF_INET, .text = "masquerade {out: wan}",
				  .loc = { "lab.yaml", 10, 9 } };
	r[1] = (struct topo_nat){ .kind = NAT_DNAT,
				  .has = NAT_HAS_IN | NAT_HAS_PROTO | NAT_HAS_PORT | NAT_HAS_TO |
					 NAT_HAS_TO_PORT,
				  .in = "wan", .family = AF_INET, .proto = IPPROTO_TCP, .port = 8080,
				  .to_port = 80,
				  .text = "dnat {in: wan, proto: tcp, port: 8080, to: 192.168.1.10:80}",
				  .loc = { "lab.yaml", 11, 9 } };
	inet_pton(AF_INET, "192.168.1.10", r[1].to);
	r[2] = (struct topo_nat){ .kind = NAT_SNAT, .has = NAT_HAS_OUT | NAT_HAS_FROM | NAT_HAS_TO,
				  .out = "wan", .family = AF_INET,
				  .text = "snat {out: wan, from: 192.168.1.0/24, to: 203.0.113.9}",
				  .loc = { "lab.yaml", 12, 9 } };
	cidr_parse("192.168.1.0/24", &r[2].from, true);
	inet_pton(AF_INET, "203.0.113.9", r[2].to);
	r[3] = (struct topo_nat){ .kind = NAT_MASQUERADE, .has = NAT_HAS_OUT | NAT_HAS_FROM,
				  .out = "wan", .family = AF_INET6,
				  .text = "masquerade {out: wan, from: fd00:1::/64}",
				  .loc = { "lab.yaml", 13, 9 } };
	cidr_parse("fd00:1::/64", &r[3].from, true);
	r[4] = (struct topo_nat){ .kind = NAT_DNAT,
				  .has = NAT_HAS_IN | NAT_HAS_PROTO | NAT_HAS_PORT | NAT_HAS_TO |
					 NAT_HAS_TO_PORT,
				  .in = "wan", .family = AF_INET6, .proto = IPPROTO_UDP, .port = 5353,
				  .to_port = 53,
				  .text = "dnat {in: wan, proto: udp, port: 5353, to: [fd00:1::10]:53}",
				  .loc = { "lab.yaml", 14, 9 } };
	inet_pton(AF_INET6, "fd00:1::10", r[4].to);
}

static void print_found(const struct nftw_found *f)
{
	printf("exists %d\nintact %d\nuserdata %s\n", f->exists, f->intact,
	       f->userdata ? f->userdata : "(none)");
	for (size_t i = 0; i < f->n; i++)
		printf("text %s\n", f->texts[i]);
}

static void print_err(const struct nst_err *err)
{
	printf("code %d\nobj %s\nmsg %s\nextack %s\nloc %s:%u:%u\n", err->code, err->obj, err->msg,
	       err->extack, err->loc.file ? err->loc.file : "-", err->loc.line, err->loc.col);
}

/* Spoils rule 2 of the standard list in one way; the refusal must name it. */
static int bad(struct nftw *nf, const char *how, const char *table, struct nst_err *err)
{
	struct topo_nat r[N_STD];
	char long_text[256];
	nat_std(r);
	if (strcmp(how, "ifname") == 0) {
		memcpy(r[2].out, "abcdefghijklmnop", sizeof(r[2].out)); /* 16 characters, no NUL */
	} else if (strcmp(how, "port") == 0) {
		r[2] = r[1];
		r[2].has &= ~NAT_HAS_PROTO; /* dnat with a port but no protocol */
		r[2].text = "dnat {in: wan, port: 8080, to: 192.168.1.10:80}";
		r[2].loc.line = 12;
	} else if (strcmp(how, "text") == 0) {
		/* 254 bytes: the longest comment libnftnl can hold, two bytes over what the kernel
		 * takes as a rule's userdata (NFT_USERDATA_MAXLEN 256, TLV header and NUL included). */
		memset(long_text, 'x', 254);
		long_text[254] = '\0';
		r[2].text = long_text;
	} else {
		fprintf(stderr, "nft_probe: unknown spoiling %s\n", how);
		return 2;
	}
	if (nftw_nat_set(nf, table, r, N_STD, "nstopo:lab:gw", err) == 0) {
		printf("accepted\n");
		return 1;
	}
	print_err(err);
	return 0;
}

static int uplink(struct nftw *nf, bool set, int argc, char **argv, struct nst_err *err)
{
	/* uplink-set TABLE OUT masq|nomasq USERDATA FROM... / uplink-get TABLE OUT masq|nomasq FROM... */
	int first = set ? 6 : 5;
	if (argc < first)
		return 2;
	bool masq = strcmp(argv[4], "masq") == 0;
	const char *const *from = (const char *const *)argv + first;
	size_t n = (size_t)(argc - first);
	if (set) {
		if (nftw_uplink_set(nf, argv[2], argv[3], from, n, masq, argv[5], err) < 0)
			return print_err(err), 1;
		return 0;
	}
	struct nftw_found f;
	if (nftw_uplink_get(nf, argv[2], argv[3], from, n, masq, &f, err) < 0)
		return print_err(err), 1;
	print_found(&f);
	nftw_found_free(&f);
	return 0;
}

static int run(struct nftw *nf, int argc, char **argv, struct nst_err *err)
{
	const char *cmd = argv[1], *table = argv[2];
	struct topo_nat r[N_STD];
	nat_std(r);
	if (strcmp(cmd, "set") == 0) {
		if (nftw_nat_set(nf, table, r, N_STD, argc > 3 ? argv[3] : NULL, err) < 0)
			return print_err(err), 1;
		return 0;
	}
	if (strcmp(cmd, "get") == 0) {
		struct nftw_found f;
		if (nftw_nat_get(nf, table, r, N_STD, &f, err) < 0)
			return print_err(err), 1;
		print_found(&f);
		nftw_found_free(&f);
		return 0;
	}
	if (strcmp(cmd, "del") == 0)
		return nftw_table_del(nf, table, err) < 0 ? (print_err(err), 1) : 0;
	if (strcmp(cmd, "bad") == 0 && argc > 3)
		return bad(nf, argv[2], argv[3], err);
	if (strcmp(cmd, "uplink-set") == 0 || strcmp(cmd, "uplink-get") == 0)
		return uplink(nf, strcmp(cmd, "uplink-set") == 0, argc, argv, err);
	fprintf(stderr, "nft_probe: unknown command %s\n", cmd);
	return 2;
}

int main(int argc, char **argv)
{
	struct nst_err err = { 0 };
	if (argc < 3) {
		fprintf(stderr, "usage: nft_probe set|get|del|bad|uplink-set|uplink-get ...\n");
		return 2;
	}
	struct nftw *nf = nftw_open(&err);
	if (!nf) {
		print_err(&err);
		return 1;
	}
	int rc = run(nf, argc, argv, &err);
	nftw_close(nf);
	return rc;
}
