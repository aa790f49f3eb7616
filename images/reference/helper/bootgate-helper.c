/*
 * bootgate-helper: tiny static helper for the bootgate reference image.
 *
 *   bootgate-mark [PORT [BYTE]]   write BYTE (default 0x7b) to I/O port PORT
 *                                 (default 0x402, QEMU isa-debugcon)
 *   bootgate-tarpit [PORT]        listen on TCP PORT (default 22), accept every
 *                                 connection and never send a byte (daemonizes)
 *   bootgate-hog [MIB]            hold MIB (default 30) MiB of written memory
 *                                 and sleep forever (daemonizes): a planted
 *                                 RAM regression for bootgate compare's tests
 *
 * The applet is chosen by argv[0] (or by the first argument: "mark"/"tarpit"/
 * "hog").
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/socket.h>
#include <unistd.h>

static long parse_num(const char *s, long dflt) {
    if (!s || !*s) return dflt;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || !end || *end) {
        fprintf(stderr, "bootgate-helper: bad number '%s'\n", s);
        exit(2);
    }
    return v;
}

static int do_mark(int argc, char **argv) {
    long port = parse_num(argc > 1 ? argv[1] : NULL, 0x402);
    long byte = parse_num(argc > 2 ? argv[2] : NULL, 0x7b);
    if (port <= 0 || port > 0xffff || byte < 0 || byte > 0xff) {
        fprintf(stderr, "bootgate-mark: port/byte out of range\n");
        return 2;
    }
    if (ioperm((unsigned long)port, 1, 1) != 0) {
        perror("bootgate-mark: ioperm");
        return 1;
    }
    outb((unsigned char)byte, (unsigned short)port);
    return 0;
}

static int do_tarpit(int argc, char **argv) {
    long port = parse_num(argc > 1 ? argv[1] : NULL, 22);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { perror("bootgate-tarpit: socket"); return 1; }
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("bootgate-tarpit: bind"); return 1; }
    if (listen(s, 64) != 0) { perror("bootgate-tarpit: listen"); return 1; }
    signal(SIGPIPE, SIG_IGN);
    pid_t pid = fork();
    if (pid < 0) { perror("bootgate-tarpit: fork"); return 1; }
    if (pid > 0) return 0; /* parent: listening socket is ready */
    setsid();
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) { dup2(devnull, 0); dup2(devnull, 1); dup2(devnull, 2); if (devnull > 2) close(devnull); }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) { if (errno == EMFILE || errno == ENFILE) sleep(1); continue; }
        /* keep the connection open forever, never write; drop the oldest
         * descriptors only when we run out (the kernel keeps them queued). */
        if (c > 900) { for (int fd = 4; fd < 900; fd++) if (fd != s) close(fd); }
    }
}

static int do_hog(int argc, char **argv) {
    long mib = parse_num(argc > 1 ? argv[1] : NULL, 30);
    if (mib < 1 || mib > 4096) { fprintf(stderr, "bootgate-hog: MiB out of range\n"); return 2; }
    pid_t pid = fork();
    if (pid < 0) { perror("bootgate-hog: fork"); return 1; }
    if (pid > 0) return 0;
    setsid();
    size_t n = (size_t)mib << 20;
    char *p = malloc(n);
    if (!p) { perror("bootgate-hog: malloc"); return 1; }
    /* Written, not just reserved: every page is resident (and counted in PSS). */
    for (size_t i = 0; i < n; i += 4096) p[i] = (char)(i >> 12 | 1);
    for (;;) pause();
}

int main(int argc, char **argv) {
    const char *name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    if (strcmp(name, "bootgate-mark") == 0) return do_mark(argc, argv);
    if (strcmp(name, "bootgate-tarpit") == 0) return do_tarpit(argc, argv);
    if (strcmp(name, "bootgate-hog") == 0) return do_hog(argc, argv);
    if (argc > 1 && strcmp(argv[1], "mark") == 0) return do_mark(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "tarpit") == 0) return do_tarpit(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "hog") == 0) return do_hog(argc - 1, argv + 1);
    fprintf(stderr, "usage: bootgate-mark [PORT [BYTE]] | bootgate-tarpit [PORT] | bootgate-hog [MIB]\n");
    return 2;
}
