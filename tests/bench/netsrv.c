/* netsrv.c -- the guest side of the network benchmark (tests/bench/netbench.py) for the Linux
 * baseline: a static x86_64 program, PID 1's child in build/bench/linux-net's initramfs.
 * One command line per connection, connections served one after another:
 *   "sink N\n" then N bytes  -> reads them all, replies "ok N\n"
 *   "source N\n"             -> sends N bytes, closes
 *   "pingpong N\n"           -> N times: reads 1 byte, sends it back
 * Anything else gets "error ...\n". The connection is closed after each command.
 * Usage: netsrv [PORT [ADDR]] (7777 on every address; a host-side check passes 127.0.0.1). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINE_MAX_LEN	64
#define CHUNK		(64 * 1024)

static char buf[CHUNK];

/* the command line, without its '\n', read a byte at a time so no data byte is taken with it */
static int read_line(int fd, char *line, size_t cap)
{
	size_t n = 0;

	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c == '\n')
			break;
		if (n + 1 >= cap)
			return -1;
		line[n++] = c;
	}
	line[n] = 0;
	return 0;
}

static int write_all(int fd, const void *p, size_t len)
{
	const char *s = p;

	while (len > 0) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

static void sink(int fd, unsigned long long n)
{
	unsigned long long got = 0;
	char reply[LINE_MAX_LEN];

	while (got < n) {
		size_t want = n - got < CHUNK ? (size_t)(n - got) : CHUNK;
		ssize_t r = read(fd, buf, want);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		got += (unsigned long long)r;
	}
	snprintf(reply, sizeof reply, "ok %llu\n", n);
	write_all(fd, reply, strlen(reply));
}

static void source(int fd, unsigned long long n)
{
	while (n > 0) {
		size_t len = n < CHUNK ? (size_t)n : CHUNK;

		if (write_all(fd, buf, len) < 0)
			return;
		n -= len;
	}
}

static void pingpong(int fd, unsigned long long n)
{
	while (n-- > 0) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR) {
			n++;
			continue;
		}
		if (r <= 0 || write_all(fd, &c, 1) < 0)
			return;
	}
}

static void serve(int fd)
{
	char line[LINE_MAX_LEN], cmd[16];
	unsigned long long n;
	static const char bad[] = "error: want sink N, source N or pingpong N\n";

	if (read_line(fd, line, sizeof line) < 0)
		return;
	if (sscanf(line, "%15s %llu", cmd, &n) != 2) {
		write_all(fd, bad, sizeof bad - 1);
		return;
	}
	if (strcmp(cmd, "sink") == 0)
		sink(fd, n);
	else if (strcmp(cmd, "source") == 0)
		source(fd, n);
	else if (strcmp(cmd, "pingpong") == 0)
		pingpong(fd, n);
	else
		write_all(fd, bad, sizeof bad - 1);
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7777, one = 1, l;
	struct sockaddr_in a;

	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'x', sizeof buf);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0) {
		perror("netsrv: socket");
		return 1;
	}
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	if (argc > 2 && inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) {
		fprintf(stderr, "netsrv: bad address %s\n", argv[2]);
		return 2;
	}
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4) < 0) {
		perror("netsrv: bind/listen");
		return 1;
	}
	printf("NETSRV listening on %d\n", port);
	fflush(stdout);
	for (;;) {
		int c = accept(l, NULL, NULL);

		if (c < 0)
			continue;
		/* pingpong's one-byte answers go out at once, not after Nagle's wait */
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		serve(c);
		close(c);
	}
}
