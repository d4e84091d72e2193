// SPDX-License-Identifier: GPL-2.0
/*
 * What the audit subsystem records of a mapping, against mmap(2)'s: a row
 * of neoos(4)'s conformance table (conformance_test has the others).
 *
 * It is a program of its own, which the suite runs last (Makefile's
 * LAST_PROGS): the rule and the audit state are put back, but not
 * audit_ever_enabled, so for the rest of the boot every task forked gets
 * an audit context and its system calls the audit path's cost, which
 * would slow every test after it (scale_test's msync by a quarter).
 */
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/audit.h>
#include <linux/netlink.h>
#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#define OUT	128

/*
 * Send one audit request: 0 or -errno from its acknowledgement.  AUDIT_GET
 * asks for no acknowledgement (the kernel would send it before the
 * reply) and waits for the reply, copied to @data.
 */
static int audit_request(int fd, int type, void *data, size_t len)
{
	static unsigned int seq;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr nh;
		char buf[NLMSG_SPACE(sizeof(struct audit_rule_data) + 64)];
	} msg = { 0 }, reply;
	struct nlmsgerr *err = NLMSG_DATA(&reply.nh);
	bool get = type == AUDIT_GET;

	msg.nh.nlmsg_len = NLMSG_LENGTH(len);
	msg.nh.nlmsg_type = type;
	msg.nh.nlmsg_flags = NLM_F_REQUEST | (get ? 0 : NLM_F_ACK);
	msg.nh.nlmsg_seq = ++seq;
	memcpy(NLMSG_DATA(&msg.nh), data, len);
	if (sendto(fd, &msg, msg.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	/* Records that arrive meanwhile are not the ones looked for. */
	for (;;) {
		if (recv(fd, &reply, sizeof(reply), 0) < 0)
			return -errno;
		if (reply.nh.nlmsg_seq != msg.nh.nlmsg_seq)
			continue;
		if (reply.nh.nlmsg_type == NLMSG_ERROR && (err->error || !get))
			return err->error;
		if (get && reply.nh.nlmsg_type == AUDIT_GET) {
			memcpy(data, NLMSG_DATA(&reply.nh), len);
			return 0;
		}
	}
}

static int audit_status(int fd, unsigned int mask, unsigned int enabled,
			unsigned int pid)
{
	struct audit_status s = { .mask = mask, .enabled = enabled, .pid = pid };

	return audit_request(fd, AUDIT_SET, &s, sizeof(s));
}

/* At exit of mmap(2) and ioctl(2) by the children of this process. */
static void audit_rule(struct audit_rule_data *r)
{
	memset(r, 0, sizeof(*r));
	r->flags = AUDIT_FILTER_EXIT;
	r->action = AUDIT_ALWAYS;
	r->mask[SYS_mmap / 32] |= 1U << (SYS_mmap % 32);
	r->mask[SYS_ioctl / 32] |= 1U << (SYS_ioctl % 32);
	r->field_count = 1;
	r->fields[0] = AUDIT_PPID;
	r->values[0] = getpid();
	r->fieldflags[0] = AUDIT_EQUAL;
}

/* The file to map, and whether neoos maps it. */
struct side {
	int fd;
	bool neoos;
};

/* Map a page of the file, readable and writable, and unmap it. */
static int audit_map_child(void *arg)
{
	struct side *s = arg;
	void *p;

	if (s->neoos) {
		p = sys_mmap(s->fd, 0, PAGE);
		return p && sys_munmap(p, PAGE) == E_OK ? 0 : 1;
	}
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	return p != MAP_FAILED && !munmap(p, PAGE) ? 0 : 1;
}

/*
 * The records of one side's map: whether the event of its system call
 * has an MMAP record (the descriptor and flags), as mmap(2)'s has.
 */
static void audit_row(int fd, struct side *s, char *out, size_t n)
{
	int syscall = s->neoos ? SYS_ioctl : SYS_mmap, exit = -1;
	unsigned long serial, seen[64];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	union {
		struct nlmsghdr nh;
		char buf[8192];
	} rec;
	bool syscall_seen = false, mmap_seen = false;
	size_t nseen = 0;

	exit = t_run_child(audit_map_child, s);
	/* kauditd sends them from its own thread: until it is quiet. */
	while (poll(&pfd, 1, 500) == 1 && recv(fd, &rec, sizeof(rec), 0) > 0) {
		const char *text = NLMSG_DATA(&rec.nh);
		int nr;

		if (sscanf(text, "audit(%*[^:]:%lu)", &serial) != 1)
			continue;
		if (rec.nh.nlmsg_type == AUDIT_SYSCALL &&
		    sscanf(strstr(text, " syscall=") ?: "", " syscall=%d",
			   &nr) == 1 && nr == syscall) {
			syscall_seen = true;
			if (nseen < ARRAY_SIZE(seen))
				seen[nseen++] = serial;
		}
		/* A syscall's records come before its MMAP record. */
		for (size_t i = 0; rec.nh.nlmsg_type == AUDIT_MMAP && i < nseen;
		     i++)
			mmap_seen |= seen[i] == serial;
	}
	snprintf(out, n, "exit:%d %s %s", exit,
	    syscall_seen ? "syscall record" : "no syscall record",
	    mmap_seen ? "MMAP record" : "no MMAP record");
}

/*
 * The audit subsystem's view: an exit rule on mmap(2) and ioctl(2) for
 * this process's children, with this process as auditd.  mmap(2)'s event
 * carries an MMAP record; neoos's ioctl cannot add one (neoos(4)).  The
 * children map because a task forked while audit was never enabled has
 * no audit context.
 */
TEST(audit_records_of_a_mapping)
{
	struct side native = { 0 }, neoos;
	char native_out[OUT] = "", neoos_out[OUT] = "";
	struct audit_status old = { 0 };
	struct audit_rule_data rule;
	bool rule_added;
	int fd;

	T_NEED_ROOT("sets the audit state and a rule: CAP_AUDIT_CONTROL");
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		SKIP(return, "no audit socket: %s", strerror(errno));
	ASSERT_EQ(0, t_make_pattern_file("audit_test.data", PAGE));
	native.fd = open("audit_test.data", O_RDWR);
	ASSERT_LE(0, native.fd);
	neoos = native;
	neoos.neoos = true;
	ASSERT_EQ(0, audit_request(fd, AUDIT_GET, &old, sizeof(old)));
	if (old.pid || old.enabled == 2)
		SKIP(goto out, "an auditd runs (pid %u), or audit is locked",
		     old.pid);
	ASSERT_EQ(0, audit_status(fd, AUDIT_STATUS_ENABLED | AUDIT_STATUS_PID,
				  1, getpid()));
	audit_rule(&rule);
	rule_added = !audit_request(fd, AUDIT_ADD_RULE, &rule, sizeof(rule));
	EXPECT_TRUE(rule_added);

	if (rule_added) {
		audit_row(fd, &native, native_out, sizeof(native_out));
		audit_row(fd, &neoos, neoos_out, sizeof(neoos_out));
		EXPECT_EQ(0, audit_request(fd, AUDIT_DEL_RULE, &rule,
					   sizeof(rule)));
	}
	EXPECT_EQ(0, audit_status(fd, AUDIT_STATUS_ENABLED | AUDIT_STATUS_PID,
				  old.enabled, 0));
	ksft_print_msg("neoos-row: audit file_shared: mmap(2) \"%s\", neoos \"%s\": __audit_mmap_fd() is not exported\n",
		       native_out, neoos_out);
	fflush(stdout);
	EXPECT_STREQ("exit:0 syscall record MMAP record", native_out);
	EXPECT_STREQ("exit:0 syscall record no MMAP record", neoos_out);
out:
	close(native.fd);
	unlink("audit_test.data");
	close(fd);
}

TEST_HARNESS_MAIN
