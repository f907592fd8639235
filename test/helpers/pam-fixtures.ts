/**
 * PAM configuration for fixtures: the stacks (Debian's common-* files, or RHEL's authselect
 * system-auth/password-auth) and the module configuration files, as CIS 5.3 wants them,
 * with hooks to plant one bad argument. Shared by the CIS 5.3 case table and the compliant
 * kubeadm Debian node.
 */
import type { FixtureSpec } from "./fixture-root.js";

export interface PamArgs {
  /** Extra arguments on the pam_faillock.so auth lines. */
  faillock?: string;
  /** … on the pam_pwquality.so line. */
  pwq?: string;
  /** … on the pam_pwhistory.so line. */
  hist?: string;
  /** … on the password pam_unix.so line. */
  unix?: string;
  /** … on the auth pam_unix.so line (Debian). */
  authUnix?: string;
}

export function pamStacks(rhel: boolean, o: PamArgs = {}): FixtureSpec {
  const authStack = (faillock: string) => rhel
    ? `auth required pam_env.so\nauth required pam_faillock.so preauth silent ${faillock}\nauth sufficient pam_unix.so\nauth required pam_faillock.so authfail ${faillock}\nauth required pam_deny.so\naccount required pam_faillock.so\naccount required pam_unix.so\n`
    : `auth requisite pam_faillock.so preauth ${faillock}\nauth [success=1 default=ignore] pam_unix.so\nauth [default=die] pam_faillock.so authfail ${faillock}\nauth requisite pam_deny.so\nauth required pam_permit.so\n`;
  const pwStack = (pwq: string, hist: string, unix: string) => rhel
    ? `password requisite pam_pwquality.so local_users_only ${pwq}\npassword required pam_pwhistory.so use_authtok ${hist}\npassword sufficient pam_unix.so sha512 shadow use_authtok ${unix}\npassword required pam_deny.so\n`
    : `password requisite pam_pwquality.so retry=3 ${pwq}\npassword [success=1 default=ignore] pam_pwhistory.so use_authtok ${hist}\npassword [success=1 default=ignore] pam_unix.so obscure use_authtok yescrypt ${unix}\npassword requisite pam_deny.so\npassword required pam_permit.so\n`;
  return rhel
    ? {
        "etc/pam.d/system-auth": authStack(o.faillock ?? "") + pwStack(o.pwq ?? "", o.hist ?? "", o.unix ?? ""),
        "etc/pam.d/password-auth": authStack(o.faillock ?? "") + pwStack(o.pwq ?? "", o.hist ?? "", o.unix ?? ""),
      }
    : {
        "etc/pam.d/common-auth": authStack(o.faillock ?? "").replace("pam_unix.so", `pam_unix.so ${o.authUnix ?? ""}`),
        "etc/pam.d/common-account": "account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so\naccount requisite pam_deny.so\naccount required pam_permit.so\naccount required pam_faillock.so\n",
        "etc/pam.d/common-password": pwStack(o.pwq ?? "", o.hist ?? "", o.unix ?? ""),
        "etc/pam.d/common-session": "session [default=1] pam_permit.so\nsession requisite pam_deny.so\nsession required pam_permit.so\nsession required pam_unix.so\n",
      };
}

export const FAILLOCK_CONF = "etc/security/faillock.conf";
export const PWQUALITY_DROPIN = "etc/security/pwquality.conf.d/50-cis.conf";
export const PWHISTORY_CONF = "etc/security/pwhistory.conf";

export function pamConf(
  faillock = "deny = 5\nunlock_time = 900\neven_deny_root\n",
  pwq = "difok = 2\nminlen = 14\nminclass = 4\nmaxrepeat = 3\nmaxsequence = 3\nenforce_for_root\n",
  hist = "remember = 24\nenforce_for_root\n",
): FixtureSpec {
  return { [FAILLOCK_CONF]: faillock, [PWQUALITY_DROPIN]: pwq, [PWHISTORY_CONF]: hist };
}

/** Everything CIS 5.3 asks for (RHEL: with an authselect profile selected). */
export function pamGood(rhel: boolean): FixtureSpec {
  return { ...pamStacks(rhel), ...pamConf(), ...(rhel ? { "etc/authselect/authselect.conf": "custom/cis\nwith-faillock\nwith-pwhistory\n" } : {}) };
}
