/* Tests for collector/os.c: the os-release parser (go-envparse's rules)
 * and the two families. */
#include "../unit.h"
#include "xtest.h"

struct os_release {
	const char *v[12];
};
enum { OS_BUILD_ID, OS_ID, OS_ID_LIKE, OS_IMAGE_ID, OS_IMAGE_VERSION, OS_NAME, OS_PRETTY_NAME,
       OS_VARIANT, OS_VARIANT_ID, OS_VERSION, OS_VERSION_CODENAME, OS_VERSION_ID };
int os_release_parse(char *text, struct os_release *out);
double os_version_number(const char *version_id);
void os_release_add(struct scrape *s, const struct os_release *r);

/* node_exporter's fixture usr/lib/os-release. */
static const char os_ubuntu[] = "NAME=\"Ubuntu\"\n"
				"VERSION=\"20.04.2 LTS (Focal Fossa)\"\n"
				"ID=ubuntu\n"
				"ID_LIKE=debian\n"
				"PRETTY_NAME=\"Ubuntu 20.04.2 LTS\"\n"
				"VERSION_ID=\"20.04\"\n"
				"HOME_URL=\"https://www.ubuntu.com/\"\n"
				"SUPPORT_URL=\"https://help.ubuntu.com/\"\n"
				"BUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\n"
				"PRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\n"
				"VERSION_CODENAME=focal\n"
				"UBUNTU_CODENAME=focal\n";

TEST(os_release_fixture_output)
{
	char text[sizeof os_ubuntu];
	memcpy(text, os_ubuntu, sizeof text);
	struct os_release r;
	CHECK_INT(os_release_parse(text, &r), 0);
	struct xtest t;
	xtest_init(&t);
	os_release_add(&t.s, &r);
	char *out = xtest_render(&t.ms, XTEST_NO_HELP);
	xtest_free(&t);
	const char *want =
		"# TYPE node_os_info gauge\n"
		"node_os_info{build_id=\"\",id=\"ubuntu\",id_like=\"debian\",image_id=\"\","
		"image_version=\"\",name=\"Ubuntu\",pretty_name=\"Ubuntu 20.04.2 LTS\",variant=\"\","
		"variant_id=\"\",version=\"20.04.2 LTS (Focal Fossa)\",version_codename=\"focal\","
		"version_id=\"20.04\"} 1\n"
		"# TYPE node_os_version gauge\n"
		"node_os_version{id=\"ubuntu\",id_like=\"debian\",name=\"Ubuntu\"} 20.04\n";
	int same = !strcmp(out, want);
	if (!same)
		fprintf(stderr, "got:\n%s", out);
	free(out);
	CHECK(same);
}

TEST(os_release_quoting)
{
	char text[] = "# a comment\n"
		      "\n"
		      "  export NAME = 'Single \"quoted\"'  \n"
		      "ID=plain value # trailing comment\n"
		      "ID_LIKE=\"esc \\\"q\\\" \\\\ \\/ \\t\\u00e9\\ud83d\\ude00\"\n"
		      "VARIANT=a'b'\"c\"d\n"
		      "VARIANT_ID=\"#not a comment\"\n"
		      "VERSION_ID=1.2.3\n"
		      "VERSION_ID=\n"
		      "export=ok\n";
	struct os_release r;
	CHECK_INT(os_release_parse(text, &r), 0);
	CHECK_STR(r.v[OS_NAME], "Single \"quoted\"");
	CHECK_STR(r.v[OS_ID], "plain value");
	CHECK_STR(r.v[OS_ID_LIKE], "esc \"q\" \\ / \t\xc3\xa9\xf0\x9f\x98\x80");
	CHECK_STR(r.v[OS_VARIANT], "abcd");
	CHECK_STR(r.v[OS_VARIANT_ID], "#not a comment");
	/* An empty assignment overrides an earlier one (go-envparse v0.1.0). */
	CHECK_STR(r.v[OS_VERSION_ID], "");
	CHECK_STR(r.v[OS_BUILD_ID], "");
}

TEST(os_release_malformed)
{
	static const char *const bad[] = {
		"NAME\n",                 /* no '=' */
		"=x\n",                   /* empty key */
		"1NAME=x\n",              /* key starts with a digit */
		"NA-ME=x\n",              /* '-' in a key */
		"NAME=\"open\n",          /* unmatched quotes */
		"NAME='open\n",
		"NAME=\"bad \\q escape\"\n",
		"NAME=\"\\u12\"\n",       /* short \u */
		"NAME=\"\\ud83d\"\n",     /* lone surrogate at the end */
		"NAME=a\x01b\n",          /* control character */
		"NAME=\"trailing \\",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *t = strdup(bad[i]);
		struct os_release r;
		int rc = os_release_parse(t, &r);
		free(t);
		if (rc == 0) {
			unit_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
			return;
		}
	}
}

TEST(os_release_version_number)
{
	CHECK_DBL(os_version_number("20.04"), 20.04);
	CHECK_DBL(os_version_number("12"), 12);
	CHECK_DBL(os_version_number("1.2.3"), 1.2);
	CHECK_DBL(os_version_number("7."), 7);
	CHECK_DBL(os_version_number("rolling"), 0);
	CHECK_DBL(os_version_number(""), 0);
	CHECK_DBL(os_version_number(".5"), 0);
}
