/* privdrop.c: give up root for an unprivileged account, for good. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <linux/capability.h>
#include <re.h>
#include "autoconf.h"
#include "privdrop.h"

#define DEBUG_MODULE "privdrop"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The daemon needs no privilege at all (SIP ports above 1023, a UNIX
 * socket in its own directory, made by rundir.c for it). When an init
 * system without a User= setting starts it as root, the configuration's
 * "user" key names the account to become: its uid, its primary group and
 * its supplementary groups, with every capability gone and no way back.
 */


/**
 * The account's uid and primary group.
 *
 * @return 0 if success, ENOENT if there is no such user (logged)
 */
int privdrop_ids(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		int err = errno ? errno : ENOENT;

		DEBUG_WARNING("user '%s': %s\n", user, err == ENOENT ?
			      "no such user" : strerror(err));
		return err;
	}

	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}


/* True if any capability is left in the permitted or effective set. */
static bool has_caps(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return true;   /* cannot tell: assume the worst */

	return data[0].permitted || data[0].effective ||
		data[1].permitted || data[1].effective;
}


/* Keep group gid among the supplementary ones (ipc_group: the socket
 * file is given to it after the switch). */
static int add_group(gid_t gid)
{
	gid_t *groups;
	int n = getgroups(0, NULL), err = 0;

	if (n < 0)
		return errno;

	groups = mem_alloc(((size_t)n + 1) * sizeof(*groups), NULL);
	if (!groups)
		return ENOMEM;

	n = getgroups(n, groups);
	if (n < 0) {
		err = errno;
		goto out;
	}

	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			goto out;

	groups[n++] = gid;
	if (setgroups((size_t)n, groups) < 0)
		err = errno;

 out:
	mem_deref(groups);
	return err;
}


/**
 * Become USER for good: supplementary groups, gid, uid (real, effective
 * and saved), no capabilities, no_new_privs. Call it as root, once the
 * privileged setup is done.
 *
 * @param user   Account name (config key "user")
 * @param group  Another group to stay in (ipc_group's), -1 for none
 *
 * @return 0 if success, ENOENT if there is no such user, EPERM if USER
 *         is root, if we are not root, or if root could be regained;
 *         errno of the call that failed otherwise. Each failure is logged.
 */
int privdrop_to(const char *user, gid_t group)
{
	uid_t uid, ruid, euid, suid;
	gid_t gid, rgid, egid, sgid;
	int err;

	if (!str_isset(user))
		return EINVAL;

	err = privdrop_ids(user, &uid, &gid);
	if (err)
		return err;

	if (uid == 0) {
		DEBUG_WARNING("user '%s' has uid 0: refusing to run as root "
			      "under another name\n", user);
		return EPERM;
	}

	if (geteuid() != 0) {
		DEBUG_WARNING("cannot become user '%s': not running as root\n",
			      user);
		return EPERM;
	}

	/* capabilities must not survive the uid change */
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);

	if (initgroups(user, gid) < 0) {
		err = errno;
		DEBUG_WARNING("cannot become user '%s': initgroups: %m\n",
			      user, err);
		return err;
	}

	if (group != (gid_t)-1 && group != gid) {
		err = add_group(group);
		if (err) {
			DEBUG_WARNING("cannot keep group %u: %m\n",
				      (unsigned)group, err);
			return err;
		}
	}

	if (setresgid(gid, gid, gid) < 0) {
		err = errno;
		DEBUG_WARNING("cannot become user '%s': setresgid(%u): %m\n",
			      user, (unsigned)gid, err);
		return err;
	}

	if (setresuid(uid, uid, uid) < 0) {
		err = errno;
		DEBUG_WARNING("cannot become user '%s': setresuid(%u): %m\n",
			      user, (unsigned)uid, err);
		return err;
	}

	/* verify instead of trusting: all ids changed, root is gone */
	if (getresuid(&ruid, &euid, &suid) < 0 ||
	    getresgid(&rgid, &egid, &sgid) < 0 ||
	    ruid != uid || euid != uid || suid != uid ||
	    rgid != gid || egid != gid || sgid != gid) {
		DEBUG_WARNING("user '%s': uid/gid not changed as asked\n",
			      user);
		return EPERM;
	}

	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) {
		DEBUG_WARNING("user '%s': root could be regained; stopping\n",
			      user);
		return EPERM;
	}

	if (has_caps()) {
		DEBUG_WARNING("user '%s': capabilities left after the switch\n",
			      user);
		return EPERM;
	}

	/* nothing exec'd later may gain privileges (setuid files) */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		err = errno;
		DEBUG_WARNING("user '%s': no_new_privs: %m\n", user, err);
		return err;
	}

	DEBUG_INFO("running as user %s (uid %u, gid %u)\n", user,
		   (unsigned)uid, (unsigned)gid);

	return 0;
}
