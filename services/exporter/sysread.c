/* sysread.c - procfs's SysReadFile. See sysread.h. */
#include "sysread.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "goconv.h"
#include "keptfile.h"

int sysread_trimmed(const char *path, char *out)
{
	long n = kept_read_once(path, out, SYSREAD_MAX);
	if (n < 0)
		return (int)n;
	const char *p = out;
	size_t len = (size_t)n;
	goconv_trim_space(&p, &len);
	memmove(out, p, len);
	out[len] = 0;
	return (int)len;
}
