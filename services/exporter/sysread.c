/* sysread.c - procfs's SysReadFile. See sysread.h. */
#include "sysread.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "goconv.h"

int sysread_trimmed(const char *path, char *out)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, out, SYSREAD_MAX);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	const char *p = out;
	size_t len = (size_t)n;
	goconv_trim_space(&p, &len);
	memmove(out, p, len);
	out[len] = 0;
	return (int)len;
}
