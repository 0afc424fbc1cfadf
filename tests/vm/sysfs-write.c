// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * sysfs-write FILE TEXT: write TEXT to FILE in one write() and print "OK" or
 * the errno name of the failure (EEXIST, ENOENT, ...), so shell tests can
 * assert exact errors.  Exit status 0 unless the arguments are wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	ssize_t n;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: sysfs-write FILE TEXT\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("%s\n", strerrorname_np(errno));
		return 0;
	}
	n = write(fd, argv[2], strlen(argv[2]));
	if (n < 0)
		printf("%s\n", strerrorname_np(errno));
	else
		printf("OK\n");
	close(fd);
	return 0;
}
