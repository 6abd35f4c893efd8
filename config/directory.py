"""Settings for log-in with the city's directory (Active Directory or OpenLDAP), read from LDAP_* variables.

config/settings.py calls directory_settings() only where LDAP_SERVER_URI is set: elsewhere neither
django-auth-ldap nor python-ldap is imported, and the directory's backend is not in AUTHENTICATION_BACKENDS.
A mistake in the variables stops the application at start with a message naming the variable, rather than
letting staff find out at log-in.
"""

from django.core.exceptions import ImproperlyConfigured

# The roles a directory group can give, by the name LDAP_ROLE_GROUPS uses: reviews.models.Role's values
# without their "role_" (tests/test_ldap_login.py checks that the two agree).
ROLE_KEYS = ("admin", "staff", "department", "committee")

# LDAP_GROUP_TYPE → (django-auth-ldap's class, the filter that finds such groups when LDAP_GROUP_FILTER is unset).
GROUP_TYPES = {
    "groupOfNames": ("GroupOfNamesType", "(objectClass=groupOfNames)"),
    "nestedGroupOfNames": ("NestedGroupOfNamesType", "(objectClass=groupOfNames)"),
    "groupOfUniqueNames": ("GroupOfUniqueNamesType", "(objectClass=groupOfUniqueNames)"),
    "posixGroup": ("PosixGroupType", "(objectClass=posixGroup)"),
    "activeDirectory": ("ActiveDirectoryGroupType", "(objectClass=group)"),
    "nestedActiveDirectory": ("NestedActiveDirectoryGroupType", "(objectClass=group)"),
}

# The user's fields and the directory attributes they are copied from at each log-in (the same names in
# Active Directory and in OpenLDAP's inetOrgPerson).
DEFAULT_ATTR_MAP = "first_name=givenName;last_name=sn;email=mail"
USER_FIELDS = ("first_name", "last_name", "email")


def is_enabled(environ):
    return bool(environ.get("LDAP_SERVER_URI", "").strip())


def pairs(text, variable):
    """'a=x;b=y' → [("a", "x"), ("b", "y")]: split at the first "=" only, since a DN has more of them."""
    result = []
    for number, part in enumerate(text.split(";"), start=1):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(
                f"{variable}: item {number} ({part!r}) is not NAME=VALUE; items are separated by ';'."
            )
        result.append((key.strip(), value.strip()))
    return result


def role_groups(text):
    """LDAP_ROLE_GROUPS → {role key: [group DN, …]}; a role named twice is given by any of its groups."""
    mapping = {}
    for key, dn in pairs(text, "LDAP_ROLE_GROUPS"):
        if key not in ROLE_KEYS:
            raise ImproperlyConfigured(
                f"LDAP_ROLE_GROUPS: unknown role {key!r} (for {dn!r}); the roles are {', '.join(ROLE_KEYS)}."
            )
        mapping.setdefault(key, []).append(dn)
    return mapping


def attr_map(text):
    mapping = dict(pairs(text, "LDAP_USER_ATTR_MAP"))
    unknown = sorted(set(mapping) - set(USER_FIELDS))
    if unknown:
        raise ImproperlyConfigured(
            f"LDAP_USER_ATTR_MAP: unknown field {', '.join(unknown)}; the fields are {', '.join(USER_FIELDS)}."
        )
    return mapping


def required(environ, name):
    value = environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when LDAP_SERVER_URI is set.")
    return value


def env_flag(environ, name):
    return environ.get(name, "0").strip().lower() in ("1", "true", "yes", "on")


def directory_settings(environ):
    """The AUTH_LDAP_* settings (and LDAP_ROLE_GROUPS) for the variables in environ."""
    try:
        import ldap
        from django_auth_ldap import config
    except ImportError as error:
        raise ImproperlyConfigured(
            "LDAP_SERVER_URI is set, but django-auth-ldap is not installed: "
            "install it with `uv sync --extra ldap` (see the README)."
        ) from error

    timeout = int(environ.get("LDAP_TIMEOUT", "5"))
    # A directory that does not answer fails the log-in after `timeout` seconds instead of holding a worker.
    # No referrals: Active Directory answers a search of the whole domain with some, which fail to follow.
    options = {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: timeout, ldap.OPT_TIMEOUT: timeout}
    ca_file = environ.get("LDAP_CA_CERT_FILE", "").strip()
    if ca_file:
        options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
        # A new TLS context, made after the CA file is set, is the one that uses it.
        options[ldap.OPT_X_TLS_NEWCTX] = 0

    result = {
        "AUTH_LDAP_SERVER_URI": environ["LDAP_SERVER_URI"].strip(),
        "AUTH_LDAP_BIND_DN": environ.get("LDAP_BIND_DN", ""),
        "AUTH_LDAP_BIND_PASSWORD": environ.get("LDAP_BIND_PASSWORD", ""),
        "AUTH_LDAP_START_TLS": env_flag(environ, "LDAP_START_TLS"),
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        "AUTH_LDAP_USER_SEARCH": config.LDAPSearch(
            required(environ, "LDAP_USER_SEARCH_BASE"),
            ldap.SCOPE_SUBTREE,
            environ.get("LDAP_USER_FILTER", "").strip() or "(uid=%(user)s)",
        ),
        "AUTH_LDAP_USER_ATTR_MAP": attr_map(environ.get("LDAP_USER_ATTR_MAP", DEFAULT_ATTR_MAP)),
        # Name and mail follow the directory at every log-in, not only the first.
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "LDAP_ROLE_GROUPS": role_groups(environ.get("LDAP_ROLE_GROUPS", "")),
    }

    group_base = environ.get("LDAP_GROUP_SEARCH_BASE", "").strip()
    if result["LDAP_ROLE_GROUPS"] and not group_base:
        raise ImproperlyConfigured("LDAP_GROUP_SEARCH_BASE must be set when LDAP_ROLE_GROUPS is set.")
    if group_base:
        type_name = environ.get("LDAP_GROUP_TYPE", "").strip() or "groupOfNames"
        if type_name not in GROUP_TYPES:
            raise ImproperlyConfigured(
                f"LDAP_GROUP_TYPE: unknown type {type_name!r}; the types are {', '.join(GROUP_TYPES)}."
            )
        class_name, default_filter = GROUP_TYPES[type_name]
        result["AUTH_LDAP_GROUP_TYPE"] = getattr(config, class_name)()
        result["AUTH_LDAP_GROUP_SEARCH"] = config.LDAPSearch(
            group_base, ldap.SCOPE_SUBTREE, environ.get("LDAP_GROUP_FILTER", "").strip() or default_filter
        )
    return result
