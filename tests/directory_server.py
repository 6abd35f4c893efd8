"""A real OpenLDAP server (Debian's slapd) for the directory log-in tests, run as a child process.

Each pytest session (so each pytest-xdist worker) starts its own: a free port on the loopback address, a
configuration (slapd.conf) and an mdb database of its own in a temporary directory, loaded with slapadd
before the server starts. It offers StartTLS, with a certificate signed by a CA of its own (ca_file). The
server is stopped, and waited for, at the end of the session.
"""

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")

SUFFIX = "dc=city,dc=example"
ROOT_DN = f"cn=admin,{SUFFIX}"
# The application's own account for searching the directory (LDAP_BIND_DN): only it may read entries.
SERVICE_DN = f"cn=keikaku,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-password"


def installed():
    return os.path.exists(SLAPD) and os.path.exists(SLAPADD) and (MODULES / "back_mdb.so").exists()


def ssha(password):
    """{SSHA}, the hash OpenLDAP's slappasswd makes: a directory keeps no clear-text passwords."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def make_certificates(folder):
    """A CA of its own and, signed by it, the server's certificate for 127.0.0.1 (openssl), for StartTLS."""
    folder.mkdir()

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60, cwd=folder)

    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test city CA",
        "-keyout", "ca.key", "-out", "ca.pem",
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "server.key", "-out", "server.csr",
    )  # fmt: skip
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-copy_extensions", "copy", "-out", "server.pem",
    )  # fmt: skip
    return folder


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


CONFIG = """\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
include {schema}/nis.schema
modulepath {modules}
moduleload back_mdb
pidfile {root}/slapd.pid
argsfile {root}/slapd.args
TLSCACertificateFile {root}/tls/ca.pem
TLSCertificateFile {root}/tls/server.pem
TLSCertificateKeyFile {root}/tls/server.key

database mdb
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_password}
directory {root}/data
maxsize 10485760
index objectClass eq
index uid,member eq

# Passwords are for binding only; entries are for the application's account (and each user's own).
access to attrs=userPassword
    by anonymous auth
    by self auth
    by * none
access to *
    by dn.exact="{service_dn}" read
    by self read
    by * none
"""


def entries(users, groups):
    """The LDIF of the tree: ou=people (inetOrgPerson), ou=groups (groupOfNames), ou=services."""
    blocks = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: city\no: 東大和市",
        f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: keikaku\nuserPassword: {ssha(SERVICE_PASSWORD)}",
    ]
    for user in users:
        blocks.append(
            f"dn: uid={user['uid']},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {user['uid']}\n"
            f"cn:: {b64(user['sn'] + ' ' + user['given'])}\nsn:: {b64(user['sn'])}\n"
            f"givenName:: {b64(user['given'])}\nmail: {user['mail']}\nuserPassword: {ssha(user['password'])}"
        )
    for cn, member_uids in groups.items():
        members = "".join(f"\nmember: uid={uid},ou=people,{SUFFIX}" for uid in member_uids)
        blocks.append(f"dn: cn={cn},ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: {cn}{members}")
    return "\n\n".join(blocks) + "\n"


def b64(text):
    # LDIF carries non-ASCII values (Japanese names) base64-encoded, after "::".
    return base64.b64encode(text.encode()).decode()


class DirectoryServer:
    def __init__(self, root, users, groups):
        self.root = Path(root)
        self.port = free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self.users, self.groups = users, groups
        self.process = None

    def group_dn(self, cn):
        return f"cn={cn},ou=groups,{SUFFIX}"

    @property
    def ca_file(self):
        return self.root / "tls" / "ca.pem"

    def start(self):
        (self.root / "data").mkdir(parents=True)
        make_certificates(self.root / "tls")
        conf = self.root / "slapd.conf"
        conf.write_text(
            CONFIG.format(
                schema=SCHEMA,
                modules=MODULES,
                root=self.root,
                suffix=SUFFIX,
                root_dn=ROOT_DN,
                root_password=ssha(os.urandom(12).hex()),
                service_dn=SERVICE_DN,
            )
        )
        ldif = self.root / "tree.ldif"
        ldif.write_text(entries(self.users, self.groups), encoding="utf-8")
        subprocess.run([SLAPADD, "-f", conf, "-l", ldif], check=True, capture_output=True, timeout=60)
        log = open(self.root / "slapd.log", "wb")  # noqa: SIM115 (open for the server's whole life)
        # -d 0: in the foreground (a child we can stop and wait for) without debug output.
        self.process = subprocess.Popen(
            [SLAPD, "-d", "0", "-f", conf, "-h", f"{self.uri}/"], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self._wait_until_listening()
        return self

    def _wait_until_listening(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited: {(self.root / 'slapd.log').read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"slapd did not listen on {self.uri} within 20 s")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def environment(self, **overrides):
        """The LDAP_* variables a city would set for this directory (config/directory.py reads them)."""
        return {
            "LDAP_SERVER_URI": self.uri,
            "LDAP_BIND_DN": SERVICE_DN,
            "LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
            "LDAP_USER_SEARCH_BASE": f"ou=people,{SUFFIX}",
            "LDAP_GROUP_SEARCH_BASE": f"ou=groups,{SUFFIX}",
            "LDAP_ROLE_GROUPS": ";".join(
                [
                    f"admin={self.group_dn('it-admins')}",
                    f"staff={self.group_dn('joho')}",
                    f"committee={self.group_dn('iinkai')}",
                    f"department={self.group_dn('tantoka')}",
                ]
            ),
            **overrides,
        }
