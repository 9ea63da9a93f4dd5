#include "dirscan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int dirscan(const char *path, int (*fn)(const char *name, unsigned char type, void *ctx),
	    void *ctx)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	_Alignas(8) char buf[4096];
	int rc = 0;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			off += d->d_reclen;
			if (d->d_name[0] == '.' &&
			    (d->d_name[1] == 0 || (d->d_name[1] == '.' && d->d_name[2] == 0)))
				continue;
			if ((rc = fn(d->d_name, d->d_type, ctx)) != 0)
				goto out;
		}
	}
out:
	close(fd);
	return rc;
}
