/* Unit tests of the interrupts collector. Owner: helper h1. */
#include "../unit.h"
#include "xtest.h"

int interrupts_parse(struct scrape *s, char *text);

TEST(interrupts_fixture_lines)
{
	char *o;
	int rc = xtest_parse(interrupts_parse,
		"           CPU0       CPU1       CPU2       CPU3       \n"
		"  0:         18          0          0          0  IR-IO-APIC-edge      timer\n"
		" 16:     328511     322879     293782     351412  IR-IO-APIC-fasteoi   ehci_hcd:usb1, mmc0\n"
		"NMI:         47       5031       6211       4968   Non-maskable interrupts\n"
		"LOC:  174326351  135776678  168393257  130980079   Local timer interrupts\n"
		"ERR:          0\n"
		"MIS:          0\n",
		XTEST_HELP, &o);
	CHECK_INT(rc, 0);
	CHECK(strstr(o, "# TYPE node_interrupts_total counter\n") != NULL);
	CHECK(strstr(o, "\nnode_interrupts_total{cpu=\"0\",devices=\"timer\",info=\"IR-IO-APIC-edge\",type=\"0\"} 18\n") != NULL);
	CHECK(strstr(o, "\nnode_interrupts_total{cpu=\"3\",devices=\"ehci_hcd:usb1, mmc0\",info=\"IR-IO-APIC-fasteoi\",type=\"16\"} 351412\n") != NULL);
	CHECK(strstr(o, "\nnode_interrupts_total{cpu=\"1\",devices=\"\",info=\"Non-maskable interrupts\",type=\"NMI\"} 5031\n") != NULL);
	CHECK(strstr(o, "\nnode_interrupts_total{cpu=\"2\",devices=\"\",info=\"Local timer interrupts\",type=\"LOC\"} 1.68393257e+08\n") != NULL);
	CHECK(strstr(o, "ERR") == NULL && strstr(o, "MIS") == NULL);
	free(o);
}

TEST(interrupts_last_line_of_a_name_wins)
{
	char *o;
	int rc = xtest_parse(interrupts_parse,
		"CPU0 CPU1\n"
		"NMI: 1 2 First\n"
		"NMI: 3 4 Second   one\n",
		XTEST_HELP, &o);
	CHECK_INT(rc, 0);
	CHECK(strstr(o, "First") == NULL);
	CHECK(strstr(o, "{cpu=\"1\",devices=\"\",info=\"Second one\",type=\"NMI\"} 4\n") != NULL);
	free(o);
}

TEST(interrupts_bad_input)
{
	char *o;
	int rc = xtest_parse(interrupts_parse, "", XTEST_HELP, &o);
	CHECK_INT(rc, -1);
	free(o);

	rc = xtest_parse(interrupts_parse, "CPU0 CPU1\n5: 1 x edge dev\n6: 7 8 edge\n", XTEST_HELP, &o);
	CHECK_INT(rc, -2);
	CHECK(strstr(o, "{cpu=\"0\",devices=\"dev\",info=\"edge\",type=\"5\"} 1\n") != NULL);
	CHECK(strstr(o, "{cpu=\"1\",devices=\"dev\"") == NULL);
	CHECK(strstr(o, "{cpu=\"1\",devices=\"\",info=\"edge\",type=\"6\"} 8\n") != NULL);
	free(o);

	/* header only, and lines too short for the CPU count */
	rc = xtest_parse(interrupts_parse, "CPU0 CPU1 CPU2\n1: 1 2\n:\n", XTEST_HELP, &o);
	CHECK_INT(rc, 0);
	CHECK_STR(o, "");
	free(o);
}
